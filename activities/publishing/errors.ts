/**
 * Typed publishing errors (DESIGN "Errors are typed"). Retryable ones burn Temporal retries;
 * the others stop at once because retrying cannot help (and could get an account banned).
 */
export type PublishErrorType =
  | 'Retryable'
  | 'SessionExpired'
  | 'Challenge'
  | 'ActionBlocked'
  | 'DailyLimit'
  | 'RejectedByPlatform'
  | 'InvalidMedia'
  | 'SelectorMissing';

export const nonRetryablePublishErrors: PublishErrorType[] = [
  'SessionExpired', 'Challenge', 'ActionBlocked', 'DailyLimit', 'RejectedByPlatform', 'InvalidMedia',
];

export class PublishError extends Error {
  constructor(
    readonly type: PublishErrorType,
    message: string,
    readonly evidencePath?: string,
  ) {
    super(message);
    this.name = type;
  }

  get retryable(): boolean {
    return !nonRetryablePublishErrors.includes(this.type);
  }
}

export const sessionExpired = (message: string) => new PublishError('SessionExpired', message);
