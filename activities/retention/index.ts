/**
 * Pipeline activity of the click-retention Schedule: deletes raw clicks older than the retention and the visitor
 * sets and salts of days before yesterday (UTC), in bounded batches, heartbeating between them. Idempotent: a retry
 * or a second run deletes what is still old, nothing else.
 */
import { Context } from '@temporalio/activity';
import type { ClickRetentionOutcome } from '../../contracts/workflows.js';
import { deleteClicksBefore, deleteSaltsBefore, deleteVisitorsBefore } from '../../db/click-retention.js';
import type { ActivityDeps } from '../deps.js';
import { withHeartbeat } from '../heartbeat.js';

const DAY_MS = 86_400_000;
/** Rows per delete statement: short statements, short locks. */
export const retentionBatchSize = 10_000;

export function createRetentionActivities({ db, config }: Pick<ActivityDeps, 'db' | 'config'>, options = { batchSize: retentionBatchSize }) {
  const { batchSize } = options;
  /** Runs `step` until a batch comes back short, heartbeating the running count; the rows deleted. */
  async function inBatches(what: string, step: () => Promise<number>): Promise<number> {
    const ctx = Context.current();
    let total = 0;
    for (;;) {
      const deleted = await step();
      total += deleted;
      ctx.heartbeat({ what, deleted: total });
      if (deleted < batchSize) return total;
      // A cancelled run stops between batches; what it deleted stays deleted.
      if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
    }
  }

  return {
    async deleteExpiredClicks(input: { retentionDays?: number; now?: string } = {}): Promise<ClickRetentionOutcome> {
      const now = input.now ? new Date(input.now) : new Date();
      const days = input.retentionDays ?? config.traffic.clickRetentionDays;
      const cutoff = new Date(now.getTime() - days * DAY_MS);
      // Yesterday's visitors still decide whether a click at midnight is unique; older days can take no click.
      const yesterday = new Date(now.getTime() - DAY_MS).toISOString().slice(0, 10);
      return withHeartbeat(async () => ({
        cutoff: cutoff.toISOString(),
        clicksDeleted: await inBatches('clicks', () => deleteClicksBefore(db, cutoff, batchSize)),
        visitorsDeleted: await inBatches('visitors', () => deleteVisitorsBefore(db, yesterday, batchSize)),
        saltsDeleted: await deleteSaltsBefore(db, yesterday),
      }));
    },
  };
}
