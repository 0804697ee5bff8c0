/**
 * Revenue attribution (issue 17): joins the clicks that reached a live session to its earnings lines, per
 * publication, for both methods of core/attribution.ts, and stores the result in `revenue_attribution`.
 * PLACEHOLDER for the helper building attribution: the signature is agreed; the body replaces this throw.
 */
import type { Db } from './client.js';

/** Recomputes one session's `revenue_attribution` rows whole (idempotent) and stamps `streams.attributed_at`. */
export async function attributeStream(_db: Db, _streamId: string, _opts: { windowMinutes: number }): Promise<void> {
  throw new Error('attributeStream: not built yet');
}
