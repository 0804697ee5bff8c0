import { ApplicationFailure } from '@temporalio/activity';
import { mergeMetrics } from '../../core/numbers.js';
import type { PostMetrics } from '../../core/types.js';
import { latestMetrics, recordPostMissing, recordPostSeen } from '../../db/publications.js';
import { recordEvent } from '../../db/events.js';
import { publicationContext } from '../../db/publications.js';
import type { ActivityDeps } from '../deps.js';
import { driverFor } from '../publishing/drivers/index.js';
import type { MetricsRead } from '../publishing/drivers/types.js';
import { PublishError } from '../publishing/errors.js';
import { driverContext, toFailure } from '../publishing/index.js';

/**
 * `live`: counters to store (unreadable ones keep their last good value). `missing`: the post page
 * said "not available" once; `deleted`: twice in a row, so polling stops.
 */
export type MetricsReadResult =
  | { state: 'live'; metrics: Partial<PostMetrics>; source: string; unreadable: (keyof PostMetrics)[] }
  | { state: 'missing' | 'deleted'; metrics: Partial<PostMetrics>; source: string };

type PublicationContext = NonNullable<Awaited<ReturnType<typeof publicationContext>>>;

/**
 * One read of a post's counters, whatever reads them (a browser page or an API): a post reported gone twice in a
 * row is deleted, and counters merge with the last good values so a failed parse never writes zeros.
 */
export async function readMetricsWith(
  { db }: Pick<ActivityDeps, 'db'>, ctx: PublicationContext, source: string, readCounters: () => Promise<MetricsRead>,
): Promise<MetricsReadResult> {
  const { publication, account, model } = ctx;
  const publicationId = publication.id;
  const url = publication.postUrl ?? '';
  const ids = { publicationId, accountId: account.id, contentId: publication.contentId, modelId: model.id };
  let read;
  try {
    read = await readCounters();
  } catch (error) {
    if (!(error instanceof PublishError && error.type === 'PostUnavailable')) throw toFailure(error);
    const { missingChecks, deleted } = await recordPostMissing(db, publicationId);
    if (deleted) {
      await recordEvent(db, 'post_deleted', { url, missingChecks }, ids);
      await recordEvent(db, 'alert', { kind: 'post_deleted', url, username: account.username, platform: ctx.platform.name }, ids);
      return { state: 'deleted', metrics: {}, source };
    }
    await recordEvent(db, 'post_missing', { url, missingChecks }, ids);
    return { state: 'missing', metrics: {}, source };
  }
  await recordPostSeen(db, publicationId);
  const { metrics, missing } = mergeMetrics(await latestMetrics(db, publicationId), read);
  if (missing.length > 0) {
    await recordEvent(db, 'metrics_parse_failed', { url, unreadable: missing, read }, ids);
  }
  // Nothing readable means nothing learned: no row that would only repeat the last one.
  const learnedSomething = Object.keys(read).length > missing.length;
  return { state: 'live', metrics: learnedSomething ? metrics : {}, source, unreadable: missing };
}

export function createMetricsActivities(deps: ActivityDeps) {
  const { db, browser } = deps;
  return {
    /** Reads the post's counters with the account's session (same per-account lock as publishing). */
    async readPublicationMetrics(publicationId: string): Promise<MetricsReadResult> {
      const ctx = await publicationContext(db, publicationId);
      if (!ctx?.publication.postUrl || !ctx.publication.externalId) {
        throw ApplicationFailure.nonRetryable(`publication ${publicationId} has no post yet`, 'NotFound');
      }
      const post = { url: ctx.publication.postUrl, externalId: ctx.publication.externalId };
      return readMetricsWith(deps, ctx, `scraper:${ctx.platform.technicalConfig.driver}`, () =>
        browser.withAccount(ctx.account.id, (job) => driverFor(job.platform.technicalConfig.driver).readMetrics(driverContext(deps, job), post)));
    },
  };
}
export type MetricsActivities = ReturnType<typeof createMetricsActivities>;
