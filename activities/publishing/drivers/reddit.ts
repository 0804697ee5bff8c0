// PLACEHOLDER: replaced by the reddit driver (helper work in progress).
import type { ApiPlatformDriver } from './api-types.js';

const missing = async (): Promise<never> => { throw new Error('the reddit driver is not written yet'); };
export const redditDriver: ApiPlatformDriver = {
  kind: 'api',
  rateLimits: { perAccount: { points: 1, durationSeconds: 1 }, perApp: { points: 1, durationSeconds: 1 } },
  acceptCredentials: missing, checkSession: missing, publish: missing, readMetrics: missing,
};
