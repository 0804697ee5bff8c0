/**
 * YouTube Shorts through the YouTube Data API v3 (https://developers.google.com/youtube/v3): Google OAuth 2.0 (web
 * server flow with PKCE and `access_type=offline`, https://developers.google.com/identity/protocols/oauth2/web-server),
 * videos.insert as a multipart upload for small files and the resumable upload protocol for large ones
 * (https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol), the channel's uploads playlist
 * for the marker search and videos.list part=statistics for the counters.
 *
 * Library: @googleapis/youtube (Google's generated client) makes the JSON calls and the multipart upload, pointed at
 * `apps.apis.youtube.apiRoot` (passed as each call's `rootUrl`, which also builds the /upload/ media URL; a global
 * rootUrl would drop a path prefix) and routed through `ctx.fetch` with gaxios' `fetchImplementation`, so the deadline
 * and the shared rate limits apply to every request; its own retries are off (`retry: false`: Temporal retries) and
 * `validateStatus` accepts every status so Google's error bodies are read here. The resumable upload is written by
 * hand on `ctx.fetch`: googleapis-common has no resumable uploads, and each chunk is streamed from disk (the video is
 * never read into memory). The token endpoint is plain form posts on `ctx.fetch` (google-auth-library would bypass it).
 *
 * How a retry finds an earlier post: the description ends with the publication's marker, so `findByMarker` reads the
 * channel's uploads playlist (newest first, private uploads included for the owner) and returns the video whose
 * description holds it. A resumable upload saves its session URI (ctx.saveProgress) before the first byte; the next
 * attempt asks the session how far it got (`Content-Range: bytes *\/size`) and sends only the rest, or receives the
 * finished video when the answer to the last chunk was lost.
 *
 * Quota: every call costs units of the Google project's daily quota (`youtubeQuotaCosts`); a 403 quotaExceeded /
 * dailyLimitExceeded is `QuotaExhausted`, held until Google's reset at midnight Pacific time (`msUntilPacificMidnight`).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { Readable } from 'node:stream';
import { youtube, type youtube_v3 } from '@googleapis/youtube';
import { msUntilPacificMidnight, YOUTUBE_UPLOAD_UNITS, youtubeQuotaDay } from '../../../core/platform-quotas.js';
import { PublishError } from '../errors.js';
import {
  CredentialsRejected, type ApiCredentials, type ApiDriverContext, type ApiPlatformDriver, type ApiPost, type ApiSetupContext, type OAuthExchange,
} from './api-types.js';
import { httpFailure, mediaUploadTimeoutMs, retryAfterHeaderMs } from './http.js';
import type { MetricsRead, PostRef, SessionState } from './types.js';

export interface YoutubeCredentials extends ApiCredentials {
  accessToken: string;
  /** Google's refresh tokens do not rotate: the same one keeps working until the user revokes our access. */
  refreshToken: string;
  expiresAt?: string;
  channelId: string;
  /** contentDetails.relatedPlaylists.uploads: where findByMarker looks. */
  uploadsPlaylistId: string;
  /** The channel's handle (`@name`), or its title when it has none. */
  handle: string;
}

/** What a YouTube account may say about its uploads (AccountPublishSettings has no field for it yet: read defensively). */
export type YoutubePrivacy = 'public' | 'unlisted' | 'private';

/** The resume state of one publication's upload (ctx.progress): the resumable session and the file it belongs to. */
type YoutubeProgress = {
  uploadUri: string | null;
  uploadBytes: number;
  startedAt: string;
};

// ── Limits ───────────────────────────────────────────────────────────────────────────────────────

/** snippet.title: at most 100 characters, no `<` or `>` (videos resource reference). Counted in UTF-16 units, the stricter reading. */
export const YOUTUBE_TITLE_MAX_CHARS = 100;
/** snippet.description: at most 5000 bytes (UTF-8), no `<` or `>`. */
export const YOUTUBE_DESCRIPTION_MAX_BYTES = 5000;
/** snippet.tags: 500 characters in all, commas between tags counted, a tag with a space counted with two quotes. */
export const YOUTUBE_TAGS_MAX_CHARS = 500;
/** Our cap on tags (YouTube ignores every hashtag past 15 in a video's text; keywords are kept to the same count). */
export const YOUTUBE_MAX_TAGS = 15;
/** A Short lasts at most three minutes (since 15 October 2024) and is square or vertical. */
export const YOUTUBE_SHORTS_MAX_SECONDS = 180;
/** Up to this size a video goes in one multipart request (Google's upload guide: multipart for small files, 5 MB or less). */
export const YOUTUBE_MULTIPART_MAX_BYTES = 5 * 1024 * 1024;
/** Bytes per resumable PUT: a multiple of 256 KiB, as the resumable protocol requires of every chunk but the last. */
export const YOUTUBE_UPLOAD_CHUNK_BYTES = 16 * 1024 * 1024;
/** Pages of the uploads playlist (50 videos each) findByMarker reads: the retried post is among the newest. */
export const YOUTUBE_MARKER_SEARCH_PAGES = 2;

/**
 * Quota units of each call this driver makes, from https://developers.google.com/youtube/v3/determine_quota_cost
 * (channels.list, playlistItems.list and videos.list 1; videos.insert 1600, charged once per upload whether multipart
 * or resumable: the chunk PUTs of a session are part of that insert). The token endpoint costs nothing. A publish
 * uses 1600 plus the marker search on a retry (1 per page, plus 1 for channels.list when the playlist is not stored);
 * metrics 1 per read; checkSession 1. Google's newer page (developers.google.com/youtube/data/determine_quota_cost)
 * gives videos.insert its own bucket of 100 calls a day at 1 per call instead: YOUTUBE_DAILY_QUOTA_UNITS counts the
 * table's units, the stricter reading.
 */
export const youtubeQuotaCosts = {
  'channels.list': 1,
  'playlistItems.list': 1,
  'videos.list': 1,
  'videos.insert': YOUTUBE_UPLOAD_UNITS,
} as const;

/** Newer quota page: videos.insert calls a project may make per day in its own bucket (see youtubeQuotaCosts). */
export const YOUTUBE_DAILY_INSERT_CALLS = 100;

export { msUntilPacificMidnight };

// ── Metadata ─────────────────────────────────────────────────────────────────────────────────────

/** YouTube refuses `<` and `>` in titles and descriptions: the single angle quotation marks keep the look. */
const withoutAngleBrackets = (text: string) => text.replace(/</g, '‹').replace(/>/g, '›');
const urlPattern = /\bhttps?:\/\/\S+/gi;
const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const shortsTag = /(^|[^\p{L}\p{N}_])#shorts(?![\p{L}\p{N}_])/iu;

/** The longest prefix of `text` within `max` UTF-16 units, cut between code points (never inside an emoji's pair). */
function cutUnits(text: string, max: number): string {
  let out = '';
  for (const ch of text) {
    if (out.length + ch.length > max) break;
    out += ch;
  }
  return out;
}

/** The longest prefix of `text` within `max` UTF-8 bytes, cut between code points. */
function cutBytes(text: string, max: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const size = utf8Bytes(ch);
    if (bytes + size > max) break;
    out += ch;
    bytes += size;
  }
  return out;
}

/** `text` within `max` UTF-16 units, cut at a word where one is near the end, with '…'. */
function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = cutUnits(text, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space >= max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/**
 * The title: the caption's first line with words in it (the marker and links removed: a title's links are not
 * clickable), within 100 characters, `<`/`>` replaced. A caption with nothing else gets `#Shorts`.
 */
export function youtubeTitle(caption: string, marker: string): string {
  const lines = caption.split('\n').map((line) => (marker ? line.split(marker).join('') : line).replace(urlPattern, '').replace(/\s+/g, ' ').trim());
  const hasWords = (line: string) => line.split(' ').some((word) => word !== '' && !word.startsWith('#'));
  const line = lines.find(hasWords) ?? lines.find((l) => l !== '') ?? '#Shorts';
  return shorten(withoutAngleBrackets(line), YOUTUBE_TITLE_MAX_CHARS);
}

/**
 * The description: the whole caption (link included) with `<`/`>` replaced, `#Shorts` added on its hashtag line when
 * neither it nor the title has it and it fits, within 5000 bytes; the marker stays its last line, whatever gives way
 * (the first paragraph first, keeping the hashtags and the link below it).
 */
export function youtubeDescription(caption: string, marker: string, title = ''): string {
  let body = withoutAngleBrackets(marker ? caption.split(marker).join('') : caption).replace(/\s+$/, '');
  const tail = marker ? `\n${marker}` : '';
  const room = YOUTUBE_DESCRIPTION_MAX_BYTES - utf8Bytes(tail);
  if (!shortsTag.test(body) && !shortsTag.test(title)) {
    // On the caption's hashtag line (its last line starting with '#'), else as a line of its own.
    const lines = body.split('\n');
    const hashtagLine = lines.findLastIndex((line) => line.trim().startsWith('#'));
    const tagged = hashtagLine >= 0
      ? lines.map((line, i) => (i === hashtagLine ? `${line.trimEnd()} #Shorts` : line)).join('\n')
      : [body, '#Shorts'].filter(Boolean).join('\n\n');
    if (utf8Bytes(tagged) <= room) body = tagged;
  }
  if (utf8Bytes(body) > room) {
    // Keep what follows the first paragraph (hashtags, link) and shorten the paragraph; if that alone is too long, cut the end.
    const split = body.indexOf('\n\n');
    const head = split >= 0 ? body.slice(0, split) : body;
    const rest = split >= 0 ? body.slice(split) : '';
    const headRoom = room - utf8Bytes(rest) - utf8Bytes('…');
    body = headRoom > 0 ? `${cutBytes(head, headRoom).trimEnd()}…${rest}` : `${cutBytes(body, room - utf8Bytes('…')).trimEnd()}…`;
  }
  return `${body}${tail}`.trim();
}

/** How YouTube counts a tag list against its 500 characters: commas between tags, and quotes around a tag with a space. */
export function youtubeTagsLength(tags: readonly string[]): number {
  return tags.reduce((sum, tag, i) => sum + tag.length + (tag.includes(' ') ? 2 : 0) + (i > 0 ? 1 : 0), 0);
}

/** The tags as YouTube keywords: no '#', no `<`/`>` or commas, no repeats (any case), at most 15 and 500 characters counted YouTube's way. */
export function youtubeTags(tags: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const raw of tags) {
    const tag = raw.replace(/^#+/, '').replace(/[<>,]/g, ' ').replace(/\s+/g, ' ').trim();
    const key = tag.toLocaleLowerCase();
    if (!tag || seen.has(key)) continue;
    if (out.length >= YOUTUBE_MAX_TAGS || youtubeTagsLength([...out, tag]) > YOUTUBE_TAGS_MAX_CHARS) continue;
    seen.add(key);
    out.push(tag);
  }
  return out;
}

/** The `youtubePrivacy` the account asks for (AccountPublishSettings, read defensively), `public` when unset or unknown. */
export function requestedPrivacy(settings: object): YoutubePrivacy {
  const value = (settings as Record<string, unknown>).youtubePrivacy;
  return value === 'private' || value === 'unlisted' || value === 'public' ? value : 'public';
}

/** The video resource (parts snippet and status) a publication uploads. */
export function youtubeVideoResource(post: ApiPost, privacy: YoutubePrivacy): youtube_v3.Schema$Video {
  const title = youtubeTitle(post.caption, post.marker);
  return {
    snippet: {
      title,
      description: youtubeDescription(post.caption, post.marker, title),
      tags: youtubeTags(post.tags),
      // 22 = People & Blogs, YouTube's default category for an upload.
      categoryId: '22',
      ...(post.language ? { defaultLanguage: post.language, defaultAudioLanguage: post.language } : {}),
    },
    status: { privacyStatus: privacy, selfDeclaredMadeForKids: false, embeddable: true, license: 'youtube' },
  };
}

export const shortsUrl = (videoId: string) => `https://www.youtube.com/shorts/${videoId}`;

// ── Answers ──────────────────────────────────────────────────────────────────────────────────────

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function answerOf(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (a proxy's page): kept as text for the reason.
  }
  return { status: res.status, headers: res.headers, body };
}

/** The `reason`s of a Google error body (`{ error: { code, message, errors: [{ domain, reason, message }] } }`). */
function reasonsOf(body: any): string[] {
  const errors: any[] = Array.isArray(body?.error?.errors) ? body.error.errors : [];
  return errors.map((e) => e?.reason).filter((r): r is string => typeof r === 'string');
}

/** Google's own words: the error's message and reasons, or an OAuth error and its description. */
function reasonText(answer: Answer): string {
  const b = answer.body;
  if (typeof b === 'string') return b.slice(0, 200) || 'no reason given';
  if (typeof b?.error === 'string') return [b.error, b.error_description].filter(Boolean).join(': ');
  const message = typeof b?.error?.message === 'string' ? b.error.message.replace(/<[^>]*>/g, '') : '';
  const reasons = reasonsOf(b);
  return [message, reasons.length ? `(${reasons.join(', ')})` : ''].filter(Boolean).join(' ') || 'no reason given';
}

/** A failed answer, typed: the project's quota waits for the Pacific midnight, the channel's upload cap for a day. */
function failure(where: string, answer: Answer): PublishError {
  const reasons = reasonsOf(answer.body);
  const reason = reasonText(answer);
  if (answer.status === 403 && reasons.some((r) => r === 'quotaExceeded' || r === 'dailyLimitExceeded')) {
    const waitMs = msUntilPacificMidnight(new Date());
    return new PublishError('QuotaExhausted', `YouTube ${where}: the Google project's daily quota is used up (${reason}); it resets at midnight Pacific time, in ${Math.ceil(waitMs / 60_000)} min`, undefined, waitMs);
  }
  if (answer.status === 403 && reasons.some((r) => r === 'rateLimitExceeded' || r === 'userRateLimitExceeded')) {
    return httpFailure('YouTube', where, 429, reason, retryAfterHeaderMs(answer.headers) ?? 60_000);
  }
  if (answer.status === 400 && reasons.includes('uploadLimitExceeded')) {
    return new PublishError('DailyLimit', `YouTube ${where}: the channel reached its daily upload limit (${reason}); YouTube says to try again in 24 hours`, undefined, 24 * 3600_000);
  }
  if (reasons.includes('insufficientPermissions')) {
    return new PublishError('SessionExpired', `YouTube ${where}: the token lacks a scope we need (${reason}); reconnect the account granting YouTube upload and read access`);
  }
  if (reasons.includes('youtubeSignupRequired')) {
    return new PublishError('RejectedByPlatform', `YouTube ${where}: the Google account has no YouTube channel (${reason}); create the channel, then reconnect`);
  }
  return httpFailure('YouTube', where, answer.status, reason, retryAfterHeaderMs(answer.headers));
}

/** A fetch failure inside the library: the PublishError ctx.fetch threw (deadline, dropped connection), else a retryable one. */
function unwrapped(error: unknown, where: string): PublishError {
  for (let cause: unknown = error; cause; cause = (cause as { cause?: unknown }).cause) {
    if (cause instanceof PublishError) return cause;
  }
  return new PublishError('Retryable', `YouTube ${where}: ${error instanceof Error ? error.message : String(error)}`);
}

// ── Calls ────────────────────────────────────────────────────────────────────────────────────────

interface Session {
  ctx: ApiDriverContext<YoutubeCredentials>;
  creds: YoutubeCredentials;
}

/** What the generated client resolves with (a fetch Response with `data`): only the parts read here. */
type LibraryAnswer = { status: number; headers: unknown; data: unknown };
type LibraryCall = (client: youtube_v3.Youtube, options: { rootUrl: string }) => Promise<LibraryAnswer>;

/** The generated client with this token, sending through ctx.fetch (see the top of the file). */
function libraryClient(ctx: ApiSetupContext, accessToken: string, timeoutMs?: number): youtube_v3.Youtube {
  return youtube({
    version: 'v3',
    headers: { authorization: `Bearer ${accessToken}` },
    retry: false,
    validateStatus: () => true,
    fetchImplementation: (input, init) => ctx.fetch(input instanceof Request ? input.url : input, init, timeoutMs === undefined ? undefined : { timeoutMs }),
  });
}

/** A 401 that a fresh token may cure (not "this account has no channel"). */
const tokenRefused = (answer: Answer) => answer.status === 401 && !reasonsOf(answer.body).includes('youtubeSignupRequired');

/** One library call with this token, Google's answer whatever its status. */
async function libraryAttempt(ctx: ApiSetupContext, accessToken: string, where: string, run: LibraryCall, timeoutMs?: number): Promise<Answer> {
  try {
    const res = await run(libraryClient(ctx, accessToken, timeoutMs), { rootUrl: `${ctx.apps.apis.youtube.apiRoot}/` });
    return { status: res.status, headers: res.headers instanceof Headers ? res.headers : new Headers(), body: res.data };
  } catch (error) {
    throw unwrapped(error, where);
  }
}

/**
 * One library call. A 401 to a token we thought valid gets one refresh through the context (saved before use) and
 * one more try (`run` builds the request again, e.g. a fresh file stream); a failed refresh throws SessionExpired.
 */
async function viaLibrary(session: Session, where: string, run: LibraryCall, timeoutMs?: number): Promise<Answer> {
  const first = await libraryAttempt(session.ctx, session.creds.accessToken, where, run, timeoutMs);
  if (!tokenRefused(first)) return first;
  session.ctx.log.info({ where }, 'YouTube said 401: refreshing the token once');
  session.creds = await session.ctx.refreshCredentials();
  return libraryAttempt(session.ctx, session.creds.accessToken, where, run, timeoutMs);
}

/** One hand-written call on ctx.fetch (the resumable protocol), with the same single refresh on a 401. */
async function viaFetch(session: Session, url: string, init: (token: string) => RequestInit, timeoutMs?: number): Promise<Answer> {
  const send = async () => answerOf(await session.ctx.fetch(url, { redirect: 'manual', ...init(session.creds.accessToken) }, timeoutMs === undefined ? undefined : { timeoutMs }));
  const first = await send();
  if (!tokenRefused(first)) return first;
  session.ctx.log.info({ url: new URL(url).pathname }, 'YouTube said 401: refreshing the token once');
  session.creds = await session.ctx.refreshCredentials();
  return send();
}

async function startSession(ctx: ApiDriverContext<YoutubeCredentials>): Promise<Session> {
  return { ctx, creds: await ctx.credentials() };
}

// ── OAuth ────────────────────────────────────────────────────────────────────────────────────────

interface TokenAnswer {
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
  scope?: string;
  token_type?: string;
}

const notConfigured = 'Google OAuth is not configured: set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET (a refresh token only works with the client that obtained it)';

/** The scopes our app asks for (contracts/drivers.ts oauthScopes.youtube): uploading, and reading the channel, its uploads and their counters. */
export const youtubeScopes = ['https://www.googleapis.com/auth/youtube.upload', 'https://www.googleapis.com/auth/youtube.readonly'];
/** Scopes that allow videos.insert / the reads (the broader `youtube` and `youtube.force-ssl` include both). */
const uploadScopes = ['https://www.googleapis.com/auth/youtube.upload', 'https://www.googleapis.com/auth/youtube', 'https://www.googleapis.com/auth/youtube.force-ssl'];
const readScopes = ['https://www.googleapis.com/auth/youtube.readonly', 'https://www.googleapis.com/auth/youtube', 'https://www.googleapis.com/auth/youtube.force-ssl'];

/** POST to the token URL with a form body, the client's id and secret in it (Google's web-server flow). */
async function tokenRequest(ctx: ApiSetupContext, fields: Record<string, string>): Promise<{ answer: Answer; tokens?: TokenAnswer }> {
  const client = ctx.apps.apis.youtube.client;
  if (!client) throw new CredentialsRejected('platform', notConfigured);
  const form = new URLSearchParams({ ...fields, client_id: client.clientId, client_secret: client.clientSecret ?? '' });
  const answer = await answerOf(await ctx.fetch(ctx.apps.apis.youtube.tokenUrl, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString(),
  }));
  return { answer, tokens: answer.status === 200 && typeof answer.body?.access_token === 'string' ? answer.body as TokenAnswer : undefined };
}

const expiresAtOf = (tokens: TokenAnswer) => (typeof tokens.expires_in === 'number' ? new Date(Date.now() + tokens.expires_in * 1000).toISOString() : undefined);

/** The scopes Google granted lack upload or read access: which to ask for again (none when Google did not say). */
function missingScopes(tokens: TokenAnswer): string[] {
  if (typeof tokens.scope !== 'string') return [];
  const granted = tokens.scope.split(' ');
  return [
    ...(uploadScopes.some((s) => granted.includes(s)) ? [] : ['youtube.upload']),
    ...(readScopes.some((s) => granted.includes(s)) ? [] : ['youtube.readonly']),
  ];
}

/** channels.list mine=true with a bare token (no stored credentials to refresh yet): the channel the token belongs to. */
async function channelOf(ctx: ApiSetupContext, accessToken: string): Promise<{ answer: Answer; channel?: { id: string; uploads: string; handle: string } }> {
  const answer = await libraryAttempt(ctx, accessToken, 'channels.list', (client, options) => client.channels.list({ part: ['id', 'snippet', 'contentDetails'], mine: true }, options));
  const item = Array.isArray(answer.body?.items) ? answer.body.items[0] : undefined;
  const uploads = item?.contentDetails?.relatedPlaylists?.uploads;
  if (answer.status !== 200 || typeof item?.id !== 'string' || typeof uploads !== 'string') return { answer };
  // customUrl is the channel's handle (`@name`); a channel without one is named by its title.
  const customUrl = typeof item.snippet?.customUrl === 'string' ? item.snippet.customUrl.trim() : '';
  const handle = customUrl ? (customUrl.startsWith('@') ? customUrl : `@${customUrl}`) : String(item.snippet?.title ?? item.id);
  return { answer, channel: { id: item.id, uploads, handle } };
}

/** The admin's token or code is refused (a field to fix); 429, 5xx and network failures stay retryable. */
function rejectOrFail(field: string, where: string, answer: Answer): never {
  if (answer.status === 429 || answer.status >= 500) throw failure(where, answer);
  if (answer.body?.error === 'invalid_client' || answer.body?.error === 'unauthorized_client') {
    throw new PublishError('RejectedByPlatform', `Google refused our OAuth client (${reasonText(answer)}): check GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET`);
  }
  throw new CredentialsRejected(field, `Google refused the ${field} (${where}: HTTP ${answer.status} ${reasonText(answer)})`);
}

/** From a fresh token answer to stored credentials: checks the scopes and reads the channel. */
async function connect(ctx: ApiSetupContext, field: string, tokens: TokenAnswer, refreshToken: string): Promise<{ credentials: YoutubeCredentials; username: string }> {
  const missing = missingScopes(tokens);
  if (missing.length > 0) throw new CredentialsRejected(field, `Google granted no ${missing.join(' / ')} access: connect again and allow ${youtubeScopes.join(' ')}`);
  const { answer, channel } = await channelOf(ctx, tokens.access_token!);
  if (!channel) {
    if (answer.status === 200) throw new CredentialsRejected(field, 'this Google account has no YouTube channel: create one on YouTube, then connect again');
    rejectOrFail(field, 'channels.list mine=true', answer);
  }
  return {
    credentials: {
      accessToken: tokens.access_token!, refreshToken, expiresAt: expiresAtOf(tokens),
      channelId: channel.id, uploadsPlaylistId: channel.uploads, handle: channel.handle,
    },
    username: channel.handle,
  };
}

// ── Uploads ──────────────────────────────────────────────────────────────────────────────────────

const mediaTypes: Record<string, string> = { '.mp4': 'video/mp4', '.m4v': 'video/mp4', '.mov': 'video/quicktime', '.webm': 'video/webm', '.mkv': 'video/x-matroska' };
const mediaTypeOf = (path: string) => mediaTypes[extname(path).toLowerCase()] ?? 'application/octet-stream';

/** The video resource of a finished upload, or undefined. */
function videoOf(answer: Answer): youtube_v3.Schema$Video | undefined {
  return (answer.status === 200 || answer.status === 201) && typeof answer.body?.id === 'string' ? answer.body : undefined;
}

/** The bytes a 308 says the server holds: `Range: bytes=0-N` → N + 1; no Range → none yet. */
export function resumeOffset(headers: Headers): number {
  const match = /^bytes=0-(\d+)$/.exec(headers.get('range')?.trim() ?? '');
  return match ? Number(match[1]) + 1 : 0;
}

/** The whole video in one multipart request (small files). */
/**
 * Takes one upload's units (videos.insert) from the Google project's day, counted in PostgreSQL across workers, before
 * the insert goes out; a day without room is `QuotaExhausted` until midnight Pacific time, with nothing sent. A resumed
 * session spends nothing: its insert was counted when it was opened. Returns the refund for an insert Google refuses
 * before creating anything (all but the 1 unit Google charges even an invalid request).
 */
async function reserveUpload(ctx: ApiDriverContext, now = new Date()): Promise<() => Promise<void>> {
  const day = youtubeQuotaDay(now);
  const limit = ctx.apps.apis.youtube.dailyQuotaUnits;
  const cost = youtubeQuotaCosts['videos.insert'];
  if (await ctx.quota.reserve(day, cost, limit)) return () => ctx.quota.release(day, cost - 1);
  const waitMs = msUntilPacificMidnight(now);
  throw new PublishError('QuotaExhausted',
    `YouTube: the Google project's daily quota (${limit} units: ${Math.floor(limit / cost)} uploads) is used up for ${day}; it resets at midnight Pacific time, in ${Math.ceil(waitMs / 60_000)} min`,
    undefined, waitMs);
}

async function multipartUpload(session: Session, post: ApiPost, resource: youtube_v3.Schema$Video): Promise<youtube_v3.Schema$Video> {
  const { ctx } = session;
  const refund = await reserveUpload(ctx);
  await ctx.step('submitting');
  let answer: Answer;
  try {
    answer = await viaLibrary(session, 'videos.insert', (client, options) => client.videos.insert({
      part: ['snippet', 'status'], requestBody: resource,
      media: { mimeType: mediaTypeOf(post.videoPath), body: createReadStream(post.videoPath) },
    }, options), mediaUploadTimeoutMs);
  } catch (error) {
    // The refresh after a 401 failed: Google refused before creating anything.
    if (error instanceof PublishError && error.type === 'SessionExpired') {
      await ctx.step('prepared');
      await refund();
    }
    // A timeout or a dropped connection may have created the video: the step stays `submitting` for findByMarker.
    throw error;
  }
  const video = videoOf(answer);
  if (video) return video;
  if (answer.status >= 500) throw failure('videos.insert', answer); // may or may not exist: stays `submitting`
  await ctx.step('prepared');
  await refund();
  throw failure('videos.insert', answer);
}

type UploadSessionState = { done: youtube_v3.Schema$Video } | { offset: number } | { gone: true };

/** Step 4.1 of the resumable protocol: an empty PUT with `Content-Range: bytes *\/size` asks how far the session got. */
async function querySession(session: Session, uri: string, size: number): Promise<UploadSessionState> {
  const answer = await viaFetch(session, uri, (token) => ({
    method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-length': '0', 'content-range': `bytes */${size}` },
  }));
  const video = videoOf(answer);
  if (video) return { done: video };
  if (answer.status === 308) return { offset: resumeOffset(answer.headers) };
  if (answer.status === 404 || answer.status === 410) return { gone: true };
  throw failure('resumable upload status', answer);
}

/** Step 1: a session for this video's metadata; its URI comes back in Location. */
async function openSession(session: Session, resource: youtube_v3.Schema$Video, size: number, mediaType: string): Promise<string> {
  const url = `${session.ctx.apps.apis.youtube.apiRoot}/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status`;
  const body = JSON.stringify(resource);
  const answer = await viaFetch(session, url, (token) => ({
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=UTF-8',
      'x-upload-content-length': String(size), 'x-upload-content-type': mediaType,
    },
    body,
  }));
  const location = answer.headers.get('location');
  if (answer.status === 200 && location) return new URL(location, url).toString();
  throw failure('videos.insert (resumable session)', answer.status === 200 ? { ...answer, status: 502, body: 'no Location in the answer' } : answer);
}

/**
 * The resumable upload: resumes the saved session when there is one (asking it how far it got), else opens one and
 * saves its URI before the first byte; then sends the rest in chunks streamed from disk, each from the offset the
 * server last confirmed. A session the server no longer knows (404/410) is replaced once per attempt.
 */
async function resumableUpload(session: Session, post: ApiPost, resource: youtube_v3.Schema$Video, size: number): Promise<youtube_v3.Schema$Video> {
  const { ctx } = session;
  const mediaType = mediaTypeOf(post.videoPath);
  const saved = await ctx.progress<YoutubeProgress>();
  let uri = saved?.uploadUri && saved.uploadBytes === size ? saved.uploadUri : null;
  let offset = 0;
  let reopened = false;

  if (uri) {
    const state = await querySession(session, uri, size);
    if ('done' in state) {
      ctx.log.info({ videoId: state.done.id }, 'the saved YouTube upload session had finished: its answer was lost');
      return state.done;
    }
    if ('gone' in state) {
      ctx.log.info('the saved YouTube upload session expired: starting a new one');
      uri = null;
    } else {
      offset = state.offset;
      ctx.log.info({ offset, size }, 'resuming the saved YouTube upload session');
    }
  }
  const open = async () => {
    const refund = await reserveUpload(ctx);
    const next = await openSession(session, resource, size, mediaType).catch(async (error: unknown) => {
      await ctx.step('prepared'); // nothing was created
      await refund();
      throw error;
    });
    // Saved before a single byte goes out: a retry resumes this session instead of uploading (and paying) again.
    await ctx.saveProgress({ uploadUri: next, uploadBytes: size, startedAt: new Date().toISOString() } satisfies YoutubeProgress);
    return next;
  };
  uri ??= await open();

  let step: 'uploading' | 'submitting' = 'uploading';
  const enter = async (next: typeof step) => {
    if (next !== step) await ctx.step(next);
    step = next;
  };
  await ctx.step('uploading');
  let stalled = 0;
  for (;;) {
    const end = Math.min(size, offset + YOUTUBE_UPLOAD_CHUNK_BYTES) - 1;
    // The last chunk is what creates the video: an unknown outcome from here on is left for findByMarker.
    await enter(end === size - 1 ? 'submitting' : 'uploading');
    const from = offset;
    const answer = await viaFetch(session, uri, (token) => ({
      method: 'PUT',
      headers: {
        authorization: `Bearer ${token}`, 'content-type': mediaType,
        'content-length': String(end - from + 1), 'content-range': `bytes ${from}-${end}/${size}`,
      },
      // 1 MiB reads: twice the throughput of the default 64 KiB. (No `redirect: 'error'`: fetch takes the protocol's 308 for a redirect.)
      body: Readable.toWeb(createReadStream(post.videoPath, { start: from, end, highWaterMark: 1 << 20 })) as ReadableStream,
      duplex: 'half',
    } as RequestInit), mediaUploadTimeoutMs);
    const video = videoOf(answer);
    if (video) return video;
    if (answer.status === 308) {
      const next = resumeOffset(answer.headers);
      stalled = next > offset ? 0 : stalled + 1;
      if (stalled >= 3) throw new PublishError('Retryable', `YouTube kept the upload at ${next} of ${size} bytes three times in a row`);
      offset = next;
      continue;
    }
    if ((answer.status === 404 || answer.status === 410) && !reopened) {
      ctx.log.info({ status: answer.status }, 'the YouTube upload session expired mid-upload: starting a new one');
      reopened = true;
      uri = await open();
      offset = 0;
      continue;
    }
    if (answer.status >= 500 || answer.status === 429) throw failure('resumable upload', answer); // the session stays saved: the next attempt resumes
    // Any other 4xx: the upload failed for good (the protocol's words); nothing was created, the next attempt starts over.
    await ctx.saveProgress({ uploadUri: null, uploadBytes: size, startedAt: new Date().toISOString() } satisfies YoutubeProgress);
    await ctx.step('prepared');
    throw failure('resumable upload', answer);
  }
}

// ── Reads ────────────────────────────────────────────────────────────────────────────────────────

async function uploadsPlaylist(session: Session): Promise<string> {
  if (session.creds.uploadsPlaylistId) return session.creds.uploadsPlaylistId;
  const answer = await viaLibrary(session, 'channels.list', (client, options) => client.channels.list({ part: ['contentDetails'], mine: true }, options));
  const uploads = answer.body?.items?.[0]?.contentDetails?.relatedPlaylists?.uploads;
  if (answer.status !== 200 || typeof uploads !== 'string') throw failure('channels.list', answer.status === 200 ? { ...answer, status: 404, body: 'the channel has no uploads playlist' } : answer);
  return uploads;
}

async function searchMarker(session: Session, marker: string): Promise<PostRef | null> {
  const playlistId = await uploadsPlaylist(session);
  const found: { id: string; publishedAt: string }[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < YOUTUBE_MARKER_SEARCH_PAGES; page++) {
    const answer = await viaLibrary(session, 'playlistItems.list', (client, options) => client.playlistItems.list({ part: ['snippet'], playlistId, maxResults: 50, pageToken }, options));
    if (answer.status !== 200) throw failure('playlistItems.list', answer);
    for (const item of Array.isArray(answer.body?.items) ? answer.body.items : []) {
      const id = item?.snippet?.resourceId?.videoId;
      if (typeof id === 'string' && typeof item.snippet.description === 'string' && item.snippet.description.includes(marker)) {
        found.push({ id, publishedAt: String(item.snippet.publishedAt ?? '') });
      }
    }
    pageToken = typeof answer.body?.nextPageToken === 'string' ? answer.body.nextPageToken : undefined;
    if (!pageToken) break;
  }
  if (found.length > 1) session.ctx.log.warn({ marker, ids: found.map((v) => v.id) }, 'several YouTube videos carry one marker; taking the oldest');
  const oldest = found.sort((a, b) => a.publishedAt.localeCompare(b.publishedAt))[0];
  return oldest ? { url: shortsUrl(oldest.id), externalId: oldest.id } : null;
}

/** statistics counters are decimal strings; a counter the owner hid (likes) or turned off (comments) is absent and left out. */
function counter(statistics: Record<string, unknown>, name: string): number | null | undefined {
  if (!(name in statistics)) return undefined;
  const value = Number(statistics[name]);
  return typeof statistics[name] === 'string' && Number.isFinite(value) ? value : null;
}

// ── The driver ───────────────────────────────────────────────────────────────────────────────────

export const youtubeDriver: ApiPlatformDriver<YoutubeCredentials> = {
  kind: 'api',
  /**
   * The real limit is the Google project's daily quota (counted by the caller with youtubeQuotaCosts); Google states
   * no request rate per user for these calls. These budgets only stop a burst: every request counts, so a resumable
   * upload spends one per 16 MiB chunk.
   */
  rateLimits: {
    perAccount: { points: 120, durationSeconds: 60 },
    perApp: { points: 1200, durationSeconds: 60 },
  },

  /** `{ refreshToken }` of our Google client (e.g. from the OAuth Playground with our client id): exchanged at once and the channel read. */
  async acceptCredentials(ctx, body) {
    const { refreshToken } = body;
    if (typeof refreshToken !== 'string' || refreshToken.trim() === '') {
      throw new CredentialsRejected('refreshToken', 'refreshToken is required: a Google OAuth refresh token issued to our client (GOOGLE_CLIENT_ID) with the YouTube upload and read-only scopes');
    }
    if (!ctx.apps.apis.youtube.client) throw new CredentialsRejected('refreshToken', notConfigured);
    const token = refreshToken.trim();
    const { answer, tokens } = await tokenRequest(ctx, { grant_type: 'refresh_token', refresh_token: token });
    if (!tokens) rejectOrFail('refreshToken', 'token refresh', answer);
    return connect(ctx, 'refreshToken', tokens, tokens.refresh_token ?? token);
  },

  async exchangeCode(ctx, exchange: OAuthExchange) {
    if (!ctx.apps.apis.youtube.client) throw new CredentialsRejected('platform', notConfigured);
    const { answer, tokens } = await tokenRequest(ctx, {
      grant_type: 'authorization_code', code: exchange.code, code_verifier: exchange.codeVerifier, redirect_uri: exchange.redirectUri,
    });
    if (!tokens) rejectOrFail('code', 'code exchange', answer);
    if (!tokens.refresh_token) {
      // Without one the account stops working within the hour: Google gives it only for access_type=offline, on the
      // first consent (or with prompt=consent).
      throw new CredentialsRejected('code', 'Google gave no refresh token: connect again (the authorization needs access_type=offline and prompt=consent)');
    }
    return connect(ctx, 'code', tokens, tokens.refresh_token);
  },

  /** Google's refresh tokens do not rotate; invalid_grant means revoked, expired (7 days for an app in "Testing") or unused for 6 months. */
  async refresh(ctx, credentials) {
    if (!ctx.apps.apis.youtube.client) throw new PublishError('SessionExpired', `${notConfigured}; then reconnect the account`);
    const { answer, tokens } = await tokenRequest(ctx, { grant_type: 'refresh_token', refresh_token: credentials.refreshToken });
    if (tokens) {
      return { ...credentials, accessToken: tokens.access_token!, refreshToken: tokens.refresh_token ?? credentials.refreshToken, expiresAt: expiresAtOf(tokens) };
    }
    if (answer.status === 400 && answer.body?.error === 'invalid_grant') {
      throw new PublishError('SessionExpired', `Google refused the refresh token of ${credentials.handle} (${reasonText(answer)}): reconnect the account`);
    }
    if (answer.body?.error === 'invalid_client' || answer.body?.error === 'unauthorized_client') {
      throw new PublishError('RejectedByPlatform', `Google refused our OAuth client (${reasonText(answer)}): check GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET`);
    }
    throw failure('token refresh', answer);
  },

  async checkSession(ctx): Promise<SessionState> {
    let session: Session;
    let answer: Answer;
    try {
      session = await startSession(ctx);
      answer = await viaLibrary(session, 'channels.list', (client, options) => client.channels.list({ part: ['id'], mine: true }, options));
    } catch (error) {
      if (error instanceof PublishError && error.type === 'SessionExpired') return 'logged_out';
      // The message only: a library error carries its request (and so the bearer token) in its properties.
      ctx.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not ask YouTube whether the token works');
      return 'unknown';
    }
    const id = answer.body?.items?.[0]?.id;
    if (answer.status === 200 && typeof id === 'string') {
      if (id === session.creds.channelId) return 'logged_in';
      ctx.log.warn({ expected: session.creds.channelId, got: id }, 'the stored Google token belongs to another channel');
      return 'logged_out';
    }
    if (answer.status === 200) return 'logged_out'; // the channel is gone
    if (answer.status === 401) return 'logged_out';
    ctx.log.warn({ status: answer.status, reason: reasonText(answer) }, 'YouTube answered the token check with neither yes nor no');
    return 'unknown';
  },

  async publish(ctx, post): Promise<PostRef> {
    // Refusals we can tell before spending quota or bytes (nothing is posted: the step stays `prepared`).
    const { durationSeconds, width, height } = post.media;
    if (durationSeconds > YOUTUBE_SHORTS_MAX_SECONDS) {
      throw new PublishError('InvalidMedia', `the video lasts ${durationSeconds} s; a YouTube Short lasts at most ${YOUTUBE_SHORTS_MAX_SECONDS} s`);
    }
    if (width > 0 && height > 0 && width > height) {
      throw new PublishError('InvalidMedia', `the video is ${width}×${height}; a YouTube Short is vertical (9:16) or square: publish the 9:16 variant`);
    }
    const size = (await stat(post.videoPath)).size;
    if (size === 0) throw new PublishError('InvalidMedia', `${post.videoPath} is empty`);

    const requested = requestedPrivacy(ctx.account.settings);
    const { projectAudited } = ctx.apps.apis.youtube;
    const privacy: YoutubePrivacy = projectAudited ? requested : 'private';
    if (!projectAudited && requested !== 'private') {
      ctx.log.warn({ publicationId: post.publicationId, requested },
        'the Google project is not audited for the YouTube Data API (YOUTUBE_PROJECT_AUDITED=false): YouTube locks its uploads as private, so this one is uploaded private');
    }
    if (post.sensitive) {
      // videos.insert has no age-restriction flag (contentDetails.contentRating.ytRating is not writable on insert).
      ctx.log.warn({ publicationId: post.publicationId }, 'the YouTube API cannot age-restrict an upload: set it in YouTube Studio if the video needs it');
    }
    const resource = youtubeVideoResource(post, privacy);

    const session = await startSession(ctx);
    const saved = await ctx.progress<YoutubeProgress>();
    const resumable = size > YOUTUBE_MULTIPART_MAX_BYTES || (typeof saved?.uploadUri === 'string' && saved.uploadBytes === size);
    const video = await (resumable ? resumableUpload(session, post, resource, size) : multipartUpload(session, post, resource)).catch(async (error: unknown) => {
      // Google's own count wins over ours (the project may upload from elsewhere too): nobody tries again today.
      if (error instanceof PublishError && error.type === 'QuotaExhausted') await ctx.quota.markExhausted(youtubeQuotaDay(new Date()));
      throw error;
    });
    const videoId = video.id!;
    if (video.status?.privacyStatus && video.status.privacyStatus !== privacy) {
      ctx.log.warn({ videoId, asked: privacy, got: video.status.privacyStatus }, 'YouTube set another privacy than asked');
    }
    return { url: shortsUrl(videoId), externalId: videoId };
  },

  async findByMarker(ctx, post) {
    return searchMarker(await startSession(ctx), post.marker);
  },

  async readMetrics(ctx, ref): Promise<MetricsRead> {
    const session = await startSession(ctx);
    const answer = await viaLibrary(session, 'videos.list', (client, options) => client.videos.list({ part: ['statistics'], id: [ref.externalId] }, options));
    if (answer.status !== 200) throw failure('videos.list', answer);
    const items: any[] = Array.isArray(answer.body?.items) ? answer.body.items : [];
    const video = items.find((v) => v?.id === ref.externalId);
    // A deleted video (or one made private by someone else) is simply not in the list.
    if (!video) throw new PublishError('PostUnavailable', `YouTube lists no video ${ref.externalId}: deleted, or no longer visible to the channel`);
    const statistics = video.statistics;
    if (!statistics || typeof statistics !== 'object') return { views: null, likes: null, comments: null };
    const read: MetricsRead = {};
    // YouTube has no share counter in the Data API: shares are left out, never 0.
    for (const [key, name] of [['views', 'viewCount'], ['likes', 'likeCount'], ['comments', 'commentCount']] as const) {
      const value = counter(statistics, name);
      if (value !== undefined) read[key] = value;
    }
    return read;
  },
};
