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
  | 'RejectedByPlatform'
  | 'InvalidMedia'
  | 'SelectorMissing'
  /** A post may exist but the look-up for it could not run: never re-posted without a person. */
  | 'Unconfirmed';

export const nonRetryablePublishErrors: PublishErrorType[] = [
  'SessionExpired', 'Challenge', 'ActionBlocked', 'DailyLimit', 'RejectedByPlatform', 'InvalidMedia', 'Unconfirmed',
];

/** Errors that say the account (not the post) is in trouble, and the status the account moves to. */
export const accountErrorStatus: Partial<Record<string, AccountStatus>> = {
  SessionExpired: 'session_expired',
  Challenge: 'session_expired',
  ActionBlocked: 'paused',
  DailyLimit: 'paused',
};
