/**
 * Publishing error types (DESIGN "Errors are typed"). Pure, so workflows classify failures with the
 * same list the activities throw. Retryable ones burn Temporal retries; the others stop at once because
 * retrying cannot help (and could get an account banned).
 */
import type { AccountStatus } from './types.js';

export type PublishErrorType =
  | 'Retryable'
  | 'SessionExpired'
  | 'Challenge'
  | 'ActionBlocked'
  | 'DailyLimit'
  /**
   * A publishing quota at the platform is spent for now (a Google project's daily YouTube units, an Instagram account's
   * 50 posts per 24 h): the publication is held until it frees (the error's retryAfterMs), never failed, and the
   * account stays active.
   */
  | 'QuotaExhausted'
  | 'RejectedByPlatform'
  | 'InvalidMedia'
  /** The page no longer has an element the driver needs (a redesign); carries the evidence. */
  | 'SelectorMissing'
  /** The post's page says it does not exist (deleted, or a moderation blip: check twice). */
  | 'PostUnavailable'
  /** A post may exist but the look-up for it could not run: never re-posted without a person. */
  | 'Unconfirmed';

export const nonRetryablePublishErrors: PublishErrorType[] = [
  'SessionExpired', 'Challenge', 'ActionBlocked', 'DailyLimit', 'QuotaExhausted', 'RejectedByPlatform', 'InvalidMedia', 'Unconfirmed', 'PostUnavailable',
];

/** Errors that say the account (not the post) is in trouble, and the status the account moves to. */
export const accountErrorStatus: Partial<Record<string, AccountStatus>> = {
  SessionExpired: 'session_expired',
  Challenge: 'session_expired',
  ActionBlocked: 'paused',
  DailyLimit: 'paused',
};
