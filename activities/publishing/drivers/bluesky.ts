// PLACEHOLDER: replaced by the bluesky driver (helper work in progress).
import type { ApiPlatformDriver } from './api-types.js';

const missing = async (): Promise<never> => { throw new Error('the bluesky driver is not written yet'); };
export const blueskyDriver: ApiPlatformDriver = {
  kind: 'api',
  rateLimits: { perAccount: { points: 1, durationSeconds: 1 }, perApp: { points: 1, durationSeconds: 1 } },
  acceptCredentials: missing, checkSession: missing, publish: missing, readMetrics: missing,
};
