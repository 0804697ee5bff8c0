import { ApplicationFailure, Context } from '@temporalio/activity';
import { join } from 'node:path';
import { incrementPublicationAttempts, publicationContext, updatePublication } from '../../db/publications.js';
import { decryptJson, secretBindings } from '../../crypto/secrets.js';
import { AccountLockTimeout } from '../../db/accounts.js';
import { publishMetrics } from '../../observability/metrics.js';
import type { ActivityDeps } from '../deps.js';
import type { BrowserJob } from './browser.js';
import { driverFor } from './drivers/index.js';
import type { DriverContext, PostRef, PublishStepName, SessionState } from './drivers/types.js';
import { PublishError } from './errors.js';
import { traceAttempt } from './evidence.js';
import { scrubSecrets } from '../../core/redact.js';

/** Turns any thrown error into a Temporal failure whose type says whether retrying helps. */
export function toFailure(error: unknown): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof PublishError) {
    return ApplicationFailure.create({
      message: error.message,
      type: error.type,
      nonRetryable: !error.retryable,
      // retryAfterMs also in the details: a non-retryable failure's nextRetryDelay is never read, but a quota hold needs it.
      details: [{ evidencePath: error.evidencePath ?? null, ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}) }],
      // A platform that says when to come back (429 Retry-After) is obeyed rather than hammered.
      ...(error.retryAfterMs !== undefined ? { nextRetryDelay: Math.max(1000, error.retryAfterMs) } : {}),
    });
  }
  if (error instanceof AccountLockTimeout) return ApplicationFailure.create({ message: scrubSecrets(error.message), type: 'Retryable' });
  // An untyped error (a fetch or Playwright failure) may quote a URL with its tokens: scrubbed before Temporal keeps it.
  const message = scrubSecrets(error instanceof Error ? error.message : String(error));
  return ApplicationFailure.create({ message, type: 'Retryable' });
}

/** Builds the driver's view of a browser job: its page, the platform URL, a logger and the wait deadline. */
export function driverContext(
  deps: Pick<ActivityDeps, 'log' | 'config'>,
  job: BrowserJob,
  step: (step: PublishStepName) => Promise<void> = async () => undefined,
): DriverContext {
  return {
    context: job.context,
    page: job.page,
    baseUrl: job.platform.technicalConfig.baseUrl,
    log: deps.log.child({ accountId: job.account.id, platform: job.platform.name }),
    timeoutMs: deps.config.browser.waitTimeoutMs,
    step,
  };
}

export function createPublishingActivities(deps: ActivityDeps) {
  const { db, config, log, browser } = deps;

  async function loadContext(publicationId: string) {
    const ctx = await publicationContext(db, publicationId);
    if (!ctx) throw ApplicationFailure.nonRetryable(`publication ${publicationId} not found`, 'NotFound');
    return ctx;
  }

  return {
    /**
     * Publishes one post through the account's saved session. Before any retry it looks for a post
     * already carrying the idempotency marker, so an unknown outcome is never blindly re-posted.
     */
    async publishPublication(publicationId: string): Promise<PostRef> {
      const { publication, platform, content } = await loadContext(publicationId);
      if (publication.status === 'published' && publication.postUrl && publication.externalId) {
        return { url: publication.postUrl, externalId: publication.externalId };
      }
      const attempt = await incrementPublicationAttempts(db, publicationId);
      const driver = driverFor(platform.technicalConfig.driver);
      // The final click may already have happened in an earlier attempt (or a run killed mid-way).
      const clickedBefore = publication.publishStep === 'submitting' || publication.publishStep === 'unconfirmed';
      const mayExist = Context.current().info.attempt > 1 || clickedBefore || (publication.attempts ?? 0) > 0;
      const evidenceDir = join(config.evidenceDir, publicationId, String(attempt));
      const metricLabels = { platform: platform.name, driver: 'browser' as const };
      publishMetrics.attempt(metricLabels);
      // Timed from inside the slot and the account lock (waiting for them is not the platform's time).
      let stopTimer: ((outcome: 'success' | 'failure') => void) | undefined;
      try {
        return await browser.withAccount(publication.accountId, async (job) => {
          stopTimer = publishMetrics.timer(metricLabels);
          const dctx = driverContext(deps, job, (step) => updatePublication(db, publicationId, { publishStep: step }));
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
          return driver.publish(dctx, {
            videoPath: publication.mediaPath ?? content.filePath,
            caption: publication.captionUsed ?? '',
            tags: publication.tagsUsed ?? [],
            marker: publication.idempotencyMarker,
          });
        }, { evidenceDir, trace: traceAttempt(config.evidenceTrace, attempt) });
      } catch (error) {
        stopTimer?.('failure');
        const failure = toFailure(error);
        publishMetrics.failure(metricLabels, failure.type ?? 'Retryable');
        const evidencePath = error instanceof PublishError ? error.evidencePath : undefined;
        await updatePublication(db, publicationId, { lastError: `${failure.type}: ${failure.message}`, ...(evidencePath ? { evidencePath } : {}) });
        throw failure;
      } finally {
        stopTimer?.('success'); // a no-op after a failure: the timer stops once
      }
    },

    /** Asks the platform whether the account's saved session is still logged in. */
    async checkAccountSession(accountId: string): Promise<SessionState> {
      try {
        return await browser.withAccount(accountId, async (job) => driverFor(job.platform.technicalConfig.driver).checkSession(driverContext(deps, job)), {
          evidenceDir: join(config.evidenceDir, 'sessions', accountId, String(Date.now())),
        });
      } catch (error) {
        // No readable session at all is simply logged out; anything else is an ordinary (retryable) failure.
        if (error instanceof PublishError && error.type === 'SessionExpired') return 'logged_out';
        throw toFailure(error);
      }
    },

    /**
     * Logs the account in with credentials (encrypted by the service with the app key, so they never
     * sit in Temporal's history in clear) and stores the new session when the login proves valid.
     */
    async loginAccount(accountId: string, encryptedCredentials: string): Promise<SessionState> {
      const credentials = decryptJson<{ username: string; password: string }>(config.keyring, secretBindings.loginCredentials(accountId), encryptedCredentials);
      try {
        return await browser.withAccount(accountId, async (job) => {
          const driver = driverFor(job.platform.technicalConfig.driver);
          if (!driver.login) throw new PublishError('RejectedByPlatform', `the ${job.platform.name} driver cannot log in with a password; import a session file instead`);
          const state = await driver.login(driverContext(deps, job), credentials);
          if (state === 'logged_in') await browser.storeSession(accountId, await job.context.storageState());
          return state;
        }, { storageState: { cookies: [], origins: [] } });
      } catch (error) {
        throw toFailure(error);
      }
    },
  };
}
export type PublishingActivities = ReturnType<typeof createPublishingActivities>;
