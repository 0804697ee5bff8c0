import { ApplicationFailure, Context } from '@temporalio/activity';
import { join } from 'node:path';
import { incrementPublicationAttempts, publicationContext, updatePublication } from '../../db/queries.js';
import type { ActivityDeps } from '../deps.js';
import { captureEvidence, type BrowserJob } from './browser.js';
import { driverFor } from './drivers/index.js';
import type { DriverContext, PostRef } from './drivers/types.js';
import { PublishError } from './errors.js';

const waitTimeoutMs = 30_000;

/** Turns any thrown error into a Temporal failure whose type says whether retrying helps. */
export function toFailure(error: unknown): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof PublishError) {
    return ApplicationFailure.create({ message: error.message, type: error.type, nonRetryable: !error.retryable, details: [{ evidencePath: error.evidencePath }] });
  }
  const message = error instanceof Error ? error.message : String(error);
  return ApplicationFailure.create({ message, type: 'Retryable' });
}

export function createPublishingActivities({ db, config, log, browser }: ActivityDeps) {
  async function loadContext(publicationId: string) {
    const ctx = await publicationContext(db, publicationId);
    if (!ctx) throw ApplicationFailure.nonRetryable(`publication ${publicationId} not found`, 'NotFound');
    return ctx;
  }

  function driverContext(job: BrowserJob, baseUrl: string, publicationId: string): DriverContext {
    return {
      ...job,
      baseUrl,
      log: log.child({ publicationId }),
      timeoutMs: waitTimeoutMs,
      step: (step) => updatePublication(db, publicationId, { publishStep: step }),
    };
  }

  return {
    /**
     * Publishes one post through the account's saved session. Before any retry it looks for a post
     * already carrying the idempotency marker, so an unknown outcome is never blindly re-posted.
     */
    async publishPublication(publicationId: string): Promise<PostRef> {
      const ctx = await loadContext(publicationId);
      const { publication, account, platform, content } = ctx;
      if (publication.status === 'published' && publication.postUrl && publication.externalId) {
        return { url: publication.postUrl, externalId: publication.externalId };
      }
      const attempt = await incrementPublicationAttempts(db, publicationId);
      const driver = driverFor(platform.technicalConfig.driver);
      // The final click may already have happened in an earlier attempt (or a run killed mid-way).
      const clickedBefore = publication.publishStep === 'submitting' || publication.publishStep === 'unconfirmed';
      const mayExist = Context.current().info.attempt > 1 || clickedBefore || (publication.attempts ?? 0) > 0;
      try {
        return await browser.withAccount(account, async (job) => {
          const dctx = driverContext(job, platform.technicalConfig.baseUrl, publicationId);
          try {
            if (mayExist) {
              const existing = await driver.findByMarker(dctx, publication.idempotencyMarker).catch((error: Error) => {
                // Without a look-up we cannot know whether the earlier click posted: never re-post blindly.
                if (clickedBefore) throw new PublishError('Unconfirmed', `could not look for an earlier post: ${error.message}`);
                throw error;
              });
              if (existing) {
                log.info({ publicationId, url: existing.url }, 'found the post of an earlier attempt by its marker');
                return existing;
              }
            }
            await updatePublication(db, publicationId, { publishStep: 'prepared' });
            return await driver.publish(dctx, {
              videoPath: publication.mediaPath ?? content.filePath,
              caption: publication.captionUsed ?? '',
              tags: publication.tagsUsed ?? [],
              marker: publication.idempotencyMarker,
            });
          } catch (error) {
            const dir = join(config.evidenceDir, publicationId, String(attempt));
            const evidencePath = await captureEvidence(job.page, dir, error as Error).catch(() => undefined);
            if (evidencePath) await updatePublication(db, publicationId, { evidencePath });
            throw error;
          }
        });
      } catch (error) {
        const failure = toFailure(error);
        await updatePublication(db, publicationId, { lastError: `${failure.type}: ${failure.message}` });
        throw failure;
      }
    },
  };
}
export type PublishingActivities = ReturnType<typeof createPublishingActivities>;
