/**
 * TikTok through its official APIs (https://developers.tiktok.com): Login Kit tokens (access 24 h, refresh 365 days,
 * POST /v2/oauth/token/), the Content Posting API (creator_info/query before every post, a direct post or an inbox
 * upload, the chunked FILE_UPLOAD, status/fetch) and the Display API (video/list for the marker search, video/query
 * for the counters).
 *
 * Two modes per account (AccountPublishSettings `tiktokMode`):
 * - `direct` (default, scope video.publish): the post goes out as it is. While TikTok has not audited our app
 *   (TIKTOK_APP_AUDITED=false) TikTok only takes SELF_ONLY posts ("All content posted by unaudited clients will be
 *   restricted to private viewing mode"): the driver posts SELF_ONLY whatever `tiktokPrivacy` says, and logs why.
 * - `inbox` (scope video.upload): the clip lands in the creator's TikTok inbox as a draft; she finishes the post in the
 *   app. The upload endpoint takes no caption, so the caption reaches her through our Telegram notice. The publication
 *   ends `published_as_draft` (PostRef.draft) once the status says SEND_TO_USER_INBOX.
 *
 * How a retry finds an earlier post: the publish_id (with the upload URL, the chunk plan and the bytes TikTok took) is
 * saved with ctx.saveProgress right after init, before any byte is sent, and again after every chunk. A retry that finds
 * it asks status/fetch instead of initializing again: it finishes an interrupted upload from the last chunk TikTok took,
 * or keeps polling. An upload that never got all its bytes cannot become a post, so when its upload URL (one hour) has
 * expired, or TikTok reports the publish FAILED, the attempt starts anew. Without saved progress `findByMarker` reads the
 * creator's public videos for the marker (Display API titles stop at 150 characters and SELF_ONLY posts are not listed,
 * so it is the fallback, not the mechanism).
 *
 * Rate limits: TikTok sets them per endpoint and user token (`tiktokEndpointLimits`: init 6 per minute, creator_info 20,
 * status/fetch 30, the Display API 600), each counted apart, so a status poll or a metrics read never waits on the
 * init budget. The chunk PUTs go to the upload_url TikTok hands out (another host, authorized by the URL, not by the
 * user token): they take from no budget, and go through a plain fetch with the media deadline.
 */
import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { PublishError } from '../errors.js';
import {
  CredentialsRejected, type ApiCredentials, type ApiDriverContext, type ApiPlatformDriver, type ApiPost, type ApiSetupContext, type OAuthExchange,
} from './api-types.js';
import { httpFailure, mediaUploadTimeoutMs, retryAfterHeaderMs } from './http.js';
import type { MetricsRead, PostRef, SessionState } from './types.js';

export interface TikTokCredentials extends ApiCredentials {
  accessToken: string;
  refreshToken: string;
  expiresAt: string;
  /** The refresh token's end (365 days after the first issuance; refreshing does not extend it). */
  refreshExpiresAt?: string;
  openId: string;
  username: string;
  /** What the creator granted (Login Kit's comma-separated `scope`). */
  scopes: string[];
}

export type TikTokMode = 'direct' | 'inbox';

/**
 * Requests per minute per user token, per endpoint: the two init endpoints 6 (direct post and upload references),
 * creator_info/query 20, status/fetch 30 (their references), the Display API 600 (rate limits page).
 */
export const tiktokEndpointLimits: Record<string, number> = {
  '/v2/post/publish/video/init/': 6,
  '/v2/post/publish/inbox/video/init/': 6,
  '/v2/post/publish/creator_info/query/': 20,
  '/v2/post/publish/status/fetch/': 30,
  '/v2/video/query/': 600,
  '/v2/video/list/': 600,
  '/v2/user/info/': 600,
};
export type TikTokPrivacy = 'PUBLIC_TO_EVERYONE' | 'FOLLOWER_OF_CREATOR' | 'MUTUAL_FOLLOW_FRIENDS' | 'SELF_ONLY';

/** What our app asks the creator for (Login Kit `scope`, comma-separated on the authorize URL). */
export const tiktokScopes = ['user.info.basic', 'user.info.profile', 'video.list', 'video.publish', 'video.upload'];
/** post_info.title: "The maximum length is 2200 in UTF-16 runes" (a JS string's length counts exactly those). */
export const TIKTOK_TITLE_MAX = 2200;
/** Our cap (core/platforms.ts); TikTok documents none for the API. */
export const TIKTOK_MAX_HASHTAGS = 10;
/**
 * The media transfer guide wants chunks of 5 MB to 64 MB (the final one up to 128 MB with the trailing bytes), a video
 * under 5 MB whole, total_chunk_count = floor(video_size / chunk_size). 10 000 000 bytes (the guide's own example) sits
 * inside either reading of "MB"; a video under two chunks goes whole.
 */
export const TIKTOK_CHUNK_BYTES = 10_000_000;
const MAX_VIDEO_BYTES = 4 * 1024 ** 3;
/** "The longest video a developer can send via the initialize Upload Video endpoint is 10 minutes." */
const INBOX_MAX_SECONDS = 600;
/** The upload_url "is valid for one hour after issuance": past 55 minutes a resume does not try it. */
const UPLOAD_URL_USABLE_MS = 55 * 60_000;
/** TikTok's limits are one-minute windows and it names no Retry-After: a 429 waits a whole window. */
const RATE_WINDOW_MS = 60_000;
const DAY_MS = 86_400_000;
const mostPublicFirst: TikTokPrivacy[] = ['PUBLIC_TO_EVERYONE', 'FOLLOWER_OF_CREATOR', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'];
const contentTypes: Record<string, string> = { '.mp4': 'video/mp4', '.m4v': 'video/mp4', '.mov': 'video/quicktime', '.webm': 'video/webm' };

/** The resume state of one publication (ctx.saveProgress); `publishId: null` = nothing to resume. */
type TikTokProgress = {
  publishId: string | null;
  mode: TikTokMode;
  uploadUrl: string;
  uploadUrlIssuedAt: string;
  contentType: string;
  videoSize: number;
  chunkSize: number;
  chunkCount: number;
  /** Bytes TikTok acknowledged (206/201), always a whole number of chunks. */
  bytesSent: number;
  privacy: TikTokPrivacy | null;
  username: string;
  /** Why the last publish_id was given up (then `publishId` is null), for the logs. */
  abandoned: string | null;
};

// ── Answers ──────────────────────────────────────────────────────────────────────────────────────

interface Answer {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

async function answerOf(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** The API's `error.code` (`ok` on success), or Login Kit's `error` string. */
function codeOf(answer: Answer): string | undefined {
  const error = answer.body?.error;
  if (typeof error === 'string') return error;
  return typeof error?.code === 'string' ? error.code : undefined;
}

const succeeded = (answer: Answer) => answer.status === 200 && codeOf(answer) === 'ok';

function reasonOf(answer: Answer): string {
  const b = answer.body;
  const parts = [codeOf(answer), b?.error?.message, b?.error_description].filter((p): p is string => typeof p === 'string' && p.length > 0 && p !== 'ok');
  return [...new Set(parts)].join(': ') || answer.text.slice(0, 200) || 'no reason given';
}

const untilNextUtcMidnight = (now = Date.now()) => DAY_MS - (now % DAY_MS);

/** What an API refusal means for us, by TikTok's error code first, then by HTTP status. */
function failure(where: string, answer: Answer): PublishError {
  const why = `TikTok ${where}: ${reasonOf(answer)}`;
  switch (codeOf(answer)) {
    case 'spam_risk_too_many_posts':
      // "The daily post cap from the API is reached for the current user" / "too many posts within the last 24 hours":
      // the account's daily cap, not a hiccup. Retrying within minutes cannot help and hammering risks the account.
      return new PublishError('DailyLimit', `${why} (the account's daily cap of API posts; it frees up within 24 h)`, undefined, DAY_MS);
    case 'spam_risk_too_many_pending_share':
      return new PublishError('DailyLimit', `${why} (at most 5 drafts may wait in the creator's inbox per 24 h: she must post or delete them)`, undefined, DAY_MS);
    case 'spam_risk_user_banned_from_posting':
      return new PublishError('ActionBlocked', `${why} (TikTok banned the account from posting)`);
    case 'reached_active_user_cap':
      // Our client's daily quota of publishing users: the app's quota, held until the day turns (TikTok names no hour).
      return new PublishError('QuotaExhausted', `${why} (our TikTok app's daily quota of publishing users)`, undefined, untilNextUtcMidnight());
    case 'unaudited_client_can_only_post_to_private_accounts':
      return new PublishError('RejectedByPlatform', `${why}: while TikTok has not audited our app it takes only private posts (set the TikTok account to private, use inbox mode, or get the app audited)`);
    case 'privacy_level_option_mismatch':
      return new PublishError('RejectedByPlatform', `${why} (the privacy level is not among the creator's options)`);
    case 'scope_not_authorized':
    case 'scope_permission_missed':
      return new PublishError('SessionExpired', `${why}: reconnect the account granting ${tiktokScopes.join(', ')}`);
    case 'access_token_invalid':
      return new PublishError('SessionExpired', `${why}: reconnect the account`);
    case 'rate_limit_exceeded':
      return new PublishError('Retryable', `${why}; retry in ${Math.ceil(rateWaitMs(answer) / 1000)} s`, undefined, rateWaitMs(answer));
    default:
      return httpFailure('TikTok', where, answer.status, reasonOf(answer), answer.status === 429 ? rateWaitMs(answer) : undefined);
  }
}

const rateWaitMs = (answer: Answer) => retryAfterHeaderMs(answer.headers) ?? RATE_WINDOW_MS;

/** publicaly_available_post_id is list<int64>: bare JSON numbers past 2^53, read from the text so no digit is rounded. */
export function postIdsOf(text: string): string[] {
  const list = /"publicaly_available_post_id"\s*:\s*\[([^\]]*)\]/.exec(text)?.[1] ?? '';
  return list.split(',').map((id) => id.trim().replace(/^"|"$/g, '')).filter((id) => /^\d+$/.test(id));
}

/** Hashtags as TikTok reads them: `#` at a word start, "delimited by spaces or new lines". */
export function hashtagCount(text: string): number {
  return (text.match(/(?:^|\s)#[\p{L}\p{N}_]+/gu) ?? []).length;
}

// ── Calls ────────────────────────────────────────────────────────────────────────────────────────

interface Session {
  ctx: ApiDriverContext<TikTokCredentials>;
  creds: TikTokCredentials;
}

function send(ctx: ApiSetupContext, token: string, method: string, path: string, opts: { query?: Record<string, string>; json?: unknown }): Promise<Response> {
  const url = new URL(`${ctx.apps.apis.tiktok.apiRoot}${path}`);
  for (const [key, value] of Object.entries(opts.query ?? {})) url.searchParams.set(key, value);
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (method !== 'GET') headers['content-type'] = 'application/json; charset=UTF-8';
  return ctx.fetch(url, { method, headers, body: opts.json === undefined ? undefined : JSON.stringify(opts.json) });
}

/**
 * One authenticated call. access_token_invalid (a token we thought valid) gets one refresh through the context (saved
 * before use) and one more try; scope_not_authorized is a 401 too, but no refresh can grant a scope.
 */
async function call(session: Session, method: string, path: string, opts: { query?: Record<string, string>; json?: unknown } = {}): Promise<Answer> {
  const first = await answerOf(await send(session.ctx, session.creds.accessToken, method, path, opts));
  if (first.status !== 401 || codeOf(first) !== 'access_token_invalid') return first;
  session.ctx.log.info({ path }, 'TikTok said access_token_invalid: refreshing the token once');
  session.creds = await session.ctx.refreshCredentials();
  return answerOf(await send(session.ctx, session.creds.accessToken, method, path, opts));
}

async function startSession(ctx: ApiDriverContext<TikTokCredentials>): Promise<Session> {
  return { ctx, creds: await ctx.credentials() };
}

// ── Login Kit ────────────────────────────────────────────────────────────────────────────────────

interface TokenAnswer {
  access_token: string;
  expires_in?: number;
  open_id?: string;
  refresh_token?: string;
  refresh_expires_in?: number;
  scope?: string;
}

const notConfigured = 'TikTok Login Kit is not configured: set TIKTOK_CLIENT_KEY and TIKTOK_CLIENT_SECRET';

/** POST /v2/oauth/token/: a form with client_key and client_secret. An error is `{ error, error_description }` at any status. */
async function tokenRequest(ctx: ApiSetupContext, fields: Record<string, string>): Promise<{ answer: Answer; tokens?: TokenAnswer }> {
  const client = ctx.apps.apis.tiktok.client;
  if (!client?.clientSecret) throw new PublishError('RejectedByPlatform', notConfigured);
  const form = new URLSearchParams({ client_key: client.clientId, client_secret: client.clientSecret, ...fields });
  const answer = await answerOf(await ctx.fetch(`${ctx.apps.apis.tiktok.apiRoot}/v2/oauth/token/`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'cache-control': 'no-cache' }, body: form.toString(),
  }));
  const tokens = answer.status === 200 && typeof answer.body?.access_token === 'string' && !answer.body?.error ? answer.body as TokenAnswer : undefined;
  return { answer, tokens };
}

function tokensToCredentials(tokens: TokenAnswer, previous?: TikTokCredentials): Omit<TikTokCredentials, 'username'> & { username?: string } {
  const at = (seconds: number | undefined) => (typeof seconds === 'number' ? new Date(Date.now() + seconds * 1000).toISOString() : undefined);
  return {
    ...previous,
    accessToken: tokens.access_token,
    // "The returned refresh_token may be different than the one passed": always keep the newest.
    refreshToken: tokens.refresh_token ?? previous?.refreshToken ?? '',
    expiresAt: at(tokens.expires_in) ?? new Date(Date.now() + DAY_MS).toISOString(),
    refreshExpiresAt: at(tokens.refresh_expires_in) ?? previous?.refreshExpiresAt,
    openId: tokens.open_id ?? previous?.openId ?? '',
    scopes: typeof tokens.scope === 'string' ? tokens.scope.split(',').map((s) => s.trim()).filter(Boolean) : previous?.scopes ?? [],
  };
}

const transientOAuth = (answer: Answer) => answer.status >= 500 || answer.status === 429 || ['server_error', 'temporarily_unavailable'].includes(codeOf(answer) ?? '');

/**
 * Who a token belongs to: open_id and the handle (username needs user.info.profile; without it, the handle
 * creator_info/query gives, and as a last resort the name the account has here).
 */
async function whoIs(ctx: ApiSetupContext, accessToken: string): Promise<{ answer: Answer; openId?: string; username?: string }> {
  let answer = await answerOf(await send(ctx, accessToken, 'GET', '/v2/user/info/', { query: { fields: 'open_id,display_name,username' } }));
  if (codeOf(answer) === 'scope_permission_missed') {
    answer = await answerOf(await send(ctx, accessToken, 'GET', '/v2/user/info/', { query: { fields: 'open_id,display_name' } }));
  }
  const user = succeeded(answer) ? answer.body?.data?.user : undefined;
  if (typeof user?.open_id !== 'string') return { answer };
  let username: string | undefined = typeof user.username === 'string' && user.username ? user.username : undefined;
  if (!username) {
    const creator = await answerOf(await send(ctx, accessToken, 'POST', '/v2/post/publish/creator_info/query/', {}));
    const name = creator.body?.data?.creator_username;
    username = typeof name === 'string' && name ? name : ctx.account.username;
  }
  return { answer, openId: user.open_id, username };
}

function rejectOrFail(field: string, where: string, answer: Answer): never {
  if (transientOAuth(answer)) throw failure(where, answer);
  throw new CredentialsRejected(field, `TikTok refused the ${field} (${where}: HTTP ${answer.status} ${reasonOf(answer)})`);
}

async function connected(ctx: ApiSetupContext, tokens: TokenAnswer, field: string): Promise<{ credentials: TikTokCredentials; username: string }> {
  const partial = tokensToCredentials(tokens);
  const who = await whoIs(ctx, partial.accessToken);
  if (!who.openId || !who.username) rejectOrFail(field, 'GET /v2/user/info/', who.answer);
  return { credentials: { ...partial, openId: who.openId, username: who.username }, username: who.username };
}

// ── Publishing ───────────────────────────────────────────────────────────────────────────────────

interface Settings {
  mode: TikTokMode;
  privacy?: TikTokPrivacy;
  brandOrganic: boolean;
}

/** The account's TikTok settings, read defensively (AccountPublishSettings may predate them). */
function settingsOf(ctx: ApiSetupContext): Settings {
  const s = ctx.account.settings as unknown as Record<string, unknown>;
  if (s.tiktokMode !== undefined && s.tiktokMode !== 'direct' && s.tiktokMode !== 'inbox') ctx.log.warn({ tiktokMode: s.tiktokMode }, 'unknown tiktokMode: posting directly');
  const privacy = mostPublicFirst.find((p) => p === s.tiktokPrivacy);
  return { mode: s.tiktokMode === 'inbox' ? 'inbox' : 'direct', privacy, brandOrganic: s.tiktokBrandOrganic === true };
}

interface CreatorInfo {
  username?: string;
  privacyOptions: TikTokPrivacy[];
  commentDisabled: boolean;
  duetDisabled: boolean;
  stitchDisabled: boolean;
  maxSeconds?: number;
}

/**
 * creator_info/query before every post: the privacy options, the longest video she may post, and whether she can post
 * now (said with HTTP 200 and an error code). Inbox uploads need only video.upload: without video.publish they go on
 * without it.
 */
async function creatorInfo(session: Session, mode: TikTokMode): Promise<CreatorInfo | null> {
  const answer = await call(session, 'POST', '/v2/post/publish/creator_info/query/');
  if (!succeeded(answer)) {
    // The upload reference lists neither the daily post cap nor the active-user cap (its own limit is 5 pending
    // drafts), and needs no video.publish: only a ban stops a draft.
    const code = codeOf(answer);
    if (mode === 'inbox' && (code === 'scope_not_authorized' || code === 'spam_risk_too_many_posts' || code === 'reached_active_user_cap')) {
      session.ctx.log.info({ code }, 'creator_info/query refused; the inbox upload goes on without it');
      return null;
    }
    throw failure('creator_info/query', answer);
  }
  const d = answer.body.data ?? {};
  const options = Array.isArray(d.privacy_level_options) ? d.privacy_level_options.filter((p: unknown): p is TikTokPrivacy => mostPublicFirst.includes(p as TikTokPrivacy)) : [];
  return {
    username: typeof d.creator_username === 'string' && d.creator_username ? d.creator_username : undefined,
    privacyOptions: options,
    commentDisabled: d.comment_disabled === true,
    duetDisabled: d.duet_disabled === true,
    stitchDisabled: d.stitch_disabled === true,
    maxSeconds: typeof d.max_video_post_duration_sec === 'number' ? d.max_video_post_duration_sec : undefined,
  };
}

/** The account's privacy when TikTok offers it, else the most public offered; SELF_ONLY while the app is unaudited. */
function choosePrivacy(ctx: ApiSetupContext, settings: Settings, creator: CreatorInfo): TikTokPrivacy {
  const offered = creator.privacyOptions;
  if (!ctx.apps.apis.tiktok.appAudited) {
    if (!offered.includes('SELF_ONLY')) throw new PublishError('RejectedByPlatform', `TikTok offers this creator no SELF_ONLY (${offered.join(', ')}), the only privacy an unaudited app may post`);
    ctx.log.warn({ wanted: settings.privacy ?? null },
      'TIKTOK_APP_AUDITED is false: TikTok takes only SELF_ONLY direct posts from unaudited apps, so only the creator will see this post (use inbox mode, or get the app audited)');
    return 'SELF_ONLY';
  }
  if (settings.privacy && offered.includes(settings.privacy)) return settings.privacy;
  const best = mostPublicFirst.find((p) => offered.includes(p));
  if (!best) throw new PublishError('RejectedByPlatform', 'TikTok offered no privacy level for this creator');
  if (settings.privacy) ctx.log.warn({ wanted: settings.privacy, offered, using: best }, 'the account\'s TikTok privacy is not offered for this creator now: using the most public one offered');
  return best;
}

/** The media transfer guide's plan: a video under two chunks goes whole; otherwise the last chunk takes the trailing bytes. */
export function chunkPlan(size: number): { chunkSize: number; chunkCount: number } {
  const count = Math.floor(size / TIKTOK_CHUNK_BYTES);
  return count <= 1 ? { chunkSize: size, chunkCount: 1 } : { chunkSize: TIKTOK_CHUNK_BYTES, chunkCount: count };
}

const profileUrl = (username: string) => `https://www.tiktok.com/@${username}`;
const postUrl = (username: string, id: string) => `https://www.tiktok.com/@${username}/video/${id}`;

async function abandon(ctx: ApiDriverContext<TikTokCredentials>, progress: TikTokProgress, why: string): Promise<TikTokProgress> {
  ctx.log.info({ publishId: progress.publishId, why }, 'giving up a TikTok publish_id: the next init starts anew');
  const next = { ...progress, publishId: null, abandoned: `${progress.publishId}: ${why}` };
  await ctx.saveProgress(next);
  return next;
}

/** PUT of one chunk to the upload_url: not a user-token endpoint, so outside ctx.fetch's per-token budget. */
async function putChunk(url: string, headers: Record<string, string>, body: Buffer): Promise<Response> {
  try {
    return await fetch(url, { method: 'PUT', headers, body, signal: AbortSignal.timeout(mediaUploadTimeoutMs) });
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${mediaUploadTimeoutMs / 1000} s` : (error as Error).message;
    throw new PublishError('Retryable', `TikTok upload: ${reason}`);
  }
}

/**
 * Where TikTok's upload stands after a 416, from its `Content-Range: bytes 0-{N}/{total}` (the guide writes N as the
 * bytes uploaded, HTTP as the last byte's index: either way the whole chunks in are the same).
 */
function acknowledgedBytes(headers: Headers, progress: TikTokProgress): number | undefined {
  const match = /bytes\s+0-(\d+)\/(\d+)/.exec(headers.get('content-range') ?? '');
  if (!match) return undefined;
  const through = Number(match[1]) + 1;
  if (through >= progress.videoSize) return progress.videoSize;
  return Math.min(Math.floor(through / progress.chunkSize), progress.chunkCount - 1) * progress.chunkSize;
}

/** Sends the chunks TikTok does not have yet, in order, saving the progress after each one it takes. */
async function upload(session: Session, post: ApiPost, start: TikTokProgress): Promise<TikTokProgress> {
  const { ctx } = session;
  let progress = start;
  let resyncs = 0;
  const file = await open(post.videoPath, 'r');
  try {
    while (progress.bytesSent < progress.videoSize) {
      const offset = progress.bytesSent;
      const index = Math.floor(offset / progress.chunkSize);
      const length = index === progress.chunkCount - 1 ? progress.videoSize - offset : progress.chunkSize;
      const chunk = Buffer.alloc(length);
      const { bytesRead } = await file.read(chunk, 0, length, offset);
      if (bytesRead !== length) throw new PublishError('Retryable', `read ${bytesRead} of ${length} bytes of ${post.videoPath} at ${offset}`);
      // The last chunk makes TikTok start posting: from here an unknown outcome may be a post.
      if (offset + length === progress.videoSize) await ctx.step('submitting');
      const res = await putChunk(progress.uploadUrl, {
        'content-type': progress.contentType, 'content-length': String(length),
        'content-range': `bytes ${offset}-${offset + length - 1}/${progress.videoSize}`,
      }, chunk);
      const answer = await answerOf(res);
      if (res.status === 201 || res.status === 206) {
        progress = { ...progress, bytesSent: offset + length };
        await ctx.saveProgress(progress);
        continue;
      }
      if (res.status === 416 && resyncs++ < 3) {
        // Content-Range was not the upload's progress (a chunk TikTok took whose answer we lost): go on from where it is.
        const at = acknowledgedBytes(res.headers, progress);
        if (at === undefined) throw new PublishError('Retryable', `TikTok upload: HTTP 416 without the upload's progress (${reasonOf(answer)})`);
        ctx.log.info({ publishId: progress.publishId, from: offset, to: at }, 'TikTok has other bytes than we thought: resuming the upload where it stands');
        progress = { ...progress, bytesSent: at };
        await ctx.saveProgress(progress);
        continue;
      }
      if (res.status === 403 || res.status === 404) {
        // The upload_url expired (or TikTok lost the task): these bytes can never make a post, the next attempt starts anew.
        await abandon(ctx, progress, `upload_url answered HTTP ${res.status}`);
        await ctx.step('prepared');
        throw new PublishError('Retryable', `TikTok upload: HTTP ${res.status} (${res.status === 403 ? 'the upload URL expired' : 'no such upload task'}); nothing was posted, the next attempt uploads anew`);
      }
      if (res.status >= 500 || res.status === 429 || res.status === 408 || res.status === 416) {
        throw new PublishError('Retryable', `TikTok upload of chunk ${index + 1}/${progress.chunkCount}: HTTP ${res.status} ${reasonOf(answer)}`);
      }
      await abandon(ctx, progress, `upload_url answered HTTP ${res.status}`);
      await ctx.step('prepared');
      throw new PublishError('RejectedByPlatform', `TikTok refused chunk ${index + 1}/${progress.chunkCount}: HTTP ${res.status} ${reasonOf(answer)}`);
    }
    return progress;
  } finally {
    await file.close();
  }
}

interface PublishState {
  status: string;
  failReason?: string;
  postIds: string[];
  uploadedBytes: number;
}

/** status/fetch; `unknown` when TikTok has no such publish_id. */
async function statusOf(session: Session, publishId: string): Promise<PublishState | 'unknown'> {
  const answer = await call(session, 'POST', '/v2/post/publish/status/fetch/', { json: { publish_id: publishId } });
  if (codeOf(answer) === 'invalid_publish_id') return 'unknown';
  if (!succeeded(answer)) throw failure('status/fetch', answer);
  const d = answer.body.data ?? {};
  return {
    status: String(d.status ?? ''),
    failReason: typeof d.fail_reason === 'string' && d.fail_reason ? d.fail_reason : undefined,
    postIds: postIdsOf(answer.text),
    uploadedBytes: typeof d.uploaded_bytes === 'number' ? d.uploaded_bytes : 0,
  };
}

/** FAILED: what TikTok's fail_reason table says of it. The publish_id is spent either way. */
async function failed(session: Session, progress: TikTokProgress, state: PublishState): Promise<never> {
  const { ctx } = session;
  const reason = state.failReason ?? 'no fail_reason';
  await abandon(ctx, progress, `FAILED (${reason})`);
  await ctx.step('prepared');
  const why = `TikTok could not publish ${progress.publishId}: ${reason}`;
  switch (reason) {
    case 'file_format_check_failed': case 'duration_check_failed': case 'frame_rate_check_failed': case 'picture_size_check_failed':
      throw new PublishError('InvalidMedia', `${why} (TikTok takes MP4/WebM/MOV, H.264/H.265/VP8/VP9, 23–60 FPS, 360–4096 px a side)`);
    case 'internal': case 'video_pull_failed':
      throw new PublishError('Retryable', `${why} (TikTok calls this retryable: the next attempt posts anew)`);
    case 'auth_removed':
      throw new PublishError('SessionExpired', `${why}: the creator removed our app's access; reconnect the account`);
    case 'spam_risk_too_many_posts':
      throw new PublishError('DailyLimit', `${why} (too many API posts in 24 h)`, undefined, DAY_MS);
    case 'spam_risk_user_banned_from_posting':
      throw new PublishError('ActionBlocked', `${why} (TikTok banned the creator from posting)`);
    default:
      // spam_risk_text, spam_risk, publish_cancelled and anything new: "Retry should not be done".
      throw new PublishError('RejectedByPlatform', why);
  }
}

/**
 * Polls status/fetch until the publish settles: PUBLISH_COMPLETE (the post, with its id once a public post passed
 * moderation), SEND_TO_USER_INBOX (a draft), or FAILED. Polls are spaced (the per-account budget is 6 a minute) and
 * bounded; past the bound the attempt ends Retryable and the next one polls the same publish_id again.
 */
async function outcome(session: Session, progress: TikTokProgress, first?: PublishState): Promise<PostRef> {
  const { ctx } = session;
  const publishId = progress.publishId!;
  const pollMs = Math.min(10_000, Math.max(50, Math.round(ctx.timeoutMs / 3)));
  const deadline = Date.now() + 30 * pollMs;
  let state = first;
  for (;;) {
    if (!state) {
      const read = await statusOf(session, publishId);
      if (read === 'unknown') throw new PublishError('Unconfirmed', `TikTok no longer knows publish ${publishId} of @${progress.username}, whose upload was complete: check the profile, then retry or cancel`);
      state = read;
    }
    ctx.log.debug({ publishId, status: state.status, uploadedBytes: state.uploadedBytes }, 'TikTok publish status');
    if (state.status === 'FAILED') return failed(session, progress, state);
    if (state.status === 'SEND_TO_USER_INBOX') return { url: profileUrl(progress.username), externalId: publishId, draft: true };
    if (state.status === 'PUBLISH_COMPLETE') {
      const id = state.postIds[0];
      if (id) return { url: postUrl(progress.username, id), externalId: id };
      // Posted. TikTok names the post only once a post for public viewership passed moderation (usually within a
      // minute): wait for it a while for public posts; otherwise the profile stands in, and readMetrics asks again.
      if (progress.privacy !== 'PUBLIC_TO_EVERYONE' || Date.now() + pollMs > deadline) {
        ctx.log.info({ publishId, privacy: progress.privacy }, 'TikTok published the post without a public post id (not public, or still in moderation): the profile stands in for its URL');
        return { url: profileUrl(progress.username), externalId: publishId };
      }
    } else if (Date.now() + pollMs > deadline) {
      throw new PublishError('Retryable', `TikTok was still processing publish ${publishId} (${state.status}) after ${Math.round((30 * pollMs) / 1000)} s; the next attempt keeps polling it`);
    }
    state = undefined;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** A retry with a saved publish_id: status/fetch, not a second init. Null = that publish can never post: start anew. */
async function resume(session: Session, post: ApiPost, saved: TikTokProgress): Promise<PostRef | null> {
  const { ctx } = session;
  const size = (await stat(post.videoPath)).size;
  const state = await statusOf(session, saved.publishId!);
  const complete = saved.bytesSent >= saved.videoSize || (state !== 'unknown' && state.uploadedBytes >= saved.videoSize);
  ctx.log.info({ publishId: saved.publishId, status: state === 'unknown' ? 'unknown' : state.status, bytesSent: saved.bytesSent }, 'resuming the TikTok publish of an earlier attempt');
  if (state === 'unknown' || state.status === 'FAILED') {
    if (!complete) {
      // An upload that never got all its bytes cannot make a post (TikTok fails it once its upload_url expires).
      await abandon(ctx, saved, state === 'unknown' ? 'TikTok does not know it' : `FAILED (${state.failReason ?? 'no fail_reason'}) before the upload completed`);
      return null;
    }
    if (state === 'unknown') throw new PublishError('Unconfirmed', `TikTok no longer knows publish ${saved.publishId} of @${saved.username}, whose upload was complete: check the profile, then retry or cancel`);
    return failed(session, saved, state);
  }
  if (state.status === 'PROCESSING_UPLOAD' && !complete) {
    if (size !== saved.videoSize) {
      await abandon(ctx, saved, `the file is now ${size} bytes, not ${saved.videoSize}`);
      return null;
    }
    if (Date.now() - Date.parse(saved.uploadUrlIssuedAt) > UPLOAD_URL_USABLE_MS) {
      await abandon(ctx, saved, 'its upload_url (one hour) has expired before the upload completed');
      return null;
    }
    await ctx.step('uploading');
    return outcome(session, await upload(session, post, saved));
  }
  await ctx.step('submitting');
  return outcome(session, saved, state);
}

async function publishAnew(session: Session, post: ApiPost): Promise<PostRef> {
  const { ctx } = session;
  const settings = settingsOf(ctx);
  // Refusals we can tell before calling TikTok (nothing is posted: the step stays `prepared`).
  if (post.caption.length > TIKTOK_TITLE_MAX) throw new PublishError('RejectedByPlatform', `the TikTok caption has ${post.caption.length} UTF-16 characters; TikTok takes ${TIKTOK_TITLE_MAX}`);
  const tags = hashtagCount(post.caption);
  if (tags > TIKTOK_MAX_HASHTAGS) throw new PublishError('RejectedByPlatform', `the TikTok caption has ${tags} hashtags; we post at most ${TIKTOK_MAX_HASHTAGS}`);
  const size = (await stat(post.videoPath)).size;
  if (size > MAX_VIDEO_BYTES) throw new PublishError('InvalidMedia', `the video has ${size} bytes; TikTok takes at most 4 GB`);
  if (post.sensitive) ctx.log.warn({ publicationId: post.publicationId }, 'TikTok\'s API has no flag for sensitive content, and TikTok\'s guidelines forbid adult content: this post goes out unflagged');

  const creator = await creatorInfo(session, settings.mode);
  // An inbox upload may run 10 minutes whatever the creator's own limit: she trims it in the app if she must.
  const maxSeconds = settings.mode === 'inbox' ? INBOX_MAX_SECONDS : creator?.maxSeconds;
  if (maxSeconds !== undefined && post.media.durationSeconds > maxSeconds) {
    throw new PublishError('InvalidMedia', `the video lasts ${post.media.durationSeconds} s; TikTok lets this creator post at most ${maxSeconds} s`);
  }
  const username = creator?.username ?? session.creds.username;
  const { chunkSize, chunkCount } = chunkPlan(size);
  const sourceInfo = { source: 'FILE_UPLOAD', video_size: size, chunk_size: chunkSize, total_chunk_count: chunkCount };
  let privacy: TikTokPrivacy | null = null;
  let answer: Answer;
  if (settings.mode === 'direct') {
    privacy = choosePrivacy(ctx, settings, creator!);
    answer = await call(session, 'POST', '/v2/post/publish/video/init/', {
      json: {
        post_info: {
          title: post.caption, privacy_level: privacy,
          // The creator's own "No one" settings win (TikTok applies them anyway); otherwise interactions stay open.
          disable_comment: creator!.commentDisabled, disable_duet: creator!.duetDisabled, disable_stitch: creator!.stitchDisabled,
          brand_content_toggle: false, brand_organic_toggle: settings.brandOrganic, is_aigc: false,
        },
        source_info: sourceInfo,
      },
    });
  } else {
    // The upload endpoint takes only source_info: the caption reaches the creator with our notice.
    answer = await call(session, 'POST', '/v2/post/publish/inbox/video/init/', { json: { source_info: sourceInfo } });
  }
  const publishId = answer.body?.data?.publish_id;
  const uploadUrl = answer.body?.data?.upload_url;
  // A refusal here created nothing. A lost answer threw before this line: a publish TikTok may have opened then never
  // gets a byte, so it can never post.
  if (!succeeded(answer) || typeof publishId !== 'string' || typeof uploadUrl !== 'string') throw failure(settings.mode === 'direct' ? 'video/init' : 'inbox/video/init', answer);

  // Saved before the first byte: whatever happens next, a retry polls this publish_id instead of posting again.
  const progress: TikTokProgress = {
    publishId, mode: settings.mode, uploadUrl, uploadUrlIssuedAt: new Date().toISOString(),
    contentType: contentTypes[extname(post.videoPath).toLowerCase()] ?? 'video/mp4',
    videoSize: size, chunkSize, chunkCount, bytesSent: 0, privacy, username, abandoned: null,
  };
  await ctx.saveProgress(progress);
  await ctx.step('uploading');
  return outcome(session, await upload(session, post, progress));
}

/** The creator's latest public videos (Display API), looking for the marker in what TikTok gives of the caption. */
async function searchMarker(session: Session, marker: string): Promise<PostRef | null> {
  let cursor: number | undefined;
  for (let page = 0; page < 5; page++) {
    const answer = await call(session, 'POST', '/v2/video/list/', {
      query: { fields: 'id,title,video_description,create_time' }, json: { max_count: 20, ...(cursor !== undefined ? { cursor } : {}) },
    });
    if (!succeeded(answer)) throw failure('video/list', answer);
    const videos: any[] = Array.isArray(answer.body.data?.videos) ? answer.body.data.videos : [];
    const found = videos.find((v) => [v?.title, v?.video_description].some((t) => typeof t === 'string' && t.includes(marker)));
    if (found) return { url: postUrl(session.creds.username, String(found.id)), externalId: String(found.id) };
    if (answer.body.data?.has_more !== true || typeof answer.body.data?.cursor !== 'number') return null;
    cursor = answer.body.data.cursor;
  }
  return null;
}

function counter(video: Record<string, unknown>, name: string): number | null | undefined {
  if (!(name in video)) return undefined;
  const value = video[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

// ── The driver ───────────────────────────────────────────────────────────────────────────────────

export const tiktokDriver: ApiPlatformDriver<TikTokCredentials> = {
  kind: 'api',
  /**
   * Per account and endpoint as TikTok documents them (`tiktokEndpointLimits`); any other call of the driver takes from
   * the strictest, 6 a minute. Per app: the Display API's 600 per minute (https://developers.tiktok.com/doc/tiktok-api-v2-rate-limit).
   */
  rateLimits: {
    perAccount: { points: 6, durationSeconds: 60 },
    perApp: { points: 600, durationSeconds: 60 },
    perEndpoint: (url) => {
      const endpoint = Object.keys(tiktokEndpointLimits).find((path) => url.pathname.endsWith(path));
      return endpoint ? { endpoint, perAccount: { points: tiktokEndpointLimits[endpoint]!, durationSeconds: 60 } } : undefined;
    },
  },

  /** A pasted Login Kit refresh token (365 days): traded at once for an access token, and its owner looked up. */
  async acceptCredentials(ctx, body) {
    const { refreshToken } = body;
    if (typeof refreshToken !== 'string' || refreshToken.trim() === '') {
      throw new CredentialsRejected('refreshToken', 'refreshToken is required: a Login Kit refresh token (rft.…) issued to our TikTok app');
    }
    if (!ctx.apps.apis.tiktok.client?.clientSecret) throw new CredentialsRejected('platform', notConfigured);
    const { answer, tokens } = await tokenRequest(ctx, { grant_type: 'refresh_token', refresh_token: refreshToken.trim() });
    if (!tokens) rejectOrFail('refreshToken', 'token refresh', answer);
    return connected(ctx, tokens, 'refreshToken');
  },

  /** Authorization code (+ the PKCE verifier) → tokens, checked for the scopes posting needs. */
  async exchangeCode(ctx, exchange: OAuthExchange) {
    if (!ctx.apps.apis.tiktok.client?.clientSecret) throw new CredentialsRejected('platform', notConfigured);
    const { answer, tokens } = await tokenRequest(ctx, {
      grant_type: 'authorization_code', code: exchange.code, redirect_uri: exchange.redirectUri, code_verifier: exchange.codeVerifier,
    });
    if (!tokens) rejectOrFail('code', 'code exchange', answer);
    const granted = typeof tokens.scope === 'string' ? tokens.scope.split(',').map((s) => s.trim()) : [];
    if (!granted.includes('user.info.basic') || !granted.some((s) => s === 'video.publish' || s === 'video.upload')) {
      throw new CredentialsRejected('code', `TikTok granted only ${granted.join(', ') || 'nothing'}: authorize again allowing ${tiktokScopes.join(', ')}`);
    }
    if (!granted.includes('video.list')) ctx.log.warn('TikTok granted no video.list: no counters and no marker search for this account');
    return connected(ctx, tokens, 'code');
  },

  /** grant_type=refresh_token; invalid_grant (revoked, expired after 365 days, another client's) → SessionExpired. */
  async refresh(ctx, credentials) {
    if (!ctx.apps.apis.tiktok.client?.clientSecret) throw new PublishError('SessionExpired', `${notConfigured}, so TikTok tokens cannot be refreshed`);
    const { answer, tokens } = await tokenRequest(ctx, { grant_type: 'refresh_token', refresh_token: credentials.refreshToken });
    if (tokens) return { ...credentials, ...tokensToCredentials(tokens, credentials) };
    const code = codeOf(answer);
    if (code === 'invalid_grant') throw new PublishError('SessionExpired', `TikTok refused the refresh token of @${credentials.username} (${reasonOf(answer)}): reconnect the account`);
    if (code === 'invalid_client' || code === 'unauthorized_client') {
      throw new PublishError('RejectedByPlatform', `TikTok refused our client (${reasonOf(answer)}): check TIKTOK_CLIENT_KEY and TIKTOK_CLIENT_SECRET`);
    }
    throw failure('token refresh', answer);
  },

  async checkSession(ctx): Promise<SessionState> {
    let session: Session;
    let answer: Answer;
    try {
      session = await startSession(ctx);
      answer = await call(session, 'GET', '/v2/user/info/', { query: { fields: 'open_id' } });
    } catch (error) {
      if (error instanceof PublishError && error.type === 'SessionExpired') return 'logged_out';
      ctx.log.warn({ err: error }, 'could not ask TikTok whether the token works');
      return 'unknown';
    }
    if (succeeded(answer)) {
      if (answer.body?.data?.user?.open_id === session.creds.openId) return 'logged_in';
      ctx.log.warn({ expected: session.creds.openId, got: answer.body?.data?.user?.open_id }, 'the stored TikTok token belongs to another account');
      return 'logged_out';
    }
    if (answer.status === 401) return 'logged_out';
    ctx.log.warn({ status: answer.status, reason: reasonOf(answer) }, 'TikTok answered the token check with neither yes nor no');
    return 'unknown';
  },

  async publish(ctx, post): Promise<PostRef> {
    const session = await startSession(ctx);
    const saved = await ctx.progress<TikTokProgress>();
    if (saved?.publishId) {
      const resumed = await resume(session, post, saved);
      if (resumed) return resumed;
    }
    return publishAnew(session, post);
  },

  /**
   * With a saved publish_id, its status tells (published, a draft, or not yet: then publish() resumes it). Without
   * one, the creator's public videos are searched for the marker.
   */
  async findByMarker(ctx, post) {
    const session = await startSession(ctx);
    const saved = await ctx.progress<TikTokProgress>();
    if (saved?.publishId) {
      // publish() resumes this very publish_id, so a look-up that fails for now risks no second post: say "not found".
      const state = await statusOf(session, saved.publishId).catch((error: unknown) => {
        if (error instanceof PublishError && error.type === 'Retryable') {
          ctx.log.warn({ publishId: saved.publishId, err: error }, 'could not read the saved TikTok publish now: publish() resumes it');
          return 'unknown' as const;
        }
        throw error;
      });
      if (state === 'unknown') return null;
      if (state.status === 'SEND_TO_USER_INBOX') return { url: profileUrl(saved.username), externalId: saved.publishId, draft: true };
      if (state.status === 'PUBLISH_COMPLETE') {
        const id = state.postIds[0];
        return id ? { url: postUrl(saved.username, id), externalId: id } : { url: profileUrl(saved.username), externalId: saved.publishId };
      }
      return null;
    }
    return searchMarker(session, post.marker);
  },

  /**
   * video/query: view_count, like_count, comment_count, share_count. A post known only by its publish_id (a draft, or
   * one without a public id yet) is looked up by status/fetch first; while TikTok names no post there are no counters.
   */
  async readMetrics(ctx, ref): Promise<MetricsRead> {
    const session = await startSession(ctx);
    let id = ref.externalId;
    if (!/^\d+$/.test(id)) {
      const state = await statusOf(session, id);
      if (state !== 'unknown' && state.status === 'FAILED') throw new PublishError('PostUnavailable', `TikTok says publish ${id} failed (${state.failReason ?? 'no fail_reason'})`);
      const found = state === 'unknown' ? undefined : state.postIds[0];
      if (!found) {
        ctx.log.info({ publishId: id, status: state === 'unknown' ? 'unknown' : state.status }, 'TikTok names no public post for this publish yet: no counters');
        return {};
      }
      id = found;
    }
    const answer = await call(session, 'POST', '/v2/video/query/', {
      query: { fields: 'id,view_count,like_count,comment_count,share_count' }, json: { filters: { video_ids: [id] } },
    });
    if (!succeeded(answer)) throw failure('video/query', answer);
    const videos: Record<string, unknown>[] = Array.isArray(answer.body.data?.videos) ? answer.body.data.videos : [];
    const video = videos.find((v) => String(v.id) === id);
    if (!video) throw new PublishError('PostUnavailable', `TikTok returns no video ${id} of @${session.creds.username} (deleted, or no longer theirs)`);
    const read: MetricsRead = {};
    const pairs: [keyof MetricsRead, string][] = [['views', 'view_count'], ['likes', 'like_count'], ['comments', 'comment_count'], ['shares', 'share_count']];
    for (const [ours, theirs] of pairs) {
      const value = counter(video, theirs);
      if (value !== undefined) read[ours] = value;
    }
    return read;
  },
};
