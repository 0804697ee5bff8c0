/**
 * What an API driver runs with (drivers/api-types.ts): the account's credentials from its encrypted
 * `auth_data` (refreshed under the account's row lock and saved before use), a fetch with a deadline that
 * waits for the per-account and per-app rate limits, and the publish step recorder.
 *
 * Rate limits are counted in PostgreSQL (rate-limiter-flexible's RateLimiterDrizzle on `api_rate_limits`), so
 * every worker process shares them: an app-wide limit such as Reddit's 100 requests/min per OAuth client holds
 * however many `api` workers run.
 */
import { RateLimiterDrizzle, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from 'pino';
import { decryptJson, encryptJson, secretBindings, UndecryptableSecret, type Keyring } from '../../crypto/secrets.js';
import { readAuthData, withLockedAuthData } from '../../db/accounts.js';
import type { Db } from '../../db/client.js';
import { markQuotaExhausted, releaseQuotaUnits, reserveQuotaUnits } from '../../db/api-quota.js';
import { apiRateLimits } from '../../db/schema.js';
import type { AccountPublishSettings } from '../../core/types.js';
import type {
  ApiApps, ApiCredentials, ApiDriverContext, ApiPlatformDriver, ApiPublishStep, DriverProgress, ApiSetupContext, RateLimit, RateLimits,
} from './drivers/api-types.js';
import { PublishError, sessionExpired } from './errors.js';

/** Credentials that expire within this long are refreshed before use. */
const refreshAheadMs = 60_000;

export class ApiRateLimits {
  private readonly limiters = new Map<string, RateLimiterDrizzle>();
  constructor(private readonly db: Db) {}

  private limiter(limit: RateLimit): RateLimiterDrizzle {
    const key = `${limit.points}/${limit.durationSeconds}`;
    let limiter = this.limiters.get(key);
    if (!limiter) {
      limiter = new RateLimiterDrizzle({
        storeClient: this.db, schema: apiRateLimits, points: limit.points, duration: limit.durationSeconds,
        keyPrefix: 'api', clearExpiredByTimeout: false,
      });
      this.limiters.set(key, limiter);
    }
    return limiter;
  }

  /**
   * Takes one request from the account's and the app's budget, waiting for the next slot when it comes within
   * `maxWaitMs`; a longer wait throws a retryable error that names when to come back.
   */
  async acquire(platform: string, accountId: string | null, limits: RateLimits, maxWaitMs: number, url?: URL): Promise<void> {
    const endpoint = url ? limits.perEndpoint?.(url) : undefined;
    const accountBudget: [string, RateLimit] = endpoint
      ? [`${platform}:account:${accountId}:${endpoint.endpoint}`, endpoint.perAccount]
      : [`${platform}:account:${accountId}`, limits.perAccount];
    const budgets: [string, RateLimit][] = [...(accountId ? [accountBudget] : []), [`${platform}:app`, limits.perApp]];
    for (const [key, limit] of budgets) {
      const deadline = Date.now() + maxWaitMs;
      for (;;) {
        try {
          await this.limiter(limit).consume(key);
          break;
        } catch (error) {
          if (!(error instanceof RateLimiterRes)) throw error;
          const waitMs = Math.max(error.msBeforeNext, 50);
          if (Date.now() + waitMs > deadline) {
            throw new PublishError('Retryable', `our ${platform} rate limit (${limit.points} requests per ${limit.durationSeconds} s, ${key.endsWith(':app') ? 'app' : 'account'}) is used up; next slot in ${Math.ceil(waitMs / 1000)} s`, undefined, waitMs);
          }
          await new Promise((resolve) => setTimeout(resolve, waitMs));
        }
      }
    }
  }
}

/** fetch with a deadline; a timeout or a network failure is a retryable PublishError. */
export function deadlineFetch(defaultTimeoutMs: number, before?: (url: URL) => Promise<void>) {
  return async (input: string | URL, init: RequestInit = {}, opts: { timeoutMs?: number } = {}): Promise<Response> => {
    await before?.(new URL(String(input)));
    const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs;
    const signal = init.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
    try {
      return await fetch(input, { ...init, signal });
    } catch (error) {
      const host = new URL(String(input)).host;
      const reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${Math.round(timeoutMs / 1000)} s` : (error as Error).message;
      throw new PublishError('Retryable', `${host}: ${reason}`);
    }
  };
}

export interface ApiContextOptions {
  db: Db;
  keyring: Keyring;
  limits: ApiRateLimits;
  platform: string;
  account: { id: string; username: string; publishSettings: AccountPublishSettings | null };
  apps: ApiApps;
  log: Logger;
  timeoutMs: number;
  step?: (step: ApiPublishStep) => Promise<void>;
  /** The publication's resume state (publish only): read and saved encrypted by the caller. */
  progress?: { read(): Promise<DriverProgress | null>; save(progress: DriverProgress): Promise<void> };
}

/** What a driver may keep per publication (api-types.ts DriverProgress). */
const maxProgressBytes = 8192;

export function apiSetupContext(driver: ApiPlatformDriver, opts: Omit<ApiContextOptions, 'db' | 'keyring' | 'step'>): ApiSetupContext {
  const { account, apps, log, timeoutMs, limits, platform } = opts;
  return {
    account: { id: account.id, username: account.username, settings: account.publishSettings ?? {} },
    apps,
    log,
    timeoutMs,
    fetch: deadlineFetch(timeoutMs, (url) => limits.acquire(platform, account.id, driver.rateLimits, timeoutMs, url)),
  };
}

export function apiDriverContext<C extends ApiCredentials>(driver: ApiPlatformDriver<C>, opts: ApiContextOptions): ApiDriverContext<C> {
  const { db, keyring, account } = opts;
  const binding = secretBindings.accountAuthData(account.id);
  const setup = apiSetupContext(driver as ApiPlatformDriver, opts);
  // Token endpoints run inside the account's row lock: no rate-limit bookkeeping (a database write) in there.
  const refreshContext: ApiSetupContext = { ...setup, fetch: deadlineFetch(opts.timeoutMs) };
  const decode = (authData: string | null): C => {
    if (!authData) throw sessionExpired(`@${account.username} has no stored credentials: connect the account`);
    try {
      return decryptJson<C>(keyring, binding, authData);
    } catch (error) {
      // Unreadable tokens (a key no longer configured, an altered value) fail this account only, as a session to reconnect.
      if (error instanceof UndecryptableSecret) throw sessionExpired(`the stored credentials of @${account.username} cannot be decrypted (${error.reason}): connect the account again`);
      throw error;
    }
  };
  const expiresSoon = (c: C) => c.expiresAt !== undefined && Date.parse(c.expiresAt) - Date.now() < refreshAheadMs;

  /** Refreshes under the row lock, unless another worker already did while we waited for it. */
  async function refresh(seen: C | null, force: boolean): Promise<C> {
    return withLockedAuthData(db, account.id, async (authData) => {
      const current = decode(authData);
      const changedMeanwhile = seen !== null && (current.accessToken !== seen.accessToken || current.refreshToken !== seen.refreshToken);
      if (changedMeanwhile && !expiresSoon(current)) return { result: current };
      if (!force && !expiresSoon(current)) return { result: current };
      if (!driver.refresh || !current.refreshToken) {
        throw sessionExpired(`the ${opts.platform} token of @${account.username} expired and cannot be refreshed: reconnect the account`);
      }
      const next = await driver.refresh(refreshContext, current);
      // Saved in this transaction, before anything uses the new token: a rotated refresh token is never only in memory.
      return { next: encryptJson(keyring, binding, next), result: next };
    });
  }

  let cached: C | null = null;
  return {
    ...setup,
    async credentials() {
      cached ??= decode(await readAuthData(db, account.id));
      if (expiresSoon(cached)) cached = await refresh(cached, false);
      return cached;
    },
    async refreshCredentials() {
      cached = await refresh(cached ?? decode(await readAuthData(db, account.id)), true);
      return cached;
    },
    async saveCredentials(credentials) {
      await withLockedAuthData(db, account.id, async () => ({ next: encryptJson(keyring, binding, credentials), result: undefined }));
      cached = credentials;
    },
    step: opts.step ?? (async () => undefined),
    async progress<P extends DriverProgress>() {
      return ((await opts.progress?.read()) as P | null | undefined) ?? null;
    },
    async saveProgress(progress) {
      if (!opts.progress) throw new Error('saveProgress outside a publish attempt');
      if (Buffer.byteLength(JSON.stringify(progress)) > maxProgressBytes) throw new Error(`driver progress over ${maxProgressBytes} bytes`);
      await opts.progress.save(progress);
    },
    quota: {
      reserve: (day, units, limit) => reserveQuotaUnits(db, opts.platform, day, units, limit),
      release: (day, units) => releaseQuotaUnits(db, opts.platform, day, units),
      markExhausted: (day) => markQuotaExhausted(db, opts.platform, day),
    },
  };
}
