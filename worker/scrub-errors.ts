/**
 * Whatever an activity throws leaves the worker scrubbed of secrets (core/redact.ts: URL tokens, credentials, bot
 * tokens), message and stack, causes included. The publishing errors are scrubbed where they are made; this catches
 * the rest (ingest, metrics, a library's own error quoting a signed URL) before the failure reaches Temporal's
 * history, the database's `lastError`, the dashboard and Telegram.
 */
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { scrubSecrets } from '../core/redact.js';

/** Scrubs `error` in place (its class, type and details stay, so retry policies still see the same failure). */
export function scrubError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error) || depth > 5) return error;
  const message = scrubSecrets(error.message);
  if (message !== error.message) error.message = message;
  if (error.stack) error.stack = scrubSecrets(error.stack);
  scrubError(error.cause, depth + 1);
  return error;
}

export const scrubActivityErrors: ActivityInterceptorsFactory = () => ({
  inbound: {
    async execute(input, next) {
      try {
        return await next(input);
      } catch (error) {
        throw scrubError(error);
      }
    },
  },
});
