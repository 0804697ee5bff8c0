/**
 * Instagram Reels through Meta's Instagram API with Instagram Login (graph.instagram.com, INSTAGRAM_GRAPH_ROOT),
 * plain `fetch` through `ctx.fetch`: Meta has no maintained Node SDK for the Instagram Platform, and the calls are few.
 *
 * Connecting a professional account (Business or Creator): Business Login for Instagram (the code is traded at
 * INSTAGRAM_TOKEN_URL for a one-hour token, then for a 60-day one with grant_type=ig_exchange_token), or the
 * credentials body `{ accessToken, igUserId?, expiresAt? }` of a token made in the App Dashboard. A long-lived token
 * is refreshed by itself (GET /refresh_access_token, grant_type=ig_refresh_token, once it is a day old and before it
 * expires), so `refreshToken` holds the same token; every publish and session check refreshes one with less than 30
 * days left, so an account used at least monthly never expires. OAuthException 190 means the token is dead:
 * SessionExpired.
 *
 * Publishing (https://developers.facebook.com/docs/instagram-platform/content-publishing):
 * 1. content_publishing_limit is read before each post; at the limit (50 API posts per moving 24 h) the attempt is
 *    refused before anything is uploaded: QuotaExhausted until the oldest counted post leaves the window, so the
 *    publication is held with the reason and published then by itself. Not DailyLimit: that pauses the account,
 *    while here the account is fine and the post only has to wait.
 * 2. A REELS container with upload_type=resumable; its id is saved (ctx.saveProgress) before the video goes out.
 * 3. The video goes to the container's `uri` (rupload.facebook.com) with `Authorization: OAuth`, `offset` and
 *    `file_size`: our server pushes the bytes, so it works behind NAT. When Meta refuses resumable uploads for the
 *    account (its docs reserve them to Facebook Login apps), the driver remembers it in the credentials and hands
 *    Meta a signed URL under PUBLIC_URL that expires and serves only that publication's variant (`video_url`).
 * 4. The container's status_code is polled with backoff (Meta: at most once a minute, for five minutes) until
 *    FINISHED; ERROR is RejectedByPlatform with Meta's reason (a transient subcode starts over with a new container).
 * 5. media_publish.
 *
 * Exactly once: the container id is recorded before the upload, so a retry after a crash publishes the same container
 * (FINISHED: published; IN_PROGRESS: polled; EXPIRED, ERROR or never uploaded: a new one). A container whose
 * status_code is PUBLISHED was published by an earlier attempt whose answer never came: the driver finds that media by
 * the marker the caption ends with (the account's recent media) instead of publishing again, and it searches the same
 * way before any media_publish once one has been sent for this publication.
 */
import { instagramVideoSignature, verifyInstagramVideoSignature } from '../../../crypto/media-url.js';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { PublishError } from '../errors.js';
import {
  CredentialsRejected, type ApiApps, type ApiCredentials, type ApiDriverContext, type ApiPlatformDriver, type ApiPost, type ApiSetupContext,
  type DriverProgress, type OAuthExchange,
} from './api-types.js';
import { httpFailure, mediaUploadTimeoutMs } from './http.js';
import type { MetricsRead, PostRef, SessionState } from './types.js';

export interface InstagramCredentials extends ApiCredentials {
  accessToken: string;
  /** Instagram Login: the long-lived token itself (it is what refresh_access_token takes); unset = cannot be refreshed. */
  refreshToken?: string;
  expiresAt?: string;
  /** When the token was obtained or last refreshed (Meta refreshes only tokens at least 24 hours old). */
  refreshedAt?: string;
  /** The professional account's IG_ID, used in every path. */
  igUserId: string;
  username?: string;
  /** `video_url` once Meta refused resumable uploads for this account. */
  upload?: 'resumable' | 'video_url';
}

/** Scopes the driver needs (Business Login for Instagram): the profile and its media, and publishing. */
export const instagramScopes = ['instagram_business_basic', 'instagram_business_content_publish'];

/** Caption limits of POST /<IG_ID>/media (reference/ig-user/media). */
export const INSTAGRAM_CAPTION_MAX = 2200;
export const INSTAGRAM_HASHTAGS_MAX = 30;
export const INSTAGRAM_MENTIONS_MAX = 20;
/** Reels specifications of the same reference: 3 s to 15 min, at most 300 MB (read as 300,000,000 bytes, the stricter). */
export const REELS_MIN_SECONDS = 3;
export const REELS_MAX_SECONDS = 15 * 60;
export const REELS_MAX_BYTES = 300_000_000;
/** Read size when streaming a video from disk. */
const UPLOAD_READ_BYTES = 1 << 20;
export const REELS_MAX_WIDTH = 1920;

/** How long a signed video URL lives: Meta fetches it while the container is processed, within minutes. */
const VIDEO_URL_TTL_MS = 2 * 3_600_000;
/** A token with less than this left is refreshed on use (long-lived tokens last 60 days). */
const REFRESH_WHEN_LEFT_MS = 30 * 86_400_000;
const REFRESH_MIN_AGE_MS = 86_400_000;
/** Pages of recent media a marker search reads (50 each). */
const MARKER_SEARCH_PAGES = 2;
/** Subcodes after which Meta says to try again with a new container (reference/error-codes). */
const START_OVER_SUBCODES = [2207001, 2207003, 2207020, 2207032, 2207053];
/** Subcodes that say the file itself is the problem. */
const INVALID_MEDIA_SUBCODES = [2207026, 2207009, 2207057];
const THROTTLE_CODES = [4, 17, 32, 613, 80001, 80002];

export interface InstagramPolling {
  /** First wait before polling a container again. */
  firstMs: number;
  factor: number;
  /** Longest wait between two polls (Meta: once a minute). */
  maxMs: number;
  /** How long one attempt polls before giving the attempt back (the container is kept; Meta: five minutes). */
  limitMs: number;
}

export const defaultInstagramPolling: InstagramPolling = { firstMs: 5_000, factor: 2, maxMs: 60_000, limitMs: 5 * 60_000 };

/**
 * The apps as the driver reads them: `mediaUrlKey` (an HMAC key for signed media URLs, e.g. derived from
 * AUTH_ENCRYPTION_KEY) is only needed for the `video_url` way.
 */
export type InstagramApps = ApiApps & { mediaUrlKey?: Buffer };

/** The publication's resume state (ctx.saveProgress). `containerId: null` = start over. */
interface InstagramProgress extends DriverProgress {
  /** Whose state this is (a state of another publication is never resumed). */
  publicationId: string;
  containerId: string | null;
  way: 'resumable' | 'video_url';
  /** The container has its bytes (rupload said so, or Meta fetches video_url itself). */
  uploaded: boolean;
  createdAt: number;
  /** media_publish was sent at least once for this publication. */
  publishSent: boolean;
}

// ── Signed video URLs (the lead's route serves them) ───────────────────────────────────────────

/** The path under PUBLIC_URL that serves one publication's Instagram variant until `expiresAt` (Unix seconds). */
export function instagramVideoUrlPath(publicationId: string, expiresAt: number, signature: string): string {
  return `/media/instagram/${encodeURIComponent(publicationId)}/${expiresAt}/${signature}.mp4`;
}

export { instagramVideoSignature, verifyInstagramVideoSignature };

export function signedInstagramVideoUrl(publicUrl: string, key: Buffer, publicationId: string, now = Date.now()): string {
  const expiresAt = Math.floor((now + VIDEO_URL_TTL_MS) / 1000);
  return `${publicUrl.replace(/\/+$/, '')}${instagramVideoUrlPath(publicationId, expiresAt, instagramVideoSignature(key, publicationId, expiresAt))}`;
}

// ── Captions (pure) ────────────────────────────────────────────────────────────────────────────

export function instagramCaptionProblems(caption: string): string[] {
  const problems: string[] = [];
  const length = [...caption].length;
  if (length > INSTAGRAM_CAPTION_MAX) problems.push(`${length} characters (Instagram takes ${INSTAGRAM_CAPTION_MAX})`);
  const hashtags = (caption.match(/(^|[^\p{L}\p{N}_&])#[\p{L}\p{N}_]+/gu) ?? []).length;
  if (hashtags > INSTAGRAM_HASHTAGS_MAX) problems.push(`${hashtags} hashtags (Instagram takes ${INSTAGRAM_HASHTAGS_MAX})`);
  const mentions = (caption.match(/(^|[^\w])@[\w.]+/g) ?? []).length;
  if (mentions > INSTAGRAM_MENTIONS_MAX) problems.push(`${mentions} @-mentions (Instagram takes ${INSTAGRAM_MENTIONS_MAX})`);
  return problems;
}

// ── Answers ──────────────────────────────────────────────────────────────────────────────────

interface Answer {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

interface GraphErrorBody {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  is_transient?: boolean;
  error_user_title?: string;
  error_user_msg?: string;
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

function graphErrorOf(answer: Answer): GraphErrorBody | undefined {
  const error = answer.body?.error;
  return error && typeof error === 'object' ? error as GraphErrorBody : undefined;
}

/** Meta's own words: the user message, the error message, code and subcode; rupload's debug_info; the login error. */
function reasonOf(answer: Answer): string {
  const e = graphErrorOf(answer);
  if (e) {
    const words = [...new Set([e.error_user_msg, e.message].filter((w): w is string => typeof w === 'string' && w.length > 0))].join(': ');
    const codes = [e.code !== undefined ? `code ${e.code}` : '', e.error_subcode !== undefined ? `subcode ${e.error_subcode}` : ''].filter(Boolean).join(', ');
    return `${words || 'no reason given'}${codes ? ` (${codes})` : ''}`;
  }
  const debug = answer.body?.debug_info;
  if (debug && typeof debug.message === 'string') return `${debug.type ? `${debug.type}: ` : ''}${debug.message}`;
  if (typeof answer.body?.error_message === 'string') return answer.body.error_message;
  return answer.text.slice(0, 200) || 'no reason given';
}

const isTokenError = (answer: Answer) => graphErrorOf(answer)?.code === 190;

/**
 * How long a throttled account or app must wait: the Business Use Case header's estimated_time_to_regain_access
 * (minutes), else an hour when X-App-Usage says the app's hourly budget is spent, else five minutes.
 */
export function instagramThrottleWaitMs(headers: Headers): number {
  try {
    const usage = JSON.parse(headers.get('x-business-use-case-usage') ?? '{}') as Record<string, { estimated_time_to_regain_access?: number }[]>;
    const minutes = Object.values(usage).flat().map((u) => Number(u?.estimated_time_to_regain_access ?? 0)).filter((m) => Number.isFinite(m));
    if (minutes.length > 0 && Math.max(...minutes) > 0) return Math.max(...minutes) * 60_000;
  } catch {
    // An unreadable header says nothing: fall through.
  }
  try {
    const app = JSON.parse(headers.get('x-app-usage') ?? '{}') as Record<string, number>;
    if (Object.values(app).some((pct) => Number(pct) >= 100)) return 3_600_000;
  } catch {
    // Same.
  }
  return 5 * 60_000;
}

/** A failed Graph answer as a typed error (Meta's codes first, then the HTTP status). */
function failure(where: string, answer: Answer): PublishError {
  const e = graphErrorOf(answer);
  const reason = reasonOf(answer);
  const say = (type: ConstructorParameters<typeof PublishError>[0], advice = '', retryAfterMs?: number) =>
    new PublishError(type, `Instagram ${where}: ${reason}${advice}`, undefined, retryAfterMs);
  if (e?.code === 190) return say('SessionExpired', '; reconnect the account');
  if (e?.code === 10 || (e?.code !== undefined && e.code >= 200 && e.code < 300)) {
    return say('SessionExpired', `; reconnect the account granting ${instagramScopes.join(', ')}`);
  }
  if ((e?.code !== undefined && THROTTLE_CODES.includes(e.code)) || answer.status === 429) {
    const wait = instagramThrottleWaitMs(answer.headers);
    return say('Retryable', `; throttled, retry in ${Math.ceil(wait / 60_000)} min`, wait);
  }
  if (e?.error_subcode === 2207051) return say('ActionBlocked', '; Instagram restricts this activity on the account');
  if (e?.error_subcode === 2207050) return say('Challenge', '; the account is inactive, checkpointed or restricted: open Instagram to resolve it');
  if (e?.error_subcode !== undefined && INVALID_MEDIA_SUBCODES.includes(e.error_subcode)) return say('InvalidMedia');
  if (e?.is_transient || e?.code === 1 || e?.code === 2 || e?.code === -1 || e?.code === -2 || answer.status >= 500) return say('Retryable');
  if (!e) return httpFailure('Instagram', where, answer.status, reason);
  return say('RejectedByPlatform');
}

// ── Calls ────────────────────────────────────────────────────────────────────────────────────

interface Session {
  ctx: ApiDriverContext<InstagramCredentials>;
  creds: InstagramCredentials;
}

interface CallOptions {
  query?: Record<string, string>;
  form?: Record<string, string>;
}

const graphRootOf = (ctx: ApiSetupContext) => ctx.apps.apis.instagram.graphRoot;

function graphUrl(ctx: ApiSetupContext, path: string, query?: Record<string, string>, versioned = true): string {
  const { graphRoot, graphVersion } = ctx.apps.apis.instagram;
  const url = new URL(`${graphRoot}${versioned ? `/${graphVersion}` : ''}${path}`);
  for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, value);
  return url.toString();
}

async function send(ctx: ApiSetupContext, token: string, method: string, path: string, opts: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  let body: string | undefined;
  if (opts.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(opts.form).toString();
  }
  return answerOf(await ctx.fetch(graphUrl(ctx, path, opts.query), { method, headers, body }));
}

/**
 * One authenticated call. OAuthException 190 to a token we thought valid gets one refresh through the context (it
 * re-reads a token another worker refreshed meanwhile) and one more try; a token Meta has killed cannot be refreshed,
 * so that ends in SessionExpired.
 */
async function call(session: Session, method: string, path: string, opts: CallOptions = {}): Promise<Answer> {
  const first = await send(session.ctx, session.creds.accessToken, method, path, opts);
  if (!isTokenError(first)) return first;
  session.ctx.log.info({ path, reason: reasonOf(first) }, 'Instagram refused the token: refreshing it once');
  session.creds = await session.ctx.refreshCredentials();
  return send(session.ctx, session.creds.accessToken, method, path, opts);
}

/** Whether Instagram Login's refresh applies: Facebook Login tokens (graph.facebook.com) have other rules. */
const isInstagramLogin = (ctx: ApiSetupContext) => !/(^|\.)graph\.facebook\.com$/i.test(new URL(graphRootOf(ctx)).hostname);

function refreshDue(ctx: ApiSetupContext, creds: InstagramCredentials, now = Date.now()): boolean {
  if (!creds.refreshToken || !isInstagramLogin(ctx)) return false;
  const left = creds.expiresAt ? Date.parse(creds.expiresAt) - now : -1;
  const age = creds.refreshedAt ? now - Date.parse(creds.refreshedAt) : Infinity;
  return (creds.expiresAt === undefined || left < REFRESH_WHEN_LEFT_MS) && age >= REFRESH_MIN_AGE_MS;
}

/** The account's credentials, refreshed (and saved) first when the long-lived token is past its half-life. */
async function startSession(ctx: ApiDriverContext<InstagramCredentials>): Promise<Session> {
  let creds = await ctx.credentials();
  if (refreshDue(ctx, creds)) {
    try {
      creds = await ctx.refreshCredentials();
    } catch (error) {
      if (error instanceof PublishError && error.type === 'SessionExpired') throw error;
      // The token still works for days: a refresh that failed for now is tried again next time.
      ctx.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not refresh the Instagram token ahead of its expiry');
    }
  }
  return { ctx, creds };
}

// ── Tokens ───────────────────────────────────────────────────────────────────────────────────

interface TokenAnswer {
  access_token?: string;
  expires_in?: number;
}

const expiresAtOf = (seconds: unknown, now = Date.now()) => (typeof seconds === 'number' && seconds > 0 ? new Date(now + seconds * 1000).toISOString() : undefined);

/** GET /refresh_access_token (grant_type=ig_refresh_token): 60 more days for a token at least a day old. */
async function refreshToken(ctx: ApiSetupContext, token: string): Promise<{ answer: Answer; tokens?: TokenAnswer }> {
  const url = graphUrl(ctx, '/refresh_access_token', { grant_type: 'ig_refresh_token', access_token: token }, false);
  const answer = await answerOf(await ctx.fetch(url));
  return { answer, tokens: answer.status === 200 && typeof answer.body?.access_token === 'string' ? answer.body as TokenAnswer : undefined };
}

interface Profile {
  igUserId: string;
  username?: string;
  accountType?: string;
}

/** Who a bare token belongs to: GET /<IG_ID> when the id is known, else GET /me (user_id is the IG_ID). */
async function profileOf(ctx: ApiSetupContext, token: string, igUserId?: string): Promise<{ answer: Answer; profile?: Profile }> {
  const answer = igUserId
    ? await send(ctx, token, 'GET', `/${encodeURIComponent(igUserId)}`, { query: { fields: 'id,username' } })
    : await send(ctx, token, 'GET', '/me', { query: { fields: 'user_id,username,account_type' } });
  const b = answer.body;
  const id = igUserId ? b?.id : b?.user_id ?? b?.id;
  if (answer.status !== 200 || (typeof id !== 'string' && typeof id !== 'number')) return { answer };
  return { answer, profile: { igUserId: String(id), username: typeof b.username === 'string' ? b.username : undefined, accountType: typeof b.account_type === 'string' ? b.account_type : undefined } };
}

/** A refusal of the admin's input names the field; throttling and Meta's own failures stay retryable errors. */
function rejectOrFail(field: string, where: string, answer: Answer): never {
  const error = failure(where, answer);
  if (error.type === 'Retryable') throw error;
  throw new CredentialsRejected(field, `Instagram refused the ${field} (${where}: ${reasonOf(answer)})`);
}

// ── Publishing helpers ───────────────────────────────────────────────────────────────────────

async function publishingLimit(session: Session): Promise<{ usage: number; total: number; durationSeconds: number }> {
  const answer = await call(session, 'GET', `/${session.creds.igUserId}/content_publishing_limit`, { query: { fields: 'config,quota_usage' } });
  const entry = answer.body?.data?.[0];
  if (answer.status !== 200 || typeof entry?.quota_usage !== 'number') throw failure('content_publishing_limit', answer);
  return { usage: entry.quota_usage, total: Number(entry.config?.quota_total ?? 50), durationSeconds: Number(entry.config?.quota_duration ?? 86_400) };
}

/**
 * When the moving window frees a post: the window holds `usage` posts, so the (usage − total + 1)-th oldest of the
 * account's recent media leaving it makes room (media posted outside the API make this an estimate). An hour when
 * the media cannot be read.
 */
async function quotaWaitMs(session: Session, limit: { usage: number; total: number; durationSeconds: number }, now = Date.now()): Promise<number> {
  const windowMs = limit.durationSeconds * 1000;
  try {
    const answer = await call(session, 'GET', `/${session.creds.igUserId}/media`, { query: { fields: 'id,timestamp', limit: String(Math.min(100, limit.usage + 10)) } });
    if (answer.status === 200 && Array.isArray(answer.body?.data)) {
      const inWindow = (answer.body.data as { timestamp?: string }[])
        .map((m) => Date.parse(String(m.timestamp ?? '').replace(/\+0000$/, 'Z')))
        .filter((t) => Number.isFinite(t) && t > now - windowMs)
        .sort((a, b) => a - b);
      const freeing = inWindow[Math.max(0, limit.usage - limit.total)] ?? inWindow[0];
      if (freeing !== undefined) return Math.min(windowMs, Math.max(60_000, freeing + windowMs - now + 60_000));
    }
  } catch (error) {
    session.ctx.log.warn({ err: (error as Error).message }, 'could not read the media to tell when the publishing limit frees');
  }
  return 3_600_000;
}

/** The account's most recent media carrying the marker, as a post reference. */
async function searchMarker(session: Session, marker: string): Promise<PostRef | null> {
  let after: string | undefined;
  for (let page = 0; page < MARKER_SEARCH_PAGES; page++) {
    const answer = await call(session, 'GET', `/${session.creds.igUserId}/media`, {
      query: { fields: 'id,caption,permalink,timestamp', limit: '50', ...(after ? { after } : {}) },
    });
    if (answer.status !== 200 || !Array.isArray(answer.body?.data)) throw failure('GET /<IG_ID>/media', answer);
    const found = (answer.body.data as { id: string; caption?: string; permalink?: string }[]).find((m) => typeof m.caption === 'string' && m.caption.includes(marker));
    if (found) return { url: found.permalink ?? profileUrl(session.creds), externalId: String(found.id) };
    after = answer.body.paging?.next ? answer.body.paging?.cursors?.after : undefined;
    if (!after) return null;
  }
  return null;
}

const profileUrl = (creds: InstagramCredentials) => (creds.username ? `https://www.instagram.com/${creds.username}/` : 'https://www.instagram.com/');

type ContainerStatus = { code: 'IN_PROGRESS' | 'FINISHED' | 'ERROR' | 'EXPIRED' | 'PUBLISHED' | 'GONE'; status: string };

async function containerStatus(session: Session, containerId: string): Promise<ContainerStatus> {
  const answer = await call(session, 'GET', `/${containerId}`, { query: { fields: 'status_code,status' } });
  const e = graphErrorOf(answer);
  // A container Meta no longer knows (deleted after 24 h): the same as expired.
  if (e && (e.error_subcode === 33 || e.code === 24 || e.error_subcode === 2207008)) return { code: 'GONE', status: reasonOf(answer) };
  const code = answer.body?.status_code;
  if (answer.status !== 200 || !['IN_PROGRESS', 'FINISHED', 'ERROR', 'EXPIRED', 'PUBLISHED'].includes(code)) throw failure(`GET container ${containerId}`, answer);
  return { code, status: typeof answer.body.status === 'string' ? answer.body.status : '' };
}

/** Meta's reason for a container in ERROR, and whether it says to try again with a new container. */
function containerError(status: string): { reason: string; startOver: boolean; invalidMedia: boolean } {
  const subcode = Number(/\b(2207\d{3})\b/.exec(status)?.[1]);
  return { reason: status || 'no reason given', startOver: START_OVER_SUBCODES.includes(subcode), invalidMedia: INVALID_MEDIA_SUBCODES.includes(subcode) };
}

/** Where the bytes go: the container's `uri` when it names Meta's upload host or our configured root, else derived. */
export function instagramUploadUrl(apis: Pick<ApiApps['apis'], 'instagram'>, containerId: string, uri?: unknown): string {
  const { graphRoot, graphVersion } = apis.instagram;
  const graphHost = new URL(graphRoot).hostname;
  const metaRoot = /(^|\.)(instagram|facebook)\.com$/i.test(graphHost);
  const uploadOrigin = metaRoot ? 'https://rupload.facebook.com' : new URL(graphRoot).origin;
  if (typeof uri === 'string') {
    try {
      const given = new URL(uri);
      // The token travels with the bytes: only to Meta's upload host or to the root we were configured with.
      if (given.origin === uploadOrigin || given.origin === new URL(graphRoot).origin) return given.toString();
    } catch {
      // Not a URL: derive it.
    }
  }
  return `${uploadOrigin}/ig-api-upload/${graphVersion}/${encodeURIComponent(containerId)}`;
}

/**
 * POST the whole file to rupload, streamed from disk in 1 MiB reads (twice the throughput of the default 64 KiB).
 * `redirect: 'error'`: otherwise undici keeps every streamed byte to replay the body after a redirect
 * (nodejs/undici#4058), so a 300 MB reel would sit in memory; rupload never redirects.
 */
async function uploadBytes(session: Session, uploadUrl: string, post: ApiPost, size: number): Promise<void> {
  const attempt = () => session.ctx.fetch(uploadUrl, {
    method: 'POST',
    redirect: 'error',
    headers: {
      authorization: `OAuth ${session.creds.accessToken}`, offset: '0', file_size: String(size),
      'content-type': 'application/octet-stream', 'content-length': String(size),
    },
    body: Readable.toWeb(createReadStream(post.videoPath, { highWaterMark: UPLOAD_READ_BYTES })) as ReadableStream<Uint8Array>,
    duplex: 'half',
  } as RequestInit, { timeoutMs: mediaUploadTimeoutMs }).then(answerOf);
  let answer = await attempt();
  if (answer.status === 401 || isTokenError(answer)) {
    session.creds = await session.ctx.refreshCredentials();
    answer = await attempt();
  }
  if (answer.status !== 200 || answer.body?.success !== true) throw failure('video upload', answer);
}

type Way = InstagramProgress['way'];

/** Creates the REELS container (resumable, or video_url where Meta refuses that) and gets the video into it. */
async function createAndUpload(session: Session, post: ApiPost, size: number): Promise<InstagramProgress> {
  const { ctx } = session;
  const base = { media_type: 'REELS', caption: post.caption, share_to_feed: 'true' };
  let way: Way = session.creds.upload ?? 'resumable';
  if (way === 'resumable') {
    const answer = await call(session, 'POST', `/${session.creds.igUserId}/media`, { form: { ...base, upload_type: 'resumable' } });
    const e = graphErrorOf(answer);
    if (answer.status !== 200 && e?.code === 100 && /upload_type/i.test(`${e.message ?? ''} ${e.error_user_msg ?? ''}`)) {
      ctx.log.warn({ reason: reasonOf(answer) }, 'Instagram refuses resumable uploads for this account: it will fetch the video from a signed URL');
      session.creds = { ...session.creds, upload: 'video_url' };
      await ctx.saveCredentials(session.creds);
      way = 'video_url';
    } else {
      const id = answer.body?.id;
      if (answer.status !== 200 || (typeof id !== 'string' && typeof id !== 'number')) throw failure('create container', answer);
      const progress: InstagramProgress = { publicationId: post.publicationId, containerId: String(id), way, uploaded: false, createdAt: Date.now(), publishSent: false };
      await ctx.saveProgress(progress);
      await uploadBytes(session, instagramUploadUrl(ctx.apps.apis, String(id), answer.body.uri), post, size);
      const uploaded = { ...progress, uploaded: true };
      await ctx.saveProgress(uploaded);
      return uploaded;
    }
  }
  const key = (ctx.apps as InstagramApps).mediaUrlKey;
  if (!key) {
    throw new PublishError('RejectedByPlatform', 'Instagram refuses resumable uploads for this account and this server signs no media URLs (mediaUrlKey unset), so Instagram cannot fetch the video');
  }
  const videoUrl = signedInstagramVideoUrl(ctx.apps.publicUrl, key, post.publicationId);
  const answer = await call(session, 'POST', `/${session.creds.igUserId}/media`, { form: { ...base, video_url: videoUrl } });
  const id = answer.body?.id;
  if (answer.status !== 200 || (typeof id !== 'string' && typeof id !== 'number')) throw failure('create container', answer);
  const progress: InstagramProgress = { publicationId: post.publicationId, containerId: String(id), way: 'video_url', uploaded: true, createdAt: Date.now(), publishSent: false };
  await ctx.saveProgress(progress);
  return progress;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until FINISHED; anything else ends the wait with what the publish step must do next. */
async function waitForContainer(session: Session, containerId: string, polling: InstagramPolling): Promise<ContainerStatus> {
  const deadline = Date.now() + polling.limitMs;
  let waitMs = polling.firstMs;
  for (;;) {
    const status = await containerStatus(session, containerId);
    if (status.code !== 'IN_PROGRESS') return status;
    if (Date.now() + waitMs > deadline) {
      throw new PublishError('Retryable', `Instagram was still processing container ${containerId} after ${Math.round(polling.limitMs / 1000)} s; the next attempt polls it again`, undefined, polling.maxMs);
    }
    await sleep(waitMs);
    waitMs = Math.min(Math.round(waitMs * polling.factor), polling.maxMs);
  }
}

async function permalinkOf(session: Session, mediaId: string): Promise<string> {
  try {
    const answer = await call(session, 'GET', `/${mediaId}`, { query: { fields: 'permalink' } });
    if (answer.status === 200 && typeof answer.body?.permalink === 'string') return answer.body.permalink;
    session.ctx.log.warn({ mediaId, reason: reasonOf(answer) }, 'Instagram gave no permalink for the new media');
  } catch (error) {
    session.ctx.log.warn({ mediaId, err: (error as Error).message }, 'could not read the permalink of the new media');
  }
  return profileUrl(session.creds);
}

/** The media a published container became, found by the caption's marker. */
async function publishedEarlier(session: Session, post: ApiPost, containerId: string): Promise<PostRef> {
  const earlier = await searchMarker(session, post.marker);
  if (earlier) return earlier;
  throw new PublishError('Unconfirmed', `Instagram says container ${containerId} is published, but no recent media of @${session.creds.username ?? session.creds.igUserId} carries ${post.marker}; check the account`);
}

// ── Metrics ──────────────────────────────────────────────────────────────────────────────────

/** Every counter the driver reads for a reel; `saves` is Meta's `saved`. */
export interface InstagramInsights {
  views: number | null;
  reach: number | null;
  likes: number | null;
  comments: number | null;
  shares: number | null;
  saves: number | null;
}

const insightMetrics: [keyof InstagramInsights, string][] = [
  ['views', 'views'], ['reach', 'reach'], ['likes', 'likes'], ['comments', 'comments'], ['shares', 'shares'], ['saves', 'saved'],
];

const isGone = (answer: Answer) => {
  const e = graphErrorOf(answer);
  return answer.status === 404 || (e !== undefined && (e.error_subcode === 33 || e.error_subcode === 2207006 || e.code === 24));
};

function valuesOf(body: any): Map<string, number | null> {
  const found = new Map<string, number | null>();
  for (const entry of Array.isArray(body?.data) ? body.data : []) {
    const value = entry?.values?.[0]?.value ?? entry?.total_value?.value;
    if (typeof entry?.name === 'string') found.set(entry.name, typeof value === 'number' && Number.isFinite(value) ? value : null);
  }
  return found;
}

/**
 * The reel's insights (GET /<IG_MEDIA_ID>/insights). A metric this API version refuses is asked for alone so the
 * others still come; one that cannot be read is null. Throws PostUnavailable when the media is gone.
 */
export async function readInstagramInsights(ctx: ApiDriverContext<InstagramCredentials>, mediaId: string): Promise<InstagramInsights> {
  const session = await startSession(ctx);
  const path = `/${encodeURIComponent(mediaId)}/insights`;
  const all = await call(session, 'GET', path, { query: { metric: insightMetrics.map(([, m]) => m).join(',') } });
  if (isGone(all)) throw new PublishError('PostUnavailable', `Instagram says media ${mediaId} does not exist (${reasonOf(all)})`);
  let values: Map<string, number | null>;
  if (all.status === 200) {
    values = valuesOf(all.body);
  } else if (graphErrorOf(all)?.code === 100 && /metric/i.test(reasonOf(all))) {
    values = new Map();
    for (const [, metric] of insightMetrics) {
      const one = await call(session, 'GET', path, { query: { metric } });
      if (one.status === 200) for (const [name, value] of valuesOf(one.body)) values.set(name, value);
      else ctx.log.warn({ metric, reason: reasonOf(one) }, 'Instagram does not give this insight');
    }
  } else {
    throw failure('insights', all);
  }
  return Object.fromEntries(insightMetrics.map(([ours, theirs]) => [ours, values.get(theirs) ?? null])) as unknown as InstagramInsights;
}

// ── The driver ───────────────────────────────────────────────────────────────────────────────

export function createInstagramDriver(options: { polling?: Partial<InstagramPolling> } = {}): ApiPlatformDriver<InstagramCredentials> {
  const polling: InstagramPolling = { ...defaultInstagramPolling, ...options.polling };

  return {
    kind: 'api',
    /**
     * Meta gives Instagram accounts a Business Use Case budget that grows with their impressions and tells how much
     * is used in headers; 200 calls an hour per account (Graph's historical per-user number) stays well inside it
     * for a small account. A publication takes about a dozen calls (limit, container, upload, polls, publish,
     * permalink). Per app, 5,000 an hour.
     */
    rateLimits: {
      perAccount: { points: 200, durationSeconds: 3600 },
      perApp: { points: 5000, durationSeconds: 3600 },
    },

    async acceptCredentials(ctx, body) {
      const { accessToken, igUserId, expiresAt } = body;
      if (typeof accessToken !== 'string' || accessToken.trim() === '') {
        throw new CredentialsRejected('accessToken', 'accessToken is required: an Instagram User access token (Instagram Login) of the professional account');
      }
      if (igUserId !== undefined && (typeof igUserId !== 'string' || !/^\d{1,30}$/.test(igUserId.trim()))) {
        throw new CredentialsRejected('igUserId', 'igUserId must be the numeric id of the Instagram professional account (IG_ID)');
      }
      if (expiresAt !== undefined && (typeof expiresAt !== 'string' || Number.isNaN(Date.parse(expiresAt)))) {
        throw new CredentialsRejected('expiresAt', 'expiresAt must be an ISO date-time such as 2025-01-31T12:00:00Z');
      }
      const token = accessToken.trim();
      const { answer, profile } = await profileOf(ctx, token, igUserId?.trim());
      if (!profile) {
        if (isTokenError(answer)) rejectOrFail('accessToken', 'token check', answer);
        rejectOrFail(igUserId ? 'igUserId' : 'accessToken', igUserId ? `GET /${igUserId}` : 'GET /me', answer);
      }
      if (profile.accountType === 'PERSONAL') throw new CredentialsRejected('accessToken', 'this is a personal Instagram account: only Business and Creator accounts can publish through the API');
      let creds: InstagramCredentials = {
        accessToken: token, igUserId: profile.igUserId, username: profile.username,
        expiresAt: expiresAt === undefined ? undefined : new Date(expiresAt as string).toISOString(),
        ...(isInstagramLogin(ctx) ? { refreshToken: token } : {}),
      };
      if (creds.refreshToken && creds.expiresAt === undefined) {
        // A token of unknown age: a refresh tells its expiry (60 days from now). Meta refuses tokens under a day old;
        // then it is at most a day old, and the next refresh is due tomorrow.
        const { tokens } = await refreshToken(ctx, token);
        creds = tokens
          ? { ...creds, accessToken: tokens.access_token!, refreshToken: tokens.access_token!, expiresAt: expiresAtOf(tokens.expires_in), refreshedAt: new Date().toISOString() }
          : { ...creds, refreshedAt: new Date().toISOString() };
      }
      return { credentials: creds, username: profile.username };
    },

    async exchangeCode(ctx, exchange: OAuthExchange) {
      const client = ctx.apps.apis.instagram.client;
      if (!client) throw new CredentialsRejected('platform', 'Instagram Login is not configured: set INSTAGRAM_APP_ID and INSTAGRAM_APP_SECRET');
      // Instagram appends `#_` to the redirect; it is not part of the code.
      const code = exchange.code.replace(/#_$/, '');
      const form = new URLSearchParams({ client_id: client.clientId, client_secret: client.clientSecret ?? '', grant_type: 'authorization_code', redirect_uri: exchange.redirectUri, code });
      const answer = await answerOf(await ctx.fetch(ctx.apps.apis.instagram.tokenUrl, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString(),
      }));
      const grant = Array.isArray(answer.body?.data) ? answer.body.data[0] : answer.body;
      if (answer.status !== 200 || typeof grant?.access_token !== 'string') {
        if (answer.status === 429 || answer.status >= 500) throw failure('code exchange', answer);
        throw new CredentialsRejected('code', `Instagram refused the authorization code (${reasonOf(answer)})`);
      }
      const granted = Array.isArray(grant.permissions) ? grant.permissions.map(String) : String(grant.permissions ?? '').split(',').map((p) => p.trim()).filter(Boolean);
      const missing = instagramScopes.filter((s) => granted.length > 0 && !granted.includes(s));
      if (missing.length > 0) throw new CredentialsRejected('code', `Instagram granted no ${missing.join(' / ')}: authorize again allowing content publishing`);
      // The code gives a one-hour token; the long-lived one (60 days) is what we keep.
      const long = await answerOf(await ctx.fetch(graphUrl(ctx, '/access_token', { grant_type: 'ig_exchange_token', client_secret: client.clientSecret ?? '', access_token: grant.access_token }, false)));
      if (long.status !== 200 || typeof long.body?.access_token !== 'string') rejectOrFail('code', 'long-lived token exchange', long);
      const token = long.body.access_token as string;
      const { answer: me, profile } = await profileOf(ctx, token);
      if (!profile) rejectOrFail('code', 'GET /me', me);
      if (profile.accountType === 'PERSONAL') throw new CredentialsRejected('code', 'this is a personal Instagram account: switch it to a Business or Creator account, then connect again');
      return {
        credentials: {
          accessToken: token, refreshToken: token, expiresAt: expiresAtOf(long.body.expires_in), refreshedAt: new Date().toISOString(),
          igUserId: profile.igUserId, username: profile.username,
        },
        username: profile.username,
      };
    },

    /** Long-lived Instagram Login tokens refresh themselves; a dead one (OAuthException 190) means reconnecting. */
    async refresh(ctx, credentials) {
      const token = credentials.refreshToken ?? credentials.accessToken;
      const { answer, tokens } = await refreshToken(ctx, token);
      if (tokens) {
        return { ...credentials, accessToken: tokens.access_token!, refreshToken: tokens.access_token!, expiresAt: expiresAtOf(tokens.expires_in), refreshedAt: new Date().toISOString() };
      }
      if (isTokenError(answer)) {
        throw new PublishError('SessionExpired', `Instagram refused to refresh the token of @${credentials.username ?? credentials.igUserId} (${reasonOf(answer)}): reconnect the account`);
      }
      throw failure('token refresh', answer);
    },

    async checkSession(ctx): Promise<SessionState> {
      try {
        const session = await startSession(ctx);
        const answer = await call(session, 'GET', `/${session.creds.igUserId}`, { query: { fields: 'id,username' } });
        if (answer.status === 200 && String(answer.body?.id) === session.creds.igUserId) {
          if (typeof answer.body.username === 'string' && answer.body.username !== session.creds.username) {
            await ctx.saveCredentials({ ...session.creds, username: answer.body.username });
          }
          return 'logged_in';
        }
        const type = failure('token check', answer).type;
        if (type === 'SessionExpired') return 'logged_out';
        ctx.log.warn({ status: answer.status, reason: reasonOf(answer) }, 'Instagram answered the token check with neither yes nor no');
        return 'unknown';
      } catch (error) {
        if (error instanceof PublishError && error.type === 'SessionExpired') return 'logged_out';
        if (error instanceof PublishError && error.type === 'Retryable') return 'unknown';
        throw error;
      }
    },

    async publish(ctx, post): Promise<PostRef> {
      // Refusals we can tell before spending anything (nothing is posted: the step stays `prepared`).
      const problems = instagramCaptionProblems(post.caption);
      if (problems.length > 0) throw new PublishError('RejectedByPlatform', `the Instagram caption has ${problems.join(', ')}`);
      const size = (await stat(post.videoPath)).size;
      if (size > REELS_MAX_BYTES) throw new PublishError('InvalidMedia', `the video has ${size} bytes; Instagram Reels take at most 300 MB`);
      const seconds = post.media.durationSeconds;
      if (seconds > 0 && (seconds < REELS_MIN_SECONDS || seconds > REELS_MAX_SECONDS)) {
        throw new PublishError('InvalidMedia', `the video lasts ${seconds} s; Instagram Reels take ${REELS_MIN_SECONDS} s to ${REELS_MAX_SECONDS / 60} min`);
      }
      if (post.media.width > REELS_MAX_WIDTH) throw new PublishError('InvalidMedia', `the video is ${post.media.width} px wide; Instagram Reels take at most ${REELS_MAX_WIDTH}`);
      if (post.sensitive) ctx.log.info({ publicationId: post.publicationId }, 'the Instagram API has no sensitive-content flag: the post goes out without one');

      const session = await startSession(ctx);
      let progress = await ctx.progress<InstagramProgress>();
      if (progress && progress.publicationId !== post.publicationId) progress = null;
      let status: ContainerStatus | null = null;
      if (progress?.containerId && (progress.uploaded || progress.way === 'video_url')) {
        status = await containerStatus(session, progress.containerId);
        // Published by an earlier attempt whose answer never came (before the limit check: that post counts in it).
        if (status.code === 'PUBLISHED') return publishedEarlier(session, post, progress.containerId);
        if (status.code === 'EXPIRED' || status.code === 'GONE' || (status.code === 'ERROR' && containerError(status.status).startOver)) {
          ctx.log.info({ containerId: progress.containerId, status: status.status }, 'the earlier Instagram container cannot be published: starting over');
          progress = null;
        }
      } else if (progress?.containerId) {
        // The upload never finished: the bytes go into a new container (the old one expires unpublished).
        progress = null;
      }

      const limit = await publishingLimit(session);
      if (limit.usage >= limit.total) {
        const wait = await quotaWaitMs(session, limit);
        throw new PublishError('QuotaExhausted', `@${session.creds.username ?? session.creds.igUserId} has published ${limit.usage} of the ${limit.total} posts Instagram allows in ${limit.durationSeconds / 3600} h; room again in ${Math.ceil(wait / 60_000)} min`, undefined, wait);
      }

      if (!progress?.containerId) {
        await ctx.step('uploading');
        progress = await createAndUpload(session, post, size);
        status = null;
      }
      const containerId = progress.containerId!;
      if (status?.code !== 'FINISHED' && status?.code !== 'ERROR') status = await waitForContainer(session, containerId, polling);
      if (status.code === 'ERROR') {
        const { reason, startOver, invalidMedia } = containerError(status.status);
        if (startOver) {
          await ctx.saveProgress({ ...progress, containerId: null });
          throw new PublishError('Retryable', `Instagram could not process container ${containerId} (${reason}); the next attempt starts over`);
        }
        await ctx.step('prepared');
        throw new PublishError(invalidMedia ? 'InvalidMedia' : 'RejectedByPlatform', `Instagram refused the reel: ${reason}`);
      }
      if (status.code === 'PUBLISHED') return publishedEarlier(session, post, containerId);
      if (status.code !== 'FINISHED') {
        await ctx.saveProgress({ ...progress, containerId: null });
        throw new PublishError('Retryable', `Instagram container ${containerId} is ${status.code}; the next attempt starts over`);
      }

      // An earlier attempt sent media_publish and never heard back: never publish twice.
      if (progress.publishSent) {
        const earlier = await searchMarker(session, post.marker);
        if (earlier) return earlier;
      }
      await ctx.saveProgress({ ...progress, publishSent: true });
      await ctx.step('submitting');
      let answer: Answer;
      try {
        answer = await call(session, 'POST', `/${session.creds.igUserId}/media_publish`, { form: { creation_id: containerId } });
      } catch (error) {
        // The refresh after a 190 failed: Meta refused before publishing anything.
        if (error instanceof PublishError && error.type === 'SessionExpired') await ctx.step('prepared');
        // Anything else (timeout, dropped connection) may have published: the step stays `submitting`.
        throw error;
      }
      const id = answer.body?.id;
      if (answer.status === 200 && (typeof id === 'string' || typeof id === 'number')) {
        return { url: await permalinkOf(session, String(id)), externalId: String(id) };
      }
      const e = graphErrorOf(answer);
      if (e?.error_subcode === 2207042) {
        await ctx.step('prepared');
        const wait = await quotaWaitMs(session, await publishingLimit(session).catch(() => ({ usage: 1, total: 1, durationSeconds: 86_400 })));
        throw new PublishError('QuotaExhausted', `Instagram's publishing limit is reached (${reasonOf(answer)}); the container is kept, room again in ${Math.ceil(wait / 60_000)} min`, undefined, wait);
      }
      if (e?.error_subcode === 2207027) {
        await ctx.step('prepared');
        throw new PublishError('Retryable', `Instagram says container ${containerId} is not ready yet (${reasonOf(answer)})`, undefined, polling.firstMs);
      }
      const error = failure('media_publish', answer);
      // A definite refusal: nothing was published. A 5xx or a transient error may have: it stays `submitting`.
      if (!(error.type === 'Retryable' && (answer.status >= 500 || e?.is_transient))) await ctx.step('prepared');
      throw error;
    },

    async findByMarker(ctx, post) {
      return searchMarker(await startSession(ctx), post.marker);
    },

    async readMetrics(ctx, ref): Promise<MetricsRead> {
      const insights = await readInstagramInsights(ctx, ref.externalId);
      return { views: insights.views, likes: insights.likes, comments: insights.comments, shares: insights.shares, reach: insights.reach, saves: insights.saves };
    },
  };
}

export const instagramDriver: ApiPlatformDriver<InstagramCredentials> = createInstagramDriver();
