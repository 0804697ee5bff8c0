/**
 * A fake TikTok for developers: Login Kit's token endpoint (and its authorize page), the Content Posting API (direct
 * post, inbox upload, the upload URL, status/fetch) and the Display API (user info, video query and list). A real HTTP
 * server on 127.0.0.1 (random port), recording every request and letting tests script faults.
 *
 *   const tt = await startFakeTikTok({ audited: false });   // TIKTOK_API_ROOT = tt.url, TIKTOK_AUTHORIZE_URL = tt.authorizeUrl
 *   const ana = tt.addCreator({ username: 'ana_live' });
 *   const tokens = tt.issueTokens(ana.openId);              // or the OAuth dance: tt.approve(authorizeUrl, ana.openId)
 *   tt.planNextPublish({ processingPolls: 2 });             // tt.failNext(...), tt.loseNextAnswer(...), tt.expireUploadUrls()
 *
 * Doc pages it follows (developers.tiktok.com; the same text is kept in public repositories that copy the docs):
 * - Direct post: /doc/content-posting-api-reference-direct-post (POST /v2/post/publish/video/init/, scope video.publish,
 *   6 requests per minute per user access_token, post_info.privacy_level among creator_info's options, title ≤ 2200
 *   UTF-16 runes, brand_content_toggle required, error codes 400 invalid_param, 403 spam_risk_too_many_posts /
 *   spam_risk_user_banned_from_posting / reached_active_user_cap / unaudited_client_can_only_post_to_private_accounts /
 *   privacy_level_option_mismatch, 401 access_token_invalid / scope_not_authorized, 429 rate_limit_exceeded; the
 *   upload_url lives one hour; "All content posted by unaudited clients will be restricted to private viewing mode").
 * - Inbox upload: /doc/content-posting-api-reference-upload-video (POST /v2/post/publish/inbox/video/init/, scope
 *   video.upload, only source_info, 6 per minute, 403 spam_risk_too_many_pending_share: at most 5 pending shares in 24 h).
 * - Creator info: /doc/content-posting-api-reference-query-creator-info (POST /v2/post/publish/creator_info/query/,
 *   20 per minute, privacy_level_options for public and private accounts, duet/stitch disabled for private accounts,
 *   max_video_post_duration_sec, "200 (intentional)" spam_risk_too_many_posts / banned / reached_active_user_cap).
 * - Media transfer: /doc/content-posting-api-media-transfer-guide (total_chunk_count = floor(video_size / chunk_size);
 *   chunks 5 MB–64 MB, the final one up to 128 MB; under 5 MB whole; over 64 MB several; 1–1000 chunks; sequential;
 *   PUT with Content-Type video/mp4|quicktime|webm, Content-Length, Content-Range bytes a-b/total; 206 / 201 / 400 /
 *   403 expired / 404 / 416 when Content-Range is not the upload's progress / 5xx; Content-Range header with progress).
 *   "MB" is not defined: the fake takes the stricter reading of each bound (a 5 MiB floor, 64 000 000 and 128 000 000
 *   ceilings). Video limits: 4 GB.
 * - Status: /doc/content-posting-api-reference-get-video-status (POST /v2/post/publish/status/fetch/, 30 per minute;
 *   PROCESSING_UPLOAD (FILE_UPLOAD only; PROCESSING_DOWNLOAD is PULL_FROM_URL only, so never here), SEND_TO_USER_INBOX,
 *   PUBLISH_COMPLETE, FAILED with the fail_reason table; publicaly_available_post_id (list<int64>, sent here as JSON
 *   numbers past 2^53) only once a post for public viewership passed moderation; 400 invalid_publish_id).
 * - Login Kit: /doc/oauth-user-access-token-management (POST /v2/oauth/token/ form bodies with client_key and
 *   client_secret; authorization_code with redirect_uri and code_verifier; refresh_token; access tokens 24 h, refresh
 *   tokens 365 days from first issuance, "the returned refresh_token may be different"; POST /v2/oauth/revoke/),
 *   /doc/login-kit-web (authorize URL with client_key, comma-separated scope, state) and the OAuth error page
 *   (`{ error, error_description, log_id }`, invalid_grant for a bad code or refresh token, invalid_client, …).
 * - Display API: /doc/tiktok-api-v2-video-query, /doc/tiktok-api-v2-video-list, /doc/tiktok-api-v2-video-object (id as
 *   a string, title and video_description at most 150, view_count, like_count, comment_count, share_count; query takes
 *   at most 20 ids of the token's own videos; list gives the user's public videos, newest first, cursor and has_more,
 *   max_count ≤ 20), /doc/tiktok-api-v2-get-user-info (fields per scope), /doc/tiktok-api-v2-error-handling
 *   (access_token_invalid 401, invalid_params 400, rate_limit_exceeded 429, scope_not_authorized 401,
 *   scope_permission_missed 400) and /doc/tiktok-api-v2-rate-limit (600 per minute, one-minute sliding window).
 * Not documented, chosen here: OAuth errors answer HTTP 400 (RFC 6749 §5.2; `oauthErrorStatus` makes them 200, which
 * some clients report seeing); a code lives 10 minutes; PKCE is checked when the authorize URL carried a challenge
 * (TikTok's desktop guide hex-encodes SHA-256, RFC 7636 base64url-encodes it: both are taken); an upload not finished
 * when its upload_url expires makes the publish FAILED with fail_reason `internal`; the per-creator daily post cap
 * (TikTok gives no number) defaults to 15; "unaudited clients can only post to a private account" is enforced as
 * "privacy_level must be SELF_ONLY", which is what integrators report TikTok doing.
 */
import {
  closeServer, decideOnConsentPage, listenOnLoopback, takeScriptedFailure, type ScriptedFailure as SharedScriptedFailure,
} from './http-fake.js';
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export type Json = Record<string, any>;

export const TIKTOK_SCOPES = ['user.info.basic', 'user.info.profile', 'user.info.stats', 'video.list', 'video.publish', 'video.upload'] as const;

export type TikTokRoute =
  | 'POST /v2/oauth/token/' | 'POST /v2/oauth/revoke/'
  | 'GET /v2/user/info/'
  | 'POST /v2/post/publish/creator_info/query/'
  | 'POST /v2/post/publish/video/init/' | 'POST /v2/post/publish/inbox/video/init/'
  | 'PUT upload_url'
  | 'POST /v2/post/publish/status/fetch/'
  | 'POST /v2/video/query/' | 'POST /v2/video/list/';

const routePaths: Record<string, TikTokRoute> = {
  'POST /v2/oauth/token/': 'POST /v2/oauth/token/',
  'POST /v2/oauth/revoke/': 'POST /v2/oauth/revoke/',
  'GET /v2/user/info/': 'GET /v2/user/info/',
  'POST /v2/post/publish/creator_info/query/': 'POST /v2/post/publish/creator_info/query/',
  'POST /v2/post/publish/video/init/': 'POST /v2/post/publish/video/init/',
  'POST /v2/post/publish/inbox/video/init/': 'POST /v2/post/publish/inbox/video/init/',
  'PUT /video/': 'PUT upload_url',
  'POST /v2/post/publish/status/fetch/': 'POST /v2/post/publish/status/fetch/',
  'POST /v2/video/query/': 'POST /v2/video/query/',
  'POST /v2/video/list/': 'POST /v2/video/list/',
};

/** Requests per minute per user access token (the reference pages' notes; the Display API's 600 from the rate-limit page). */
const perMinute: Partial<Record<TikTokRoute, number>> = {
  'GET /v2/user/info/': 600,
  'POST /v2/post/publish/creator_info/query/': 20,
  'POST /v2/post/publish/video/init/': 6,
  'POST /v2/post/publish/inbox/video/init/': 6,
  'POST /v2/post/publish/status/fetch/': 30,
  'POST /v2/video/query/': 600,
  'POST /v2/video/list/': 600,
};

const scopeOf: Partial<Record<TikTokRoute, string[]>> = {
  'GET /v2/user/info/': ['user.info.basic'],
  'POST /v2/post/publish/creator_info/query/': ['video.publish'],
  'POST /v2/post/publish/video/init/': ['video.publish'],
  'POST /v2/post/publish/inbox/video/init/': ['video.upload'],
  'POST /v2/video/query/': ['video.list'],
  'POST /v2/video/list/': ['video.list'],
};

/** user/info fields by the scope that unlocks them. */
const userFieldScopes: Record<string, string> = {
  open_id: 'user.info.basic', union_id: 'user.info.basic', avatar_url: 'user.info.basic', avatar_url_100: 'user.info.basic',
  avatar_large_url: 'user.info.basic', display_name: 'user.info.basic',
  bio_description: 'user.info.profile', profile_deep_link: 'user.info.profile', is_verified: 'user.info.profile', username: 'user.info.profile',
  follower_count: 'user.info.stats', following_count: 'user.info.stats', likes_count: 'user.info.stats', video_count: 'user.info.stats',
};

const videoFields = ['id', 'create_time', 'cover_image_url', 'share_url', 'video_description', 'duration', 'height', 'width', 'title', 'embed_html', 'embed_link', 'like_count', 'comment_count', 'share_count', 'view_count'];

export const ACCESS_TOKEN_SECONDS = 86_400;
export const REFRESH_TOKEN_SECONDS = 365 * 86_400;
const CODE_SECONDS = 600;
const UPLOAD_URL_SECONDS = 3600;
const MIN_CHUNK = 5 * 1024 * 1024;
const MAX_CHUNK = 64_000_000;
const MAX_FINAL_CHUNK = 128_000_000;
const MAX_VIDEO = 4 * 1024 ** 3;
const MAX_PENDING_SHARES = 5;
const DAY_MS = 86_400_000;

export type PrivacyLevel = 'PUBLIC_TO_EVERYONE' | 'MUTUAL_FOLLOW_FRIENDS' | 'FOLLOWER_OF_CREATOR' | 'SELF_ONLY';
export type PublishStatus = 'PROCESSING_UPLOAD' | 'SEND_TO_USER_INBOX' | 'PUBLISH_COMPLETE' | 'FAILED';
type CannotPost = 'spam_risk_too_many_posts' | 'spam_risk_user_banned_from_posting' | 'reached_active_user_cap';

export interface TikTokClient {
  clientKey: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface TikTokCreator {
  openId: string;
  unionId: string;
  username: string;
  displayName: string;
  /** A private account offers FOLLOWER_OF_CREATOR instead of PUBLIC_TO_EVERYONE, and no duets or stitches. */
  privateAccount: boolean;
  commentDisabled: boolean;
  maxVideoPostDurationSec: number;
  /** Direct posts through the API in 24 hours before spam_risk_too_many_posts (TikTok gives no number). */
  dailyPostCap: number;
  /** Set: creator_info and init answer this code (banned, or the app's active-user cap). */
  blocked?: Exclude<CannotPost, 'spam_risk_too_many_posts'>;
}

export interface TikTokVideo {
  id: string;
  openId: string;
  /** The caption as sent (title and video_description read back at most 150 of it). */
  caption: string;
  privacyLevel: PrivacyLevel;
  createTime: number;
  publishId?: string;
  deleted: boolean;
  counts: { view_count: number; like_count: number; comment_count: number; share_count: number };
}

export interface PublishPlan {
  /** Status polls that still answer PROCESSING_UPLOAD once every byte is in (default: the fake's `processingPolls`). */
  processingPolls?: number;
  /** Polls of a public direct post at PUBLISH_COMPLETE with no post id yet (moderation; default `moderationPolls`). */
  moderationPolls?: number;
  /** The publish ends FAILED with this fail_reason after processing. */
  failReason?: string;
}

export interface TikTokPublish {
  publishId: string;
  openId: string;
  mode: 'direct' | 'inbox';
  postInfo: Json;
  videoSize: number;
  chunkSize: number;
  totalChunkCount: number;
  uploadId: string;
  uploadToken: string;
  uploadUrlExpiresAt: number;
  chunks: { contentRange: string; bytes: number; status: number }[];
  received: Buffer[];
  uploadedBytes: number;
  status: PublishStatus;
  failReason?: string;
  /** What the status answered, poll after poll. */
  polled: PublishStatus[];
  plan: Required<Omit<PublishPlan, 'failReason'>> & { failReason?: string };
  videoId?: string;
  createdAt: number;
}

export interface RecordedTikTokRequest {
  method: string;
  path: string;
  route: TikTokRoute | null;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** JSON or form fields. */
  body: Json;
  /** Size of a PUT body. */
  bytes: number;
  status: number;
  response: unknown;
  /** The work was done, then the connection dropped with no answer. */
  lost: boolean;
  at: number;
}

interface Grant {
  openId: string;
  clientKey: string;
  scopes: string[];
  accessToken: string;
  accessExpiresAt: number;
  refreshToken: string;
  refreshExpiresAt: number;
  revoked: boolean;
}

interface AuthCode {
  code: string;
  redirectUri: string;
  challenge?: string;
  scopes: string[];
  openId: string;
  expiresAt: number;
  used: boolean;
}

type ScriptedFailure = SharedScriptedFailure<TikTokRoute>;

export interface FakeTikTokOptions {
  /** Whether TikTok audited our client (default false: direct posts only SELF_ONLY). */
  audited?: boolean;
  client?: TikTokClient;
  /** Every refresh returns a new refresh token and retires the old one (default false: the same one comes back). */
  rotateRefreshTokens?: boolean;
  /** Status polls at PROCESSING_UPLOAD after the last chunk (default 1). */
  processingPolls?: number;
  /** Polls at PUBLISH_COMPLETE with no post id for public posts (default 0). */
  moderationPolls?: number;
  /** HTTP status of OAuth error answers (default 400). */
  oauthErrorStatus?: number;
}

class HttpError extends Error {
  constructor(readonly status: number, readonly body: unknown, readonly headers: Record<string, string> = {}) {
    super(JSON.stringify(body));
  }
}

/** The API's error envelope: `{ data: {}, error: { code, message, log_id } }`. */
const apiError = (status: number, code: string, message: string) => new HttpError(status, { data: {}, error: { code, message, log_id: logId() } });

const logId = () => `${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}${randomBytes(9).toString('hex').toUpperCase()}`;

const ok = (data: Json) => ({ data, error: { code: 'ok', message: '', log_id: logId() } });

const cannotPostMessages: Record<CannotPost, string> = {
  spam_risk_too_many_posts: 'The daily post cap from the API is reached for the current user.',
  spam_risk_user_banned_from_posting: 'The user is banned from making new posts.',
  reached_active_user_cap: 'The daily quota for active publishing users from your client is reached.',
};

/** A JSON body whose `__RAW_INT64__` string placeholders become bare int64 numbers (as TikTok sends list<int64>). */
interface RawJson {
  rawJson: string;
}

export class FakeTikTok extends EventEmitter {
  url = '';
  readonly requests: RecordedTikTokRequest[] = [];
  readonly creators = new Map<string, TikTokCreator>();
  readonly publishes: TikTokPublish[] = [];
  readonly videos: TikTokVideo[] = [];
  readonly client: TikTokClient;
  audited: boolean;
  rotateRefreshTokens: boolean;
  processingPolls: number;
  moderationPolls: number;
  oauthErrorStatus: number;

  private server = createServer((req, res) => void this.route(req, res));
  private grants: Grant[] = [];
  private codes = new Map<string, AuthCode>();
  private failures: ScriptedFailure[] = [];
  private lose = new Map<TikTokRoute, number>();
  private calls = new Map<string, number[]>();
  private nextPlan: PublishPlan | undefined;
  private sequence = 0;

  constructor(options: FakeTikTokOptions = {}) {
    super();
    this.setMaxListeners(100);
    this.client = options.client ?? { clientKey: `awfake${randomBytes(6).toString('hex')}`, clientSecret: randomBytes(16).toString('hex'), redirectUris: ['http://localhost:3000/oauth/callback/tiktok'] };
    this.audited = options.audited ?? false;
    this.rotateRefreshTokens = options.rotateRefreshTokens ?? false;
    this.processingPolls = options.processingPolls ?? 1;
    this.moderationPolls = options.moderationPolls ?? 0;
    this.oauthErrorStatus = options.oauthErrorStatus ?? 400;
  }

  /** TIKTOK_AUTHORIZE_URL for this fake. */
  get authorizeUrl(): string {
    return `${this.url}/v2/auth/authorize/`;
  }

  async listen(): Promise<void> {
    this.url = await listenOnLoopback(this.server);
  }

  async close(): Promise<void> {
    await closeServer(this.server);
  }

  // ── What the test controls ────────────────────────────────────────────────────────────────

  addCreator(fields: Partial<TikTokCreator> & { username: string }): TikTokCreator {
    const creator: TikTokCreator = {
      openId: fields.openId ?? `-000${randomBytes(12).toString('hex')}`,
      unionId: fields.unionId ?? randomBytes(16).toString('hex'),
      displayName: fields.displayName ?? fields.username,
      privateAccount: false,
      commentDisabled: false,
      maxVideoPostDurationSec: 600,
      dailyPostCap: 15,
      ...fields,
    };
    this.creators.set(creator.openId, creator);
    return creator;
  }

  /** Tokens as if `openId` had authorized our client for `scopes` (default: every scope the driver asks for). */
  issueTokens(openId: string, opts: { scopes?: string[] } = {}) {
    const grant = this.newGrant(openId, opts.scopes ?? ['user.info.basic', 'user.info.profile', 'video.list', 'video.publish', 'video.upload']);
    return {
      accessToken: grant.accessToken, refreshToken: grant.refreshToken, expiresAt: new Date(grant.accessExpiresAt).toISOString(),
      refreshExpiresAt: new Date(grant.refreshExpiresAt).toISOString(), scopes: grant.scopes, openId,
    };
  }

  /** The creator approves our app on TikTok's page: returns where TikTok sends the browser (`redirect_uri?code=…&state=…`). */
  async approve(authorizeUrl: string, openId: string): Promise<string> {
    return decideOnConsentPage(authorizeUrl, `approve:${openId}`, 'TikTok');
  }

  /** The creator removed our app (or it was deauthorized): every token of hers stops working. */
  revoke(openId: string): void {
    for (const grant of this.grants) if (grant.openId === openId) grant.revoked = true;
  }

  expireAccessTokens(): void {
    for (const grant of this.grants) grant.accessExpiresAt = Date.now() - 1000;
  }

  accessTokenValid(token: string): boolean {
    return this.grants.some((g) => !g.revoked && g.accessToken === token && g.accessExpiresAt > Date.now());
  }

  refreshTokenValid(token: string): boolean {
    return this.grants.some((g) => !g.revoked && g.refreshToken === token && g.refreshExpiresAt > Date.now());
  }

  /** The next `times` calls of `route` (after `skip` that go through) answer this instead. */
  failNext(route: TikTokRoute, answer: { status: number; body?: unknown; headers?: Record<string, string> }, opts: { times?: number; skip?: number } = {}): void {
    this.failures.push({ route, ...answer, remaining: opts.times ?? 1, skip: opts.skip ?? 0 });
  }

  /** The next call of `route` does its work (a chunk is stored, a publish created), then the connection drops. */
  loseNextAnswer(route: TikTokRoute): void {
    this.lose.set(route, (this.lose.get(route) ?? 0) + 1);
  }

  /** How the next publish (direct or inbox) goes through processing. */
  planNextPublish(plan: PublishPlan): void {
    this.nextPlan = plan;
  }

  /** Every upload_url handed out so far is past its hour. */
  expireUploadUrls(): void {
    for (const p of this.publishes) p.uploadUrlExpiresAt = Date.now() - 1000;
  }

  /** The creator opened the inbox notification and posted the draft (publicly) in TikTok's editing flow. */
  creatorPostsFromInbox(publishId: string, privacyLevel: PrivacyLevel = 'PUBLIC_TO_EVERYONE'): TikTokVideo {
    const publish = this.publish(publishId);
    if (!publish || publish.mode !== 'inbox' || publish.status !== 'SEND_TO_USER_INBOX') throw new Error(`publish ${publishId} is not waiting in an inbox`);
    const video = this.createVideo(publish.openId, '', privacyLevel, publishId);
    publish.videoId = video.id;
    publish.status = 'PUBLISH_COMPLETE';
    return video;
  }

  /** A video the creator posted from the app. */
  addVideo(openId: string, caption: string, privacyLevel: PrivacyLevel = 'PUBLIC_TO_EVERYONE'): TikTokVideo {
    return this.createVideo(openId, caption, privacyLevel);
  }

  setMetrics(videoId: string, counts: Partial<TikTokVideo['counts']>): void {
    const video = this.video(videoId);
    if (!video) throw new Error(`no video ${videoId}`);
    Object.assign(video.counts, counts);
  }

  deleteVideo(videoId: string): void {
    const video = this.video(videoId);
    if (!video) throw new Error(`no video ${videoId}`);
    video.deleted = true;
  }

  video(id: string): TikTokVideo | undefined {
    return this.videos.find((v) => v.id === id);
  }

  publish(publishId: string): TikTokPublish | undefined {
    return this.publishes.find((p) => p.publishId === publishId);
  }

  requestsTo(route: TikTokRoute): RecordedTikTokRequest[] {
    return this.requests.filter((r) => r.route === route);
  }

  // ── HTTP ──────────────────────────────────────────────────────────────────────────────────

  private async route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v ?? '']));
    const raw = await readAll(req);
    const record: RecordedTikTokRequest = {
      method, path: url.pathname, route: null, query: Object.fromEntries(url.searchParams), headers, body: {}, bytes: raw.length,
      status: 0, response: undefined, lost: false, at: Date.now(),
    };
    this.requests.push(record);
    const finish = (status: number, body: unknown, extra: Record<string, string> = {}) => {
      record.status = status;
      record.response = body;
      this.emit('request', record);
      if (res.destroyed) return;
      const isRaw = typeof body === 'object' && body !== null && 'rawJson' in body;
      const text = isRaw ? (body as RawJson).rawJson : typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body);
      const type = typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8';
      res.writeHead(status, { ...(text ? { 'content-type': type } : {}), 'content-length': Buffer.byteLength(text), ...extra });
      res.end(text);
    };

    if (method === 'GET' && url.pathname === '/v2/auth/authorize/') return this.authorize(url, finish);
    const route = routePaths[`${method} ${url.pathname}`];
    if (!route) return finish(404, { data: {}, error: { code: 'not_found', message: `no such endpoint ${method} ${url.pathname}`, log_id: logId() } });
    record.route = route;

    const scripted = this.takeFailure(route);
    if (scripted) return finish(scripted.status, scripted.body ?? apiError(scripted.status, scripted.status === 429 ? 'rate_limit_exceeded' : 'internal_error', 'scripted failure').body, scripted.headers);

    try {
      let answer: { status: number; body: unknown; headers?: Record<string, string> };
      if (route === 'POST /v2/oauth/token/' || route === 'POST /v2/oauth/revoke/') {
        record.body = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
        answer = route === 'POST /v2/oauth/token/' ? this.token(record.body) : this.revokeEndpoint(record.body);
      } else if (route === 'PUT upload_url') {
        answer = this.uploadChunk(url, headers, raw);
      } else {
        if (raw.length > 0) {
          try {
            record.body = JSON.parse(raw.toString('utf8'));
          } catch {
            throw apiError(400, 'invalid_params', 'The request body is not valid JSON.');
          }
        }
        const grant = this.bearer(headers.authorization);
        const missing = (scopeOf[route] ?? []).filter((s) => !grant.scopes.includes(s));
        if (route === 'POST /v2/post/publish/status/fetch/' && !grant.scopes.some((s) => s === 'video.upload' || s === 'video.publish')) missing.push('video.upload');
        if (missing.length > 0) throw apiError(401, 'scope_not_authorized', `The user did not authorize the scope required for completing this request (${missing.join(', ')}).`);
        this.countCall(route, grant.accessToken);
        answer = this.handle(route, record, grant);
      }
      const lose = this.lose.get(route) ?? 0;
      if (lose > 0) {
        this.lose.set(route, lose - 1);
        record.status = answer.status;
        record.response = answer.body;
        record.lost = true;
        this.emit('request', record);
        req.socket.destroy();
        return;
      }
      return finish(answer.status, answer.body, answer.headers);
    } catch (error) {
      if (error instanceof HttpError) return finish(error.status, error.body, error.headers);
      return finish(500, apiError(500, 'internal_error', `fake TikTok failed: ${(error as Error).stack ?? String(error)}`).body);
    }
  }

  private handle(route: TikTokRoute, record: RecordedTikTokRequest, grant: Grant): { status: number; body: unknown } {
    switch (route) {
      case 'GET /v2/user/info/': return { status: 200, body: this.userInfo(record, grant) };
      case 'POST /v2/post/publish/creator_info/query/': return { status: 200, body: this.creatorInfo(grant) };
      case 'POST /v2/post/publish/video/init/': return { status: 200, body: this.init('direct', record.body, grant) };
      case 'POST /v2/post/publish/inbox/video/init/': return { status: 200, body: this.init('inbox', record.body, grant) };
      case 'POST /v2/post/publish/status/fetch/': return { status: 200, body: this.status(record.body, grant) };
      case 'POST /v2/video/query/': return { status: 200, body: this.queryVideos(record, grant) };
      case 'POST /v2/video/list/': return { status: 200, body: this.listVideos(record, grant) };
      default: throw apiError(404, 'not_found', route);
    }
  }

  private takeFailure(route: TikTokRoute): ScriptedFailure | undefined {
    return takeScriptedFailure(this.failures, route);
  }

  /** The per-token sliding one-minute window of the route; the call that would go past it is a 429. */
  private countCall(route: TikTokRoute, token: string) {
    const limit = perMinute[route];
    if (!limit) return;
    const key = `${route}|${token}`;
    const now = Date.now();
    const recent = (this.calls.get(key) ?? []).filter((at) => at > now - 60_000);
    if (recent.length >= limit) {
      this.calls.set(key, recent);
      throw apiError(429, 'rate_limit_exceeded', 'Your request is blocked due to exceeding the API rate limit.');
    }
    recent.push(now);
    this.calls.set(key, recent);
  }

  private bearer(authorization: string | undefined): Grant {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    const grant = token ? this.grants.find((g) => g.accessToken === token) : undefined;
    if (!grant || grant.revoked || grant.accessExpiresAt <= Date.now()) {
      throw apiError(401, 'access_token_invalid', 'The access token is invalid or not found in the request.');
    }
    return grant;
  }

  // ── Login Kit ─────────────────────────────────────────────────────────────────────────────

  private newGrant(openId: string, scopes: string[]): Grant {
    const grant: Grant = {
      openId, clientKey: this.client.clientKey, scopes,
      accessToken: `act.${randomBytes(30).toString('base64url')}`, accessExpiresAt: Date.now() + ACCESS_TOKEN_SECONDS * 1000,
      refreshToken: `rft.${randomBytes(30).toString('base64url')}`, refreshExpiresAt: Date.now() + REFRESH_TOKEN_SECONDS * 1000,
      revoked: false,
    };
    this.grants.push(grant);
    return grant;
  }

  private oauthError(error: string, description: string) {
    return new HttpError(this.oauthErrorStatus, { error, error_description: description, log_id: logId() });
  }

  private authorize(url: URL, finish: (status: number, body: unknown, headers?: Record<string, string>) => void) {
    const p = url.searchParams;
    const page = (status: number, message: string) => finish(status, `<!doctype html><title>TikTok</title><p>${message.replace(/</g, '&lt;')}</p>`);
    if (p.get('client_key') !== this.client.clientKey) return page(400, 'Something went wrong: client_key is invalid.');
    const redirectUri = p.get('redirect_uri') ?? '';
    if (!this.client.redirectUris.includes(redirectUri)) return page(400, 'Something went wrong: redirect_uri is not registered for this app.');
    if (p.get('response_type') !== 'code') return page(400, 'Something went wrong: response_type must be code.');
    const scopes = (p.get('scope') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (scopes.length === 0 || scopes.some((s) => !(TIKTOK_SCOPES as readonly string[]).includes(s))) return page(400, `Something went wrong: scope "${p.get('scope') ?? ''}" is invalid.`);
    const challenge = p.get('code_challenge') ?? undefined;
    if (challenge && p.get('code_challenge_method') !== 'S256') return page(400, 'Something went wrong: code_challenge_method must be S256.');
    const state = p.get('state') ?? '';
    const openId = p.get('fake_decision')?.replace(/^approve:/, '');
    if (!openId) return page(200, `${this.client.clientKey} would like to access your TikTok account (${scopes.join(', ')}). Continue / Cancel`);
    if (!this.creators.has(openId)) return page(400, 'no such creator in this fake');
    const code = randomBytes(32).toString('base64url');
    this.codes.set(code, { code, redirectUri, challenge, scopes, openId, expiresAt: Date.now() + CODE_SECONDS * 1000, used: false });
    const back = new URL(redirectUri);
    back.searchParams.set('code', code);
    back.searchParams.set('scopes', scopes.join(','));
    back.searchParams.set('state', state);
    return finish(302, '', { location: back.toString() });
  }

  private token(body: Json): { status: number; body: unknown } {
    if (body.client_key !== this.client.clientKey || body.client_secret !== this.client.clientSecret) {
      throw this.oauthError('invalid_client', 'Client key or secret is invalid.');
    }
    const answer = (grant: Grant) => ({
      status: 200,
      body: {
        access_token: grant.accessToken, expires_in: Math.round((grant.accessExpiresAt - Date.now()) / 1000), open_id: grant.openId,
        refresh_expires_in: Math.round((grant.refreshExpiresAt - Date.now()) / 1000), refresh_token: grant.refreshToken,
        scope: grant.scopes.join(','), token_type: 'Bearer',
      },
    });
    if (body.grant_type === 'authorization_code') {
      const code = this.codes.get(String(body.code ?? ''));
      if (!code || code.used || code.expiresAt <= Date.now()) throw this.oauthError('invalid_grant', 'Authorization code is expired or invalid.');
      if (body.redirect_uri !== code.redirectUri) throw this.oauthError('invalid_request', 'Redirect_uri is not matched with the uri when requesting code.');
      if (code.challenge) {
        const verifier = String(body.code_verifier ?? '');
        const digest = createHash('sha256').update(verifier).digest();
        if (!verifier || (digest.toString('hex') !== code.challenge && digest.toString('base64url') !== code.challenge)) {
          throw this.oauthError('invalid_request', 'Code verifier or code challenge is invalid.');
        }
      }
      code.used = true;
      return answer(this.newGrant(code.openId, code.scopes));
    }
    if (body.grant_type === 'refresh_token') {
      const grant = this.grants.find((g) => g.refreshToken === body.refresh_token);
      if (!grant || grant.revoked || grant.refreshExpiresAt <= Date.now() || grant.clientKey !== body.client_key) {
        throw this.oauthError('invalid_grant', 'Refresh token is invalid or expired.');
      }
      grant.accessToken = `act.${randomBytes(30).toString('base64url')}`;
      grant.accessExpiresAt = Date.now() + ACCESS_TOKEN_SECONDS * 1000;
      if (this.rotateRefreshTokens) grant.refreshToken = `rft.${randomBytes(30).toString('base64url')}`;
      return answer(grant);
    }
    throw this.oauthError('unsupported_grant_type', `grant_type ${String(body.grant_type)} is not supported.`);
  }

  private revokeEndpoint(body: Json): { status: number; body: unknown } {
    if (body.client_key !== this.client.clientKey || body.client_secret !== this.client.clientSecret) throw this.oauthError('invalid_client', 'Client key or secret is invalid.');
    const grant = this.grants.find((g) => g.accessToken === body.token);
    if (grant) grant.revoked = true;
    return { status: 200, body: {} };
  }

  // ── Display API ───────────────────────────────────────────────────────────────────────────

  private creatorOf(grant: Grant): TikTokCreator {
    const creator = this.creators.get(grant.openId);
    if (!creator) throw apiError(401, 'access_token_invalid', 'The user of this access token no longer exists.');
    return creator;
  }

  private userInfo(record: RecordedTikTokRequest, grant: Grant) {
    const fields = (record.query.fields ?? '').split(',').map((f) => f.trim()).filter(Boolean);
    if (fields.length === 0 || fields.some((f) => !userFieldScopes[f])) throw apiError(400, 'invalid_params', `fields "${record.query.fields ?? ''}" is invalid.`);
    const needing = fields.filter((f) => !grant.scopes.includes(userFieldScopes[f]!));
    if (needing.length > 0) throw apiError(400, 'scope_permission_missed', `Access token is invalid, some fields need additional scopes: ${needing.join(', ')}.`);
    const creator = this.creatorOf(grant);
    const all: Json = {
      open_id: creator.openId, union_id: creator.unionId, avatar_url: `${this.url}/avatar/${creator.openId}.jpeg`, avatar_url_100: `${this.url}/avatar/${creator.openId}-100.jpeg`,
      avatar_large_url: `${this.url}/avatar/${creator.openId}-large.jpeg`, display_name: creator.displayName, bio_description: '',
      profile_deep_link: `https://vm.tiktok.com/${creator.username}`, is_verified: false, username: creator.username,
      follower_count: 0, following_count: 0, likes_count: 0, video_count: this.videos.filter((v) => v.openId === creator.openId && !v.deleted).length,
    };
    return ok({ user: Object.fromEntries(fields.map((f) => [f, all[f]])) });
  }

  private ownVideo(v: TikTokVideo, openId: string) {
    return v.openId === openId && !v.deleted;
  }

  private videoObject(video: TikTokVideo, fields: string[]) {
    const creator = this.creators.get(video.openId);
    const all: Json = {
      id: video.id, create_time: video.createTime, cover_image_url: `${this.url}/cover/${video.id}.jpeg`,
      share_url: `https://www.tiktok.com/@${creator?.username ?? 'unknown'}/video/${video.id}`,
      video_description: video.caption.slice(0, 150), duration: 3, height: 1280, width: 720, title: video.caption.slice(0, 150),
      embed_html: `<blockquote class="tiktok-embed" data-video-id="${video.id}"></blockquote>`, embed_link: `https://www.tiktok.com/embed/v2/${video.id}`,
      ...video.counts,
    };
    return Object.fromEntries(fields.map((f) => [f, all[f]]));
  }

  private videoFieldsOf(record: RecordedTikTokRequest): string[] {
    const fields = (record.query.fields ?? '').split(',').map((f) => f.trim()).filter(Boolean);
    if (fields.length === 0 || fields.some((f) => !videoFields.includes(f))) throw apiError(400, 'invalid_params', `fields "${record.query.fields ?? ''}" is invalid.`);
    return fields;
  }

  private queryVideos(record: RecordedTikTokRequest, grant: Grant) {
    const fields = this.videoFieldsOf(record);
    const ids = record.body.filters?.video_ids;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > 20 || ids.some((id) => typeof id !== 'string')) {
      throw apiError(400, 'invalid_params', 'filters.video_ids must hold 1 to 20 video ids (strings).');
    }
    const videos = this.videos.filter((v) => ids.includes(v.id) && this.ownVideo(v, grant.openId));
    return ok({ videos: videos.map((v) => this.videoObject(v, fields)) });
  }

  private listVideos(record: RecordedTikTokRequest, grant: Grant) {
    const fields = this.videoFieldsOf(record);
    const maxCount = record.body.max_count ?? 10;
    if (!Number.isInteger(maxCount) || maxCount < 1 || maxCount > 20) throw apiError(400, 'invalid_params', 'max_count must be 1 to 20.');
    const cursor = typeof record.body.cursor === 'number' ? record.body.cursor : Number.MAX_SAFE_INTEGER;
    const listed = this.videos
      .filter((v) => this.ownVideo(v, grant.openId) && v.privacyLevel === 'PUBLIC_TO_EVERYONE' && v.createTime * 1000 < cursor)
      .sort((a, b) => b.createTime - a.createTime || Number(BigInt(b.id) - BigInt(a.id)));
    const page = listed.slice(0, maxCount);
    const last = page.at(-1);
    return ok({ videos: page.map((v) => this.videoObject(v, fields)), cursor: last ? last.createTime * 1000 : 0, has_more: listed.length > page.length });
  }

  private createVideo(openId: string, caption: string, privacyLevel: PrivacyLevel, publishId?: string): TikTokVideo {
    // Sequential ids past 2^53, as TikTok's 19-digit item ids are (readers must not round them).
    const id = (7_400_000_000_000_000_000n + BigInt(++this.sequence) * 7n).toString();
    const video: TikTokVideo = {
      id, openId, caption, privacyLevel, createTime: Math.floor(Date.now() / 1000) + this.sequence, publishId, deleted: false,
      counts: { view_count: 0, like_count: 0, comment_count: 0, share_count: 0 },
    };
    this.videos.push(video);
    return video;
  }

  // ── Content Posting API ───────────────────────────────────────────────────────────────────

  private privacyOptions(creator: TikTokCreator): PrivacyLevel[] {
    return creator.privateAccount ? ['FOLLOWER_OF_CREATOR', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'] : ['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'];
  }

  private cannotPost(creator: TikTokCreator): CannotPost | undefined {
    if (creator.blocked) return creator.blocked;
    const posted = this.publishes.filter((p) => p.openId === creator.openId && p.mode === 'direct' && p.status !== 'FAILED' && p.createdAt > Date.now() - DAY_MS).length;
    return posted >= creator.dailyPostCap ? 'spam_risk_too_many_posts' : undefined;
  }

  private creatorInfo(grant: Grant) {
    const creator = this.creatorOf(grant);
    const data = {
      creator_avatar_url: `${this.url}/avatar/${creator.openId}.jpeg`, creator_username: creator.username, creator_nickname: creator.displayName,
      privacy_level_options: this.privacyOptions(creator), comment_disabled: creator.commentDisabled,
      duet_disabled: creator.privateAccount, stitch_disabled: creator.privateAccount, max_video_post_duration_sec: creator.maxVideoPostDurationSec,
    };
    const blocked = this.cannotPost(creator);
    // "200 (intentional)": the creator cannot post now, said inside a successful answer.
    if (blocked) return { data, error: { code: blocked, message: cannotPostMessages[blocked], log_id: logId() } };
    return ok(data);
  }

  private init(mode: 'direct' | 'inbox', body: Json, grant: Grant) {
    const creator = this.creatorOf(grant);
    const postInfo: Json = mode === 'direct' ? body.post_info : {};
    if (mode === 'direct') {
      const blocked = this.cannotPost(creator);
      if (blocked) throw apiError(403, blocked, cannotPostMessages[blocked]);
      if (typeof postInfo !== 'object' || postInfo === null) throw apiError(400, 'invalid_param', 'post_info is required.');
      if (!this.privacyOptions(creator).includes(postInfo.privacy_level)) {
        throw apiError(403, 'privacy_level_option_mismatch', 'privacy_level is not specified or not among the options from the privacy_level_options returned in /publish/creator_info/query/ API.');
      }
      if (!this.audited && postInfo.privacy_level !== 'SELF_ONLY') {
        throw apiError(403, 'unaudited_client_can_only_post_to_private_accounts', 'Unaudited clients can only post to a private account. The publish attempt will be blocked when calling /publish/video/init/.');
      }
      if (postInfo.title !== undefined && (typeof postInfo.title !== 'string' || postInfo.title.length > 2200)) throw apiError(400, 'invalid_param', 'title must be a string of at most 2200 UTF-16 runes.');
      if (typeof postInfo.brand_content_toggle !== 'boolean') throw apiError(400, 'invalid_param', 'post_info.brand_content_toggle is required.');
    } else {
      if (creator.blocked === 'spam_risk_user_banned_from_posting') throw apiError(403, creator.blocked, cannotPostMessages[creator.blocked]);
      const pending = this.publishes.filter((p) => p.openId === creator.openId && p.mode === 'inbox' && p.status === 'SEND_TO_USER_INBOX' && p.createdAt > Date.now() - DAY_MS).length;
      if (pending >= MAX_PENDING_SHARES) {
        throw apiError(403, 'spam_risk_too_many_pending_share', 'The daily upload cap from the API is reached for the current user. There may be at most 5 pending shares within any 24-hour period.');
      }
    }
    const source = body.source_info;
    if (source?.source === 'PULL_FROM_URL') throw apiError(403, 'url_ownership_unverified', 'To use PULL_FROM_URL as the video transfer method, the developer must verify the ownership of the URL prefix or domain.');
    if (source?.source !== 'FILE_UPLOAD') throw apiError(400, 'invalid_param', 'source_info.source must be FILE_UPLOAD or PULL_FROM_URL.');
    const { video_size: size, chunk_size: chunk, total_chunk_count: count } = source;
    const chunkProblem = chunkRuleBroken(size, chunk, count);
    if (chunkProblem) throw apiError(400, 'invalid_param', chunkProblem);

    const plan = this.nextPlan ?? {};
    this.nextPlan = undefined;
    const uploadId = String(10_000 + ++this.sequence);
    const uploadToken = randomBytes(12).toString('base64url');
    const publish: TikTokPublish = {
      publishId: `${mode === 'direct' ? 'v_pub_file~v2-1' : 'v_inbox_file~v2'}.${Date.now()}${this.sequence}`,
      openId: creator.openId, mode, postInfo, videoSize: size, chunkSize: chunk, totalChunkCount: count, uploadId, uploadToken,
      uploadUrlExpiresAt: Date.now() + UPLOAD_URL_SECONDS * 1000, chunks: [], received: [], uploadedBytes: 0, status: 'PROCESSING_UPLOAD', polled: [],
      plan: { processingPolls: plan.processingPolls ?? this.processingPolls, moderationPolls: plan.moderationPolls ?? this.moderationPolls, failReason: plan.failReason },
      createdAt: Date.now(),
    };
    this.publishes.push(publish);
    return ok({ publish_id: publish.publishId, upload_url: `${this.url}/video/?upload_id=${uploadId}&upload_token=${uploadToken}` });
  }

  private uploadChunk(url: URL, headers: Record<string, string>, body: Buffer): { status: number; body: unknown; headers?: Record<string, string> } {
    const publish = this.publishes.find((p) => p.uploadId === url.searchParams.get('upload_id') && p.uploadToken === url.searchParams.get('upload_token'));
    if (!publish) throw new HttpError(404, { error: { code: 'not_found', message: 'TikTok cannot find a valid upload task given the upload_url.' } });
    const range = headers['content-range'] ?? '';
    const note = (status: number) => publish.chunks.push({ contentRange: range, bytes: body.length, status });
    const progress = () => ({ 'content-range': `bytes 0-${Math.max(0, publish.uploadedBytes - 1)}/${publish.videoSize}` });
    const refuse = (status: number, message: string, extra: Record<string, string> = {}) => {
      note(status);
      return new HttpError(status, { error: { code: status === 416 ? 'range_not_satisfiable' : 'bad_request', message } }, extra);
    };
    if (publish.uploadUrlExpiresAt <= Date.now()) throw refuse(403, 'The upload_url has expired.');
    if (publish.uploadedBytes === publish.videoSize) throw refuse(416, 'Every byte of this upload is already in.', progress());
    if (!['video/mp4', 'video/quicktime', 'video/webm'].includes((headers['content-type'] ?? '').split(';')[0]!.trim())) {
      throw refuse(400, 'Content-Type must be video/mp4, video/quicktime or video/webm.');
    }
    const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(range);
    if (!match) throw refuse(400, 'Malformed Content-Range.');
    const [first, last, total] = match.slice(1).map(Number) as [number, number, number];
    if (total !== publish.videoSize || last < first || last >= total) throw refuse(400, 'Content-Range does not fit the video_size given at init.');
    if (Number(headers['content-length']) !== body.length || body.length !== last - first + 1) {
      throw refuse(400, 'BYTE_SIZE_OF_THIS_CHUNK does not reflect the true byte size of the binary in the request body.');
    }
    if (first !== publish.uploadedBytes) throw refuse(416, 'Content-Range does not reflect the actual upload progress.', progress());
    const index = first / publish.chunkSize;
    const isFinal = index === publish.totalChunkCount - 1;
    const expected = isFinal ? publish.videoSize - first : publish.chunkSize;
    if (!Number.isInteger(index) || index >= publish.totalChunkCount || body.length !== expected) {
      throw refuse(400, `chunk ${index} must be ${expected} bytes (chunk_size ${publish.chunkSize}, ${publish.totalChunkCount} chunks, the last one takes the trailing bytes).`);
    }
    publish.received.push(Buffer.from(body));
    publish.uploadedBytes += body.length;
    const done = publish.uploadedBytes === publish.videoSize;
    note(done ? 201 : 206);
    return { status: done ? 201 : 206, body: undefined, headers: progress() };
  }

  private status(body: Json, grant: Grant) {
    const publish = this.publish(String(body.publish_id ?? ''));
    if (!publish) throw apiError(400, 'invalid_publish_id', 'The publish_id does not exist.');
    if (publish.openId !== grant.openId) throw apiError(400, 'token_not_authorized_for_specified_publish_id', 'The access_token does not have authorization for this publish_id.');
    this.advance(publish);
    publish.polled.push(publish.status);
    const video = publish.videoId ? this.video(publish.videoId) : undefined;
    // publicaly_available_post_id: only for a post for public viewership, once it passed moderation.
    const ids = video && publish.status === 'PUBLISH_COMPLETE' && video.privacyLevel === 'PUBLIC_TO_EVERYONE' && publish.plan.moderationPolls <= 0 ? [video.id] : [];
    if (video && publish.status === 'PUBLISH_COMPLETE' && publish.plan.moderationPolls > 0) publish.plan.moderationPolls--;
    const data = {
      status: publish.status, ...(publish.failReason ? { fail_reason: publish.failReason } : {}), publicaly_available_post_id: '__RAW_INT64__',
      uploaded_bytes: publish.uploadedBytes,
    };
    const answer = JSON.stringify(ok(data)).replace('"__RAW_INT64__"', `[${ids.join(',')}]`);
    return { rawJson: answer } satisfies RawJson;
  }

  /** What one more poll finds: processing polls first, then the outcome. */
  private advance(publish: TikTokPublish) {
    if (publish.status !== 'PROCESSING_UPLOAD') return;
    if (publish.uploadedBytes < publish.videoSize) {
      if (publish.uploadUrlExpiresAt <= Date.now()) {
        publish.status = 'FAILED';
        publish.failReason = 'internal';
      }
      return;
    }
    if (publish.plan.processingPolls > 0) {
      publish.plan.processingPolls--;
      return;
    }
    if (publish.plan.failReason) {
      publish.status = 'FAILED';
      publish.failReason = publish.plan.failReason;
      return;
    }
    if (publish.mode === 'inbox') {
      publish.status = 'SEND_TO_USER_INBOX';
      return;
    }
    const video = this.createVideo(publish.openId, publish.postInfo.title ?? '', publish.postInfo.privacy_level, publish.publishId);
    publish.videoId = video.id;
    publish.status = 'PUBLISH_COMPLETE';
  }
}

/** The media transfer guide's chunk restrictions; the first one broken, or undefined. */
export function chunkRuleBroken(size: unknown, chunk: unknown, count: unknown): string | undefined {
  if (!Number.isInteger(size) || (size as number) <= 0) return 'video_size must be a positive integer.';
  if (!Number.isInteger(chunk) || !Number.isInteger(count)) return 'chunk_size and total_chunk_count are required for FILE_UPLOAD.';
  const [s, c, n] = [size as number, chunk as number, count as number];
  if (s > MAX_VIDEO) return 'The video is larger than 4 GB.';
  if (n !== Math.floor(s / c)) return `total_chunk_count must be floor(video_size / chunk_size) = ${Math.floor(s / c)}.`;
  if (n < 1 || n > 1000) return 'There must be 1 to 1000 chunks.';
  if (s < MIN_CHUNK && (c !== s || n !== 1)) return 'Videos under 5 MB must be uploaded whole (chunk_size = video_size).';
  if (s >= MIN_CHUNK && (c < MIN_CHUNK || c > MAX_CHUNK)) return 'chunk_size must be at least 5 MB and at most 64 MB.';
  if (s > MAX_CHUNK && n < 2) return 'Videos over 64 MB must be uploaded in several chunks.';
  if (s - (n - 1) * c > MAX_FINAL_CHUNK) return 'The final chunk may be at most 128 MB.';
  return undefined;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

export async function startFakeTikTok(options: FakeTikTokOptions = {}): Promise<FakeTikTok> {
  const fake = new FakeTikTok(options);
  await fake.listen();
  return fake;
}
