/**
 * Chaturbate's broadcaster APIs over HTTP, as documented (test/fakes/chaturbate-server.ts lists the pages): the Events
 * API long poll (`<root>/events/<username>/<token>/?timeout=N`, then each answer's `nextUrl`) and the Stats API
 * (`<root>?username=…&token=…`). The shared scrubber (core/redact.ts) knows both shapes; still, every message leaving
 * this file names no URL, and is scrubbed of the source's own secrets verbatim too (a token quoted outside a URL).
 */
import { ApplicationFailure } from '@temporalio/activity';
import { redacted, scrubSecrets } from '../../core/redact.js';
import type { ChaturbateEvent } from '../../db/stream-events.js';

/** The text with these secrets (raw and URL-encoded) and the usual ones (Events API path tokens included) redacted. */
export function scrubStreamSecrets(text: string, secrets: readonly (string | null)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join(redacted);
  }
  return scrubSecrets(out);
}

export function initialEventsUrl(root: string, username: string, token: string): string {
  return `${root.replace(/\/+$/, '')}/events/${encodeURIComponent(username)}/${encodeURIComponent(token)}/`;
}

/** The URL with its long-poll `timeout` set (the documented 0–90 s). */
export function withTimeout(url: string, seconds: number): string {
  const u = new URL(url);
  u.searchParams.set('timeout', String(Math.max(0, Math.min(90, Math.floor(seconds)))));
  return u.toString();
}

export type EventsAnswer =
  | { kind: 'events'; events: ChaturbateEvent[]; nextUrl: string; skipped: number }
  | { kind: 'unauthorized'; status: number };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A retryable failure of the site (network, 5xx, rate limit, an answer we cannot read): the activity is retried. */
function unavailable(message: string, nextRetryDelayMs?: number): ApplicationFailure {
  return ApplicationFailure.create({
    message, type: nextRetryDelayMs === undefined ? 'ChaturbateUnavailable' : 'ChaturbateRateLimited',
    ...(nextRetryDelayMs === undefined ? {} : { nextRetryDelay: nextRetryDelayMs }),
  });
}

function retryAfterMs(header: string | null): number {
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds > 0) return Math.min(seconds, 600) * 1000;
  const date = header ? Date.parse(header) : NaN;
  return Number.isFinite(date) ? Math.max(1000, Math.min(600_000, date - Date.now())) : 60_000;
}

/** The `nextUrl` must stay on the configured Events API origin (it carries the token): anything else is refused. */
function checkNextUrl(nextUrl: unknown, root: string): string {
  if (typeof nextUrl !== 'string' || nextUrl.trim() === '') throw unavailable('the Events API answer has no nextUrl');
  let parsed: URL;
  try {
    parsed = new URL(nextUrl, root);
  } catch {
    throw unavailable('the Events API answered a nextUrl that is not a URL');
  }
  if (parsed.origin !== new URL(root).origin || !parsed.pathname.startsWith('/events/')) {
    throw unavailable(`the Events API answered a nextUrl on another host (${parsed.host}): not followed`);
  }
  return parsed.toString();
}

async function get(url: string, what: string, signal: AbortSignal, secrets: readonly (string | null)[]): Promise<Response> {
  try {
    return await fetch(url, { signal, headers: { accept: 'application/json' } });
  } catch (error) {
    if (signal.aborted && (signal.reason as Error | undefined)?.name !== 'TimeoutError') throw error;
    const cause = (error as Error & { cause?: Error }).cause;
    const detail = [(error as Error).message, cause?.message].filter(Boolean).join(': ');
    throw unavailable(`${what} unreachable: ${scrubStreamSecrets(detail, secrets)}`);
  }
}

/** One long poll of the Events API. A 401/403 is the site refusing the token; other failures throw retryable. */
export async function requestEvents(url: string, opts: { root: string; timeoutSeconds: number; signal: AbortSignal; secrets: readonly (string | null)[] }): Promise<EventsAnswer> {
  // The long poll answers within `timeout`; past that plus a margin, the connection is dead.
  const signal = AbortSignal.any([opts.signal, AbortSignal.timeout((opts.timeoutSeconds + 20) * 1000)]);
  const res = await get(withTimeout(url, opts.timeoutSeconds), 'the Chaturbate Events API', signal, opts.secrets);
  const text = await res.text().catch(() => '');
  if (res.status === 401 || res.status === 403) return { kind: 'unauthorized', status: res.status };
  if (res.status === 429) throw unavailable('the Chaturbate Events API rate limit was reached (HTTP 429)', retryAfterMs(res.headers.get('retry-after')));
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw unavailable(`the Chaturbate Events API answered HTTP ${res.status} without JSON`);
  }
  // Public clients report that an expired long poll may answer 400 "waited too long" with the next URL: no events.
  if (res.status === 400 && isRecord(body) && typeof body.status === 'string' && /waited too long/i.test(body.status)) {
    return { kind: 'events', events: [], nextUrl: checkNextUrl(body.nextUrl, opts.root), skipped: 0 };
  }
  if (res.status !== 200 || !isRecord(body)) throw unavailable(`the Chaturbate Events API answered HTTP ${res.status}`);
  if (!Array.isArray(body.events)) throw unavailable('the Chaturbate Events API answer has no events list');
  const events: ChaturbateEvent[] = [];
  let skipped = 0;
  for (const item of body.events) {
    if (isRecord(item) && typeof item.method === 'string' && typeof item.id === 'string' && item.id !== '') {
      events.push({ method: item.method, id: item.id, object: isRecord(item.object) ? item.object : null });
    } else {
      skipped++;
    }
  }
  return { kind: 'events', events, nextUrl: checkNextUrl(body.nextUrl, opts.root), skipped };
}

export interface StatsAnswer {
  viewers: number | null;
  followers: number | null;
  tokenBalance: number | null;
}

const count = (value: unknown): number | null => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null);

/** One Stats API reading; null when the site refuses the token (401/403). */
export async function requestStats(root: string, username: string, token: string, secrets: readonly (string | null)[]): Promise<StatsAnswer | { refused: number }> {
  const url = new URL(root);
  url.searchParams.set('username', username);
  url.searchParams.set('token', token);
  const res = await get(url.toString(), 'the Chaturbate Stats API', AbortSignal.timeout(20_000), secrets);
  const text = await res.text().catch(() => '');
  if (res.status === 401 || res.status === 403) return { refused: res.status };
  if (res.status === 429) throw unavailable('the Chaturbate Stats API rate limit was reached (HTTP 429)', retryAfterMs(res.headers.get('retry-after')));
  if (res.status !== 200) throw unavailable(`the Chaturbate Stats API answered HTTP ${res.status}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw unavailable('the Chaturbate Stats API answered without JSON');
  }
  if (!isRecord(body)) throw unavailable('the Chaturbate Stats API answer is not an object');
  return { viewers: count(body.num_viewers), followers: count(body.num_followers), tokenBalance: count(body.token_balance) };
}
