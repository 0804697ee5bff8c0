/**
 * Tracking codes → the account they send visitors for (`/t/<code>[/<ref>]`, README "Traffic"): the current code on
 * `platform_accounts`, else a retired one in `tracking_code_history` (old links keep redirecting and counting).
 */
import { eq } from 'drizzle-orm';
import type { Db } from './client.js';
import { platformAccounts, trackingCodeHistory } from './schema.js';

export interface TrackingCodeOwner {
  accountId: string;
  streamUrl: string | null;
  profileUrl: string | null;
}

const owner = { accountId: platformAccounts.id, streamUrl: platformAccounts.streamUrl, profileUrl: platformAccounts.profileUrl };

/** The account a tracking code (current or retired) belongs to; undefined when no account ever had it. */
export async function findTrackingCodeOwner(db: Db, code: string): Promise<TrackingCodeOwner | undefined> {
  const [current] = await db.select(owner).from(platformAccounts).where(eq(platformAccounts.trackingCode, code)).limit(1);
  if (current) return current;
  const [retired] = await db.select(owner).from(trackingCodeHistory)
    .innerJoin(platformAccounts, eq(platformAccounts.id, trackingCodeHistory.accountId))
    .where(eq(trackingCodeHistory.code, code)).limit(1);
  return retired;
}
