// PLACEHOLDER: replaced by the telegram driver (helper work in progress).
import type { ApiPlatformDriver } from './api-types.js';

const missing = async (): Promise<never> => { throw new Error('the telegram driver is not written yet'); };
export const telegramChannelDriver: ApiPlatformDriver = {
  kind: 'api',
  rateLimits: { perAccount: { points: 1, durationSeconds: 1 }, perApp: { points: 1, durationSeconds: 1 } },
  acceptCredentials: missing, checkSession: missing, publish: missing, readMetrics: missing,
};
