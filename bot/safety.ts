/**
 * The bot token is part of every Bot API URL, and node-fetch puts the URL into its error messages. Errors leave
 * the API client through `sanitizingTransformer` (token replaced, original error dropped), and bot code logs
 * errors only through `errorSummary`, never the raw object.
 */
import { GrammyError, HttpError, type Transformer } from 'grammy';

export function redact(text: string, token: string | undefined): string {
  if (!token) return text;
  const [id] = token.split(':');
  return text.split(token).join('<token>').split(`bot${id}:`).join('bot<token>:');
}

export interface ErrorSummary {
  name: string;
  message: string;
  method?: string;
  errorCode?: number;
}

export function errorSummary(error: unknown, token: string | undefined): ErrorSummary {
  if (error instanceof GrammyError) return { name: 'GrammyError', message: redact(error.description, token), method: error.method, errorCode: error.error_code };
  if (error instanceof Error) {
    const cause = (error as { error?: unknown }).error;
    const detail = cause instanceof Error ? ` (${cause.message})` : '';
    return { name: error.name, message: redact(`${error.message}${detail}`, token) };
  }
  return { name: 'Error', message: redact(String(error), token) };
}

/** Installed last, so it is the outermost transformer: whatever reaches the caller is already clean. */
export function sanitizingTransformer(token: string): Transformer {
  return async (prev, method, payload, signal) => {
    try {
      return await prev(method, payload, signal);
    } catch (error) {
      if (error instanceof HttpError) {
        const cause = error.error instanceof Error ? new Error(redact(error.error.message, token)) : undefined;
        throw new HttpError(redact(error.message, token), cause);
      }
      if (error instanceof Error && !(error instanceof GrammyError)) {
        const clean = new Error(redact(error.message, token));
        clean.name = error.name;
        throw clean;
      }
      throw error;
    }
  };
}
