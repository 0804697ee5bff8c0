/**
 * The reach-drop check (core/reach-drop.ts), run where a 24 h metrics reading lands (`storeMetrics`): the
 * account's recent views at 24 h against its trailing median. When a drop starts it records one `reach_drop`
 * event and one `alert` of kind `reach_drop` with the figures (linked to the account, its model and the newest
 * publication of the drop), and with REACH_DROP_PAUSE pauses the account through the pause path (`account_paused`,
 * scheduled publications held). Once per drop: the rule fires only where a drop begins, and an event for the same
 * newest publication (a second reading of it) stops a repeat; checks of one account are serialised by a lock.
 */
import { VIEWS_AT_24H } from '../../core/learned-slots.js';
import { REACH_DROP_HISTORY, reachDropFires, type ReachDrop } from '../../core/reach-drop.js';
import { accountContext, setAccountStatusMoving } from '../../db/accounts.js';
import { inTransaction } from '../../db/client.js';
import { recordEvent } from '../../db/events.js';
import { accountViewsAt24h, lockAccountReachCheck, reachDropRecorded } from '../../db/learned-slots.js';
import { findPublication } from '../../db/publications.js';
import { messagesFor } from '../../messages/index.js';
import type { ActivityDeps } from '../deps.js';

const HOUR = 3_600_000;

/** Whether a reading taken at `readAt` of a post published at `publishedAt` can be its views at 24 h. */
export function isDayReading(publishedAt: Date, readAt: Date): boolean {
  const age = readAt.getTime() - publishedAt.getTime();
  return age >= VIEWS_AT_24H.fromHours * HOUR && age <= VIEWS_AT_24H.toHours * HOUR;
}

export function createReachDropCheck({ db, config, log }: Pick<ActivityDeps, 'db' | 'config' | 'log'>) {
  /** The drop announced now for the publication's account, or null. */
  async function check(publicationId: string): Promise<ReachDrop | null> {
    const publication = await findPublication(db, publicationId);
    if (!publication) return null;
    const { posts, share, pauseAccount } = config.streams.reachDrop;
    const accountId = publication.accountId;
    return inTransaction(db, async (tx) => {
      await lockAccountReachCheck(tx, accountId);
      const figures = await accountViewsAt24h(tx, accountId, posts + REACH_DROP_HISTORY + 1);
      const drop = reachDropFires(figures.map((f) => f.views).reverse(), { posts, share });
      const newest = figures[0];
      if (!drop || !newest || (await reachDropRecorded(tx, accountId, newest.publicationId))) return null;
      const ctx = await accountContext(tx, accountId);
      if (!ctx) return null;
      const links = { accountId, modelId: ctx.account.modelId, publicationId: newest.publicationId };
      let paused = false;
      if (pauseAccount && ctx.account.status === 'active') {
        const held = await setAccountStatusMoving(tx, accountId, 'paused', { from: 'scheduled', to: 'held' });
        // The admin chat reads Spanish; a reason is stored as given, like one typed by a person.
        await recordEvent(tx, 'account_paused', { username: ctx.account.username, held: held.map((p) => p.id), reason: messagesFor('es').notify.titles.reach_drop }, links);
        paused = true;
      }
      await recordEvent(tx, 'reach_drop', { posts, medianViews: drop.medianViews }, links);
      await recordEvent(tx, 'alert', {
        kind: 'reach_drop', username: ctx.account.username, platform: ctx.platform.name, posts, share,
        medianViews: drop.medianViews, recentViews: drop.recentViews, paused,
      }, links);
      return drop;
    });
  }

  return {
    check,
    /**
     * After a reading with views was stored: checks when it can be the post's views at 24 h. A failed check is logged,
     * never thrown: the reading is stored, and retrying the store activity would store it twice.
     */
    async afterReading(publicationId: string, views: number | undefined, readAt = new Date()): Promise<void> {
      if (views === undefined) return;
      try {
        const publication = await findPublication(db, publicationId);
        if (!publication?.publishedAt || !isDayReading(publication.publishedAt, readAt)) return;
        await check(publicationId);
      } catch (error) {
        log?.warn({ err: error, publicationId }, 'reach-drop check failed');
      }
    },
  };
}
