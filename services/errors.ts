/**
 * Errors services raise for the API, the bot and the dashboard alike. `kind` says what went wrong in
 * words every caller maps its own way (HTTP status, a bot reply); `code` is stable for clients.
 */
import { scrubSecrets } from '../core/redact.js';

export type ServiceErrorKind = 'invalid' | 'not_found' | 'conflict' | 'unavailable';

/** What a caller may need besides the code, structured so no caller parses `message` (which is English, for logs). */
export interface ServiceErrorDetails {
  /** `ambiguous_model`: the names that matched. */
  candidates?: string[];
  /** Field-level problems of an input: field name (dotted for nested, e.g. `distribution.slots`) → what is wrong. */
  fields?: Record<string, string>;
}

export class ServiceError extends Error {
  constructor(
    readonly kind: ServiceErrorKind,
    readonly code: string,
    message: string,
    readonly details?: ServiceErrorDetails,
  ) {
    // A message may quote a platform's answer or a URL: its tokens never reach a reply, a bot message or a log.
    super(scrubSecrets(message));
  }
}

/** Runs a Temporal call; a server that cannot be reached becomes an `unavailable` error that loses nothing. */
export async function viaTemporal<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isConnectionError(error)) throw new ServiceError('unavailable', 'temporal_unavailable', `Temporal is not reachable, ${what} was not done; try again shortly`);
    throw error;
  }
}

function isConnectionError(error: unknown): boolean {
  const e = error as { code?: number; name?: string; message?: string; cause?: unknown };
  // gRPC UNAVAILABLE (14) / DEADLINE_EXCEEDED (4), or the client's own connection error.
  const grpcDown = e?.code === 14 || e?.code === 4;
  const clientDown = e?.name === 'TransportError' || (e?.name === 'ServiceError' && /UNAVAILABLE|connect/i.test(e.message ?? ''));
  if (grpcDown || clientDown) return true;
  return e?.cause !== undefined && e.cause !== error && isConnectionError(e.cause);
}
