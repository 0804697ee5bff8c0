/** GET /api/storage: disk use per kind under DATA_DIR, the database's size and the free disk. */
import { Type, type Static } from '@sinclair/typebox';
import { IsoTime, Nullable } from './common.js';

const Usage = Type.Object({ bytes: Type.Integer(), files: Type.Integer() });

export const StorageUsage = Type.Object({
  /** When the walk ran (answers are cached for a minute). */
  generatedAt: IsoTime,
  /** true when the walk stopped at its file or time budget: the figures are lower bounds. */
  partial: Type.Boolean(),
  kinds: Type.Object({
    originals: Usage,
    variants: Usage,
    thumbnails: Usage,
    evidence: Usage,
    incoming: Usage,
    other: Type.Object({ bytes: Type.Integer(), files: Type.Integer() }, { description: 'anything else under the media folder (watermark logos…)' }),
  }),
  /** PostgreSQL: pg_database_size; the embedded PGlite: its folder; null when it could not be read in time. */
  database: Nullable(Type.Object({ kind: Type.Union([Type.Literal('postgres'), Type.Literal('pglite')]), bytes: Type.Integer() })),
  /** The filesystem of DATA_DIR (statfs); null when it cannot be read. Below `minFreeBytes` uploads get 507. */
  disk: Nullable(Type.Object({ freeBytes: Type.Integer(), totalBytes: Type.Integer(), minFreeBytes: Type.Integer(), low: Type.Boolean() })),
});
export type StorageUsage = Static<typeof StorageUsage>;
