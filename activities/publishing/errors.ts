/** The error drivers throw; its type (core/publish-errors.ts) decides whether Temporal retries. */
import { nonRetryablePublishErrors, type PublishErrorType } from '../../core/publish-errors.js';

export type { PublishErrorType };

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
