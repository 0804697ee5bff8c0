/**
 * The `api` task queue: publishing, metrics, session checks and connecting accounts through official APIs
 * (drivers/api-types.ts), with no browser. The exactly-once rules are the browser's: before any retry the driver
 * looks for the earlier post (marker search or deterministic record key); a driver that cannot look (Telegram)
 * turns an unknown outcome after the submit into `unconfirmed`, never a second post.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { decryptJson, encryptJson, secretBindings } from '../../crypto/secrets.js';
import { mediaUrlKeyFrom } from '../../crypto/media-url.js';
import type { InstagramApps } from './drivers/instagram.js';
import { accountContext, storeAccountSession } from '../../db/accounts.js';
import { recordEvent } from '../../db/events.js';
import { incrementPublicationAttempts, publicationContext, updatePublication } from '../../db/publications.js';
import { effectiveRules } from '../../core/rules.js';
import { isPosted } from '../../core/types.js';
import { publishMetrics } from '../../observability/metrics.js';
import type { ActivityDeps } from '../deps.js';
import { readMetricsWith } from '../metrics/index.js';
import { ApiRateLimits, apiDriverContext, apiSetupContext, type ApiContextOptions } from './api-context.js';
import { CredentialsRejected, type ApiPost, type DriverProgress, type OAuthExchange } from './drivers/api-types.js';
import { apiDriverFor } from './drivers/index.js';
import type { PostRef, SessionState } from './drivers/types.js';
import { PublishError } from './errors.js';
import { toFailure } from './index.js';

/** What POST /api/accounts/:id/credentials or the OAuth callback hands the worker, encrypted with the app key. */
export type ConnectRequest = { way: 'credentials'; body: Record<string, unknown> } | ({ way: 'oauth' } & OAuthExchange);

/** `mediaUrlKey` signs the expiring URLs Instagram fetches a video from when it cannot take the bytes (crypto/media-url.ts). */
export function apiApps(config: ActivityDeps['config']): InstagramApps {
  return { apis: config.platformApis, telegram: config.telegram, publicUrl: config.http.publicUrl, mediaUrlKey: mediaUrlKeyFrom(config.keyring.current.key) };
}

export function createApiActivities(deps: ActivityDeps) {
  const { db, config, log } = deps;
  const limits = new ApiRateLimits(db);
  const apps = apiApps(config);
  const timeoutMs = config.browser.waitTimeoutMs;

  function contextOptions(platform: { name: string }, account: ApiContextOptions['account']): ApiContextOptions {
    return {
      db, keyring: config.keyring, limits, platform: platform.name, account, apps, timeoutMs,
      log: log.child({ accountId: account.id, platform: platform.name }),
    };
  }

  async function loadPublication(publicationId: string) {
    const ctx = await publicationContext(db, publicationId);
    if (!ctx) throw ApplicationFailure.nonRetryable(`publication ${publicationId} not found`, 'NotFound');
    return ctx;
  }

  async function loadAccount(accountId: string) {
    const ctx = await accountContext(db, accountId);
    if (!ctx) throw ApplicationFailure.nonRetryable(`account ${accountId} not found`, 'NotFound');
    return ctx;
  }

  return {
    async publishPublication(publicationId: string): Promise<PostRef> {
      const { publication, platform, content, account, model } = await loadPublication(publicationId);
      if (isPosted(publication.status) && publication.postUrl && publication.externalId) {
        return { url: publication.postUrl, externalId: publication.externalId, ...(publication.status === 'published_as_draft' ? { draft: true as const } : {}) };
      }
      await incrementPublicationAttempts(db, publicationId);
      const metricLabels = { platform: platform.name, driver: 'api' as const };
      publishMetrics.attempt(metricLabels);
      const driver = apiDriverFor(platform.technicalConfig.driver);
      const clickedBefore = publication.publishStep === 'submitting' || publication.publishStep === 'unconfirmed';
      const mayExist = Context.current().info.attempt > 1 || clickedBefore || (publication.attempts ?? 0) > 0;
      const dctx = apiDriverContext(driver, {
        ...contextOptions(platform, account),
        step: (step) => updatePublication(db, publicationId, { publishStep: step }),
        // Upload sessions and container ids can be capabilities: kept encrypted like the account's tokens.
        progress: {
          read: async () => (publication.driverProgress ? decryptJson<DriverProgress>(config.keyring, secretBindings.publicationDriverProgress(publicationId), publication.driverProgress) : null),
          save: async (progress) => {
            const sealed = encryptJson(config.keyring, secretBindings.publicationDriverProgress(publicationId), progress);
            await updatePublication(db, publicationId, { driverProgress: sealed });
            publication.driverProgress = sealed;
          },
        },
      });
      const post: ApiPost = {
        publicationId,
        videoPath: publication.mediaPath ?? content.filePath,
        caption: publication.captionUsed ?? '',
        tags: publication.tagsUsed ?? [],
        marker: publication.idempotencyMarker,
        trackingUrl: publication.trackingLink,
        sensitive: content.sensitive ?? model.sensitive,
        language: effectiveRules(model.distribution).language,
        media: { durationSeconds: content.durationSeconds ?? 0, width: content.width ?? 0, height: content.height ?? 0, sizeBytes: content.sizeBytes ?? 0 },
      };
      const stopTimer = publishMetrics.timer(metricLabels);
      try {
        if (mayExist) {
          if (driver.findByMarker) {
            const existing = await driver.findByMarker(dctx, post).catch((error: Error) => {
              // Without a look-up we cannot know whether the earlier submit posted: never re-post blindly.
              if (clickedBefore) throw new PublishError('Unconfirmed', `could not look for an earlier post: ${error.message}`);
              throw error;
            });
            if (existing) {
              log.info({ publicationId, url: existing.url }, 'found the post of an earlier attempt');
              return existing;
            }
          } else if (clickedBefore) {
            throw new PublishError('Unconfirmed', `${platform.name} cannot be searched for the post of an earlier attempt whose answer never came; check the channel, then retry or cancel`);
          }
        }
        await updatePublication(db, publicationId, { publishStep: 'prepared' });
        return await driver.publish(dctx, post);
      } catch (error) {
        stopTimer('failure');
        const failure = toFailure(error);
        publishMetrics.failure(metricLabels, failure.type ?? 'Retryable');
        await updatePublication(db, publicationId, { lastError: `${failure.type}: ${failure.message}` });
        throw failure;
      } finally {
        stopTimer('success'); // a no-op after a failure: the timer stops once
      }
    },

    /** The post's counters from the API; a counter the platform does not have is left out (never 0). */
    async readPublicationMetrics(publicationId: string) {
      const ctx = await loadPublication(publicationId);
      const { publication, platform, account } = ctx;
      if (!publication.postUrl || !publication.externalId) throw ApplicationFailure.nonRetryable(`publication ${publicationId} has no post yet`, 'NotFound');
      const driver = apiDriverFor(platform.technicalConfig.driver);
      const dctx = apiDriverContext(driver, contextOptions(platform, account));
      return readMetricsWith(deps, ctx, `api:${platform.technicalConfig.driver}`, () =>
        driver.readMetrics(dctx, { url: publication.postUrl!, externalId: publication.externalId! }));
    },

    /** Asks the API whether the account's tokens still work (refreshing them first when they expire). */
    async checkAccountSession(accountId: string): Promise<SessionState> {
      const { account, platform } = await loadAccount(accountId);
      const driver = apiDriverFor(platform.technicalConfig.driver);
      try {
        return await driver.checkSession(apiDriverContext(driver, contextOptions(platform, account)));
      } catch (error) {
        if (error instanceof PublishError && error.type === 'SessionExpired') return 'logged_out';
        throw toFailure(error);
      }
    },

    /**
     * Connects the account with what the admin gave (a credentials body, or an OAuth code to exchange), checked at
     * once against the API; stores the resulting tokens encrypted. A wrong answer fails with `CredentialsRejected`
     * naming the field; the request was encrypted by the service so it never sits in Temporal's history in clear.
     */
    async connectAccount(accountId: string, encryptedRequest: string, actor: string): Promise<{ username: string | null }> {
      const { account, platform } = await loadAccount(accountId);
      const driver = apiDriverFor(platform.technicalConfig.driver);
      const request = decryptJson<ConnectRequest>(config.keyring, secretBindings.connectRequest(accountId), encryptedRequest);
      const setup = apiSetupContext(driver, contextOptions(platform, account));
      try {
        let connected;
        if (request.way === 'oauth') {
          if (!driver.exchangeCode) throw new CredentialsRejected('platform', `${platform.name} does not connect through OAuth`);
          connected = await driver.exchangeCode(setup, request);
        } else {
          connected = await driver.acceptCredentials(setup, request.body);
        }
        await storeAccountSession(db, accountId, encryptJson(config.keyring, secretBindings.accountAuthData(accountId), connected.credentials));
        await recordEvent(db, 'session_linked', { format: request.way, username: account.username, platform: platform.name }, { accountId, modelId: account.modelId, actor });
        return { username: connected.username ?? null };
      } catch (error) {
        if (error instanceof CredentialsRejected) {
          throw ApplicationFailure.create({ message: error.message, type: 'CredentialsRejected', nonRetryable: true, details: [{ field: error.field }] });
        }
        const failure = toFailure(error);
        // The admin is waiting for an answer: a refusal by the platform is final, not something to retry.
        if (failure.type === 'SessionExpired' || failure.type === 'RejectedByPlatform') {
          throw ApplicationFailure.create({ message: failure.message, type: 'CredentialsRejected', nonRetryable: true, details: [{ field: request.way === 'oauth' ? 'code' : 'credentials' }] });
        }
        throw failure;
      }
    },
  };
}
export type ApiActivities = ReturnType<typeof createApiActivities>;
