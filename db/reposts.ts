/**
 * Reposts (issue 17, PRD contenido_origen_id): a new content linked to its origin, going only to chosen accounts,
 * with a new caption draft; used by the repost service (dashboard) and by live-aware posting (stream workflow).
 * PLACEHOLDER for the helper building reposts: the signature is agreed; the body replaces this throw.
 */
import type { Db } from './client.js';

export interface RepostInput {
  originContentId: string;
  accountIds: string[];
  /** The caption draft for every target platform; absent = a new draft from the origin's. */
  caption?: string;
  actor: string;
  /** Live-aware posting: the session it is for (at most one such content per session). */
  live?: { streamId: string };
}

/** Creates the repost content row (idempotent for `live`: the session's existing one is returned, `created: false`). */
export async function createRepost(_db: Db, _input: RepostInput): Promise<{ contentId: string; created: boolean }> {
  throw new Error('createRepost: not built yet');
}
