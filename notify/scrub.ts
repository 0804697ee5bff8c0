/**
 * Error texts of the channels lose their secrets before they are logged or recorded in a `channel_down` alert
 * (which the other channels, Telegram and the dashboard show): whatever looks like a URL is cut to its scheme and
 * host (no credentials, path or query), then the channel's own secrets go verbatim (the webhook URL's path
 * segments and query values, the SMTP password), wherever they still appear.
 */
const urlPattern = /\b([a-z][a-z0-9+.-]*:\/\/)(?:[^\s/?#@"'<>]*@)?([^\s/?#"'<>]+)[^\s"'<>]*/gi;

export function scrubSecrets(text: string, secrets: readonly string[], max = 300): string {
  let out = text.replace(urlPattern, (_, scheme: string, host: string) => `${scheme}${host}`);
  for (const secret of [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join('[redacted]');
  }
  out = out.replace(/\s+/g, ' ').trim();
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

/** The parts of a URL that may be its credentials: the whole URL, user and password, path, path segments, query values. */
export function urlSecrets(url: string): string[] {
  const parsed = new URL(url);
  const parts = [url, parsed.pathname.length > 1 ? parsed.pathname : '', parsed.search, parsed.username, parsed.password,
    safeDecode(parsed.password), ...parsed.pathname.split('/'), ...[...parsed.searchParams.values()]];
  return parts.filter((part) => part.length >= 4);
}

function safeDecode(text: string) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** What an error says, with the code of its cause (fetch and sockets put the useful part there). */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  const causeText = cause instanceof Error ? ((cause as Error & { code?: string }).code ?? cause.message) : undefined;
  return causeText && !error.message.includes(causeText) ? `${error.message}: ${causeText}` : error.message;
}
