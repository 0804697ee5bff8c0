/**
 * Shared reading of official-API answers: when a rate limit says to come back, and the default mapping of an
 * HTTP status to a typed PublishError. Each driver maps its API's own error bodies first and falls back here.
 */
import { PublishError, type PublishErrorType } from '../errors.js';

/** The deadline of one request that carries a whole video (the ordinary one, BROWSER_WAIT_TIMEOUT_MS, is for small calls). */
export const mediaUploadTimeoutMs = 10 * 60_000;

/** `Retry-After` in seconds or as an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterHeaderMs(headers: Headers, now = Date.now()): number | undefined {
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A reset header holding a Unix time in seconds (X's `x-rate-limit-reset`, Bluesky's `ratelimit-reset`). */
export function resetAtEpochHeaderMs(headers: Headers, name: string, now = Date.now()): number | undefined {
  const value = Number(headers.get(name));
  return headers.get(name) !== null && Number.isFinite(value) && value > 0 ? Math.max(0, value * 1000 - now) : undefined;
}

/** A reset header holding seconds until the reset (Reddit's `x-ratelimit-reset`). */
export function resetInSecondsHeaderMs(headers: Headers, name: string): number | undefined {
  const value = Number(headers.get(name));
  return headers.get(name) !== null && Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
}

/**
 * The default meaning of a failed answer: 401 → SessionExpired (reconnect), 429 → Retryable after
 * `retryAfterMs`, 5xx → Retryable, other 4xx → RejectedByPlatform with the API's reason.
 */
export function httpFailure(platform: string, where: string, status: number, reason: string, retryAfterMs?: number): PublishError {
  const type: PublishErrorType = status === 401 ? 'SessionExpired'
    : status === 429 || status >= 500 || status === 408 ? 'Retryable'
    : 'RejectedByPlatform';
  const wait = status === 429 && retryAfterMs !== undefined ? `; retry in ${Math.ceil(retryAfterMs / 1000)} s` : '';
  const advice = type === 'SessionExpired' ? '; reconnect the account' : '';
  return new PublishError(type, `${platform} ${where}: HTTP ${status} ${reason}${wait}${advice}`.trim(), undefined, status === 429 ? retryAfterMs : undefined);
}
