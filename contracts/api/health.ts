/** GET /healthz (public): the database, Temporal and the pollers on each task queue. */
import { Type, type Static } from '@sinclair/typebox';
import { IsoTime, Nullable, StringEnum } from './common.js';
import { healthStatuses } from './statuses.js';

const Check = Type.Object({ ok: Type.Boolean(), error: Type.Optional(Type.String()) });

/** 200 when `ok`; 503 when `degraded` or still `starting` (the checks are answered either way). */
export const Health = Type.Object({
  status: StringEnum(healthStatuses),
  db: Check,
  temporal: Check,
  /** Per task queue: pollers Temporal sees (workflow pollers on pipeline, activity pollers elsewhere). */
  workers: Type.Record(Type.String(), Type.Object({ ok: Type.Boolean(), pollers: Type.Integer() })),
  /** The web process's tracking-link click recorder: clicks waiting in memory, written and lost since start. */
  clicks: Type.Optional(Type.Object({
    buffered: Type.Integer(),
    stored: Type.Integer(),
    dropped: Type.Integer({ description: 'lost: buffer full while the database was away, refused, or left at shutdown' }),
    lastError: Type.Optional(Type.String({ description: 'why writing fails, while it fails' })),
    lastFlushAt: Nullable(IsoTime),
  })),
});
export type Health = Static<typeof Health>;
