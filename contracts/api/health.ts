/**
 * GET /healthz. Anyone gets the overall status and one word per component (`PublicHealth`: no error text, no queue
 * names, nothing about the deployment); an admin (dashboard session or bearer token) gets `Health`: the same plus
 * each check's details (scrubbed error texts, pollers per task queue, free disk, the click recorder).
 */
import { Type, type Static } from '@sinclair/typebox';
import { IsoTime, Nullable, StringEnum } from './common.js';
import { healthStatuses } from './statuses.js';

const Check = Type.Object({ ok: Type.Boolean(), error: Type.Optional(Type.String({ description: 'why it failed (secrets scrubbed; admins only)' })) });
const ComponentStatus = StringEnum(['ok', 'degraded'] as const);

/** One word per component. A low disk is reported here but does not make /healthz 503 (only uploads stop: 507). */
export const HealthComponents = Type.Object({
  db: ComponentStatus,
  temporal: ComponentStatus,
  /** Every task queue has a poller. */
  workers: ComponentStatus,
  /** Free disk of DATA_DIR at or above MIN_FREE_DISK_MB. */
  disk: ComponentStatus,
});
export type HealthComponents = Static<typeof HealthComponents>;

/** The free disk of DATA_DIR (statfs). */
export const DiskCheck = Type.Object({
  ok: Type.Boolean(),
  freeBytes: Nullable(Type.Integer()),
  totalBytes: Nullable(Type.Integer()),
  minFreeBytes: Type.Integer(),
  error: Type.Optional(Type.String()),
});
export type DiskCheck = Static<typeof DiskCheck>;

/** What anyone may read: 200 when `ok`; 503 when `degraded` or still `starting`. */
export const PublicHealth = Type.Object({ status: StringEnum(healthStatuses), components: HealthComponents });
export type PublicHealth = Static<typeof PublicHealth>;

/** The admin's answer (and the dashboard overview's): every check's details. */
export const Health = Type.Object({
  status: StringEnum(healthStatuses),
  components: HealthComponents,
  db: Check,
  temporal: Check,
  /** Per task queue: pollers Temporal sees (workflow pollers on pipeline, activity pollers elsewhere). */
  workers: Type.Record(Type.String(), Type.Object({ ok: Type.Boolean(), pollers: Type.Integer() })),
  disk: Type.Optional(DiskCheck),
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
