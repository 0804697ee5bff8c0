/** The error drivers throw; its type (core/publish-errors.ts) decides whether Temporal retries. */
import { nonRetryablePublishErrors, type PublishErrorType } from '../../core/publish-errors.js';
import { scrubSecrets } from '../../core/redact.js';

export type { PublishErrorType };

export class PublishError extends Error {
  constructor(
    readonly type: PublishErrorType,
    message: string,
    readonly evidencePath?: string,
    /** The platform asked us to wait this long (HTTP 429 Retry-After). */
    readonly retryAfterMs?: number,
  ) {
    // Scrubbed here, where every driver error is made: URL tokens and credentials never reach last_error, the
    // dashboard, Telegram or Temporal's history (core/redact.ts).
    super(scrubSecrets(message));
    this.name = type;
  }

  get retryable(): boolean {
    return !nonRetryablePublishErrors.includes(this.type);
  }
}

export const sessionExpired = (message: string) => new PublishError('SessionExpired', message);

/**
 * The same failure, typed, with its evidence attached. Anything untyped (a Playwright timeout, a
 * closed page) is an ordinary retryable failure.
 */
export function withEvidence(error: unknown, evidencePath: string | undefined): PublishError {
  if (error instanceof PublishError) return new PublishError(error.type, error.message, evidencePath ?? error.evidencePath, error.retryAfterMs);
  const message = error instanceof Error ? error.message : String(error);
  return new PublishError('Retryable', message, evidencePath);
}
