import { ApplicationFailure } from '@temporalio/activity';
import type { PostMetrics } from '../../core/types.js';
import { publicationContext } from '../../db/queries.js';
import type { ActivityDeps } from '../deps.js';
import { driverFor } from '../publishing/drivers/index.js';
import { toFailure } from '../publishing/index.js';

export function createMetricsActivities({ db, log, browser }: ActivityDeps) {
  return {
    /** Reads the post's counters with the account's session (same per-account lock as publishing). */
    async readPublicationMetrics(publicationId: string): Promise<{ metrics: Partial<PostMetrics>; source: string }> {
      const ctx = await publicationContext(db, publicationId);
      if (!ctx?.publication.postUrl || !ctx.publication.externalId) {
        throw ApplicationFailure.nonRetryable(`publication ${publicationId} has no post yet`, 'NotFound');
      }
      const post = { url: ctx.publication.postUrl, externalId: ctx.publication.externalId };
      const driverKey = ctx.platform.technicalConfig.driver;
      try {
        const metrics = await browser.withAccount(ctx.account, (job) =>
          driverFor(driverKey).readMetrics(
            { ...job, baseUrl: ctx.platform.technicalConfig.baseUrl, log: log.child({ publicationId }), timeoutMs: 30_000, step: async () => undefined },
            post,
          ),
        );
        return { metrics, source: `scraper:${driverKey}` };
      } catch (error) {
        throw toFailure(error);
      }
    },
  };
}
export type MetricsActivities = ReturnType<typeof createMetricsActivities>;
