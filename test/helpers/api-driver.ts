/**
 * An ApiDriverContext for driver-level tests against a fake API: credentials held in memory (refreshed through
 * the driver's own `refresh`, like the worker does), the real deadline fetch, and every recorded publish step.
 * The end-to-end tests use the worker's real context (activities/publishing/api-context.ts) instead.
 */
import pino from 'pino';
import { loadConfig } from '../../config.js';
import { deadlineFetch } from '../../activities/publishing/api-context.js';
import type {
  ApiApps, ApiCredentials, ApiDriverContext, ApiPlatformDriver, ApiPublishStep, ApiSetupContext, DriverProgress,
} from '../../activities/publishing/drivers/api-types.js';
import { sessionExpired } from '../../activities/publishing/errors.js';
import type { AccountPublishSettings } from '../../core/types.js';

/** The apps as the worker would see them with `env` (e.g. `{ X_API_ROOT: fake.url, X_CLIENT_ID: 'id' }`). */
export function apiApps(env: Record<string, string>): ApiApps {
  const config = loadConfig({ DATA_DIR: '/tmp/unused', API_TOKEN: 'x'.repeat(16), ADMIN_PASSWORD: 'password-123', SESSION_SECRET: 's'.repeat(32), AUTH_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'), ...env });
  return { apis: config.platformApis, telegram: config.telegram, publicUrl: config.http.publicUrl };
}

export interface TestApiContext<C extends ApiCredentials> extends ApiDriverContext<C> {
  steps: ApiPublishStep[];
  /** Every resume state saved, in order (the last one is what `progress()` returns). */
  savedProgress: DriverProgress[];
  /** What is "stored" now (after refreshes and saves). */
  stored(): C | null;
  /** Quota units reserved per day (Infinity once the platform said the day is spent); shared when passed in `opts.quotaUsed`. */
  quotaUsed: Map<string, number>;
}

export function setupContext(apps: ApiApps, opts: { username?: string; settings?: AccountPublishSettings; timeoutMs?: number } = {}): ApiSetupContext {
  const timeoutMs = opts.timeoutMs ?? 5000;
  return {
    account: { id: '00000000-0000-4000-8000-000000000001', username: opts.username ?? 'tester', settings: opts.settings ?? {} },
    apps, log: pino({ level: 'silent' }), timeoutMs, fetch: deadlineFetch(timeoutMs),
  };
}

export function testApiContext<C extends ApiCredentials>(
  driver: ApiPlatformDriver<C>, apps: ApiApps, credentials: C | null,
  opts: { username?: string; settings?: AccountPublishSettings; timeoutMs?: number; quotaUsed?: Map<string, number> } = {},
): TestApiContext<C> {
  const setup = setupContext(apps, opts);
  let stored = credentials;
  const steps: ApiPublishStep[] = [];
  const savedProgress: DriverProgress[] = [];
  const quotaUsed = opts.quotaUsed ?? new Map<string, number>();
  const need = () => {
    if (!stored) throw sessionExpired('no stored credentials');
    return stored;
  };
  const refresh = async () => {
    const current = need();
    if (!driver.refresh || !current.refreshToken) throw sessionExpired('cannot refresh');
    stored = await driver.refresh(setup, current);
    return stored;
  };
  return {
    ...setup,
    steps,
    savedProgress,
    stored: () => stored,
    async credentials() {
      const current = need();
      if (current.expiresAt && Date.parse(current.expiresAt) - Date.now() < 60_000) return refresh();
      return current;
    },
    refreshCredentials: refresh,
    async saveCredentials(next) {
      stored = next;
    },
    async step(step) {
      steps.push(step);
    },
    async progress<P extends DriverProgress>() {
      return (savedProgress.at(-1) as P | undefined) ?? null;
    },
    async saveProgress(progress) {
      if (JSON.stringify(progress).length > 8192) throw new Error('driver progress over 8 KB');
      savedProgress.push({ ...progress });
    },
    quotaUsed,
    quota: {
      async reserve(day, units, limit) {
        const used = quotaUsed.get(day) ?? 0;
        if (used === Infinity || used + units > limit) return false;
        quotaUsed.set(day, used + units);
        return true;
      },
      async release(day, units) {
        quotaUsed.set(day, Math.max(0, (quotaUsed.get(day) ?? 0) - units));
      },
      async markExhausted(day) {
        quotaUsed.set(day, Infinity);
      },
    },
  };
}

/** The error a driver call ends with; fails the test when it succeeds instead. */
export async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure, got success');
}
