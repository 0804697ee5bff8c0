/**
 * A fake Instagram Graph API (Instagram API with Instagram Login) and its OAuth endpoints: a real HTTP server on
 * 127.0.0.1 (random port) speaking the parts of Meta's API the Instagram driver uses, as Meta's public documentation
 * describes them, recording every request and letting tests script faults. One port serves the Graph host, the
 * OAuth host (authorize page and token endpoint) and the resumable upload host (rupload): a container's `uri`
 * points back here.
 *
 *   const ig = await startFakeInstagram();          // INSTAGRAM_GRAPH_ROOT = ig.url, INSTAGRAM_AUTHORIZE_URL = ig.authorizeUrl,
 *                                                   // INSTAGRAM_TOKEN_URL = ig.tokenUrl, INSTAGRAM_APP_ID / _SECRET = ig.app
 *   const user = ig.addUser({ username: 'ana_live' });
 *   const token = ig.issueToken(user.id);            // a long-lived token, or the whole dance: ig.approve(authorizeUrl, user.id)
 *   ig.failNext('POST /:ig-user-id/media_publish', { status: 500 });   // ig.loseNextAnswer(...), ig.failNextContainer(...)
 *
 * Doc pages it follows (developers.facebook.com):
 * - Content publishing: /docs/instagram-platform/content-publishing and …/instagram-api-with-instagram-login/content-publishing
 *   (graph.instagram.com host, instagram_business_basic + instagram_business_content_publish, create container →
 *   upload → publish, "We cURL media used in publishing attempts", 50 API-published posts per 24-hour moving window
 *   enforced on media_publish, status_code EXPIRED / ERROR / FINISHED / IN_PROGRESS / PUBLISHED, containers expire
 *   after 24 hours); /docs/instagram-platform/content-publishing/resumable-uploads (POST /<IG_USER_ID>/media with
 *   upload_type=resumable answering `{ id, uri }`, POST https://rupload.facebook.com/ig-api-upload/<VERSION>/<CONTAINER>
 *   with `Authorization: OAuth <token>`, `offset` and `file_size` headers and the bytes as the body, answering
 *   `{ success: true, message: 'Upload successful.' }`; a `file_url` header for hosted files). That page says the
 *   resumable upload is "available only for apps that have implemented Facebook Login for Business";
 *   `resumableUploads: false` plays that refusal.
 * - References: /docs/instagram-platform/instagram-graph-api/reference/ig-user/media (REELS containers: video_url or
 *   upload_type=resumable, caption ≤ 2,200 characters, 30 hashtags, 20 @ tags, share_to_feed; 400 containers per
 *   rolling 24 h; Reels 3 s – 15 min, ≤ 300 MB; GET lists the user's media with cursors), …/ig-user/media_publish
 *   (creation_id → `{ id }`), …/ig-user/content_publishing_limit (`{ data: [{ quota_usage, config: { quota_total,
 *   quota_duration } }] }`, `since` no older than 24 h), …/ig-container (fields id, status, status_code),
 *   …/ig-media (id, caption, permalink, timestamp, media_type, media_product_type, like_count, comments_count),
 *   …/ig-media/insights (Reels metrics views, reach, likes, comments, shares, saved, total_interactions,
 *   ig_reels_avg_watch_time, ig_reels_video_view_total_time; `{ data: [{ name, period, values: [{ value }], title,
 *   description, id }] }`), /docs/instagram-platform/instagram-api-with-instagram-login/get-started (GET /me?fields=
 *   user_id,username,account_type: `user_id` is the IG_ID used in paths, `id` the app-scoped id).
 * - Business Login for Instagram: …/instagram-api-with-instagram-login/business-login and /docs/instagram-platform/
 *   reference/oauth-authorize (authorize window, comma-separated scopes, `#_` appended to the redirect, codes valid
 *   one hour and single use; POST https://api.instagram.com/oauth/access_token with client_id, client_secret,
 *   grant_type=authorization_code, redirect_uri, code → `{ data: [{ access_token, user_id, permissions }] }`, a
 *   short-lived token of one hour; errors `{ error_type: 'OAuthException', code: 400, error_message }`),
 *   /docs/instagram-platform/reference/access_token (GET /access_token?grant_type=ig_exchange_token&client_secret=…
 *   → a 60-day token `{ access_token, token_type: 'bearer', expires_in }`) and …/reference/refresh_access_token
 *   (GET /refresh_access_token?grant_type=ig_refresh_token: only a long-lived token at least 24 hours old and not
 *   expired; 60 more days).
 * - Errors and limits: /docs/instagram-platform/instagram-graph-api/reference/error-codes (Graph error bodies
 *   `{ error: { message, type, code, error_subcode, is_transient, error_user_title, error_user_msg, fbtrace_id } }`;
 *   9/2207042 publishing limit reached, 9007/2207027 media not ready, -1/2207001 server error, -2/2207003 download
 *   timeout, 2207026 unsupported video format, 2207052 media could not be fetched, 24/2207006 media not found,
 *   2207008 container expired or not found) and /docs/graph-api/overview/rate-limiting (OAuthException 190 for bad
 *   or expired tokens, subcode 463 expired; throttling codes 4, 17, 32, 613 and 80002 for Instagram Business Use
 *   Case limits; `X-App-Usage` and `X-Business-Use-Case-Usage` headers with `estimated_time_to_regain_access` in
 *   minutes; error 100 subcode 33 for an object that does not exist).
 * Where the docs show no body the fake answers what Meta is seen to answer in public threads, or a Graph-shaped
 * guess marked as such: rupload's `{ debug_info: { type: 'ParameterValidationError', message } }` for a missing or
 * wrong `offset` (trypostit/trypost#32); the `status` text of a container in ERROR (`Error: … <subcode>`); the refusal
 * of upload_type=resumable, of a refresh of a token under 24 hours old and of an already published container (all
 * guessed as OAuthException 100).
 */
import {
  closeServer, decideOnConsentPage, listenOnLoopback, takeScriptedFailure, type ScriptedFailure as SharedScriptedFailure,
} from './http-fake.js';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export type Json = Record<string, any>;

/** The routes a test can script (ids written as Meta's reference names them). */
export type InstagramRoute =
  | 'GET /oauth/authorize' | 'POST /oauth/access_token' | 'GET /access_token' | 'GET /refresh_access_token'
  | 'GET /me' | 'GET /:ig-user-id' | 'GET /:ig-container-id' | 'GET /:ig-media-id' | 'GET /:ig-media-id/insights'
  | 'POST /:ig-user-id/media' | 'GET /:ig-user-id/media' | 'POST /:ig-user-id/media_publish' | 'GET /:ig-user-id/content_publishing_limit'
  | 'POST /ig-api-upload/:ig-container-id';

export const INSTAGRAM_SCOPES = [
  'instagram_business_basic', 'instagram_business_content_publish', 'instagram_business_manage_comments', 'instagram_business_manage_messages',
] as const;

const SHORT_LIVED_SECONDS = 3600;
const LONG_LIVED_SECONDS = 60 * 86_400;
const CODE_SECONDS = 3600;
const CONTAINER_TTL_MS = 86_400_000;
const CAPTION_MAX = 2200;
const HASHTAGS_MAX = 30;
const MENTIONS_MAX = 20;
const REELS_MAX_BYTES = 300 * 1024 * 1024;
const REELS_INSIGHTS = ['views', 'reach', 'likes', 'comments', 'shares', 'saved', 'total_interactions', 'ig_reels_avg_watch_time', 'ig_reels_video_view_total_time'];

export interface InstagramApp {
  appId: string;
  appSecret: string;
  redirectUris: string[];
}

export interface InstagramUser {
  /** IG_ID: the professional account's id, used in every path. */
  id: string;
  /** The app-scoped id /me answers as `id`. */
  appScopedId: string;
  username: string;
  accountType: 'BUSINESS' | 'MEDIA_CREATOR' | 'PERSONAL';
}

export interface InstagramToken {
  token: string;
  userId: string;
  kind: 'short' | 'long';
  permissions: string[];
  issuedAt: number;
  expiresAt: number;
  revoked: boolean;
}

export type ContainerState = 'awaiting_upload' | 'IN_PROGRESS' | 'FINISHED' | 'ERROR' | 'PUBLISHED' | 'EXPIRED';

export interface InstagramContainer {
  id: string;
  userId: string;
  mediaType: string;
  caption: string;
  shareToFeed: boolean;
  uploadType: 'resumable' | 'video_url';
  videoUrl?: string;
  /** The bytes received so far (resumable) or fetched from video_url. */
  bytes: Buffer;
  fileSize?: number;
  /** Successful rupload POSTs (each one a transfer of bytes). */
  uploads: number;
  state: ContainerState;
  /** Status polls left answering IN_PROGRESS once the bytes are in. */
  pollsLeft: number;
  /** Where processing ends: FINISHED, or ERROR with Meta's reason. */
  outcome: { subcode: number; message: string } | null;
  createdAt: number;
  mediaId?: string;
}

export interface InstagramMedia {
  id: string;
  userId: string;
  caption: string;
  shortcode: string;
  permalink: string;
  timestamp: Date;
  /** Counted by content_publishing_limit (published through the API). */
  viaApi: boolean;
  containerId?: string;
  deleted: boolean;
  insights: { views: number; reach: number; likes: number; comments: number; shares: number; saved: number };
}

export interface RecordedInstagramRequest {
  method: string;
  path: string;
  route: InstagramRoute | null;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** Form or JSON fields (query parameters of Graph calls are in `query`). */
  body: Json;
  /** Raw body size (the rupload bytes). */
  bodyBytes: number;
  status: number;
  response: unknown;
  /** The action ran but the connection was dropped before any answer. */
  lost: boolean;
  at: number;
}

export interface FakeInstagramOptions {
  app?: InstagramApp;
  /** Status polls a container answers IN_PROGRESS after its bytes are in (default 1). */
  processingPolls?: number;
  /** config.quota_total of content_publishing_limit (default 50, the documented number). */
  quotaTotal?: number;
  /** false: upload_type=resumable is refused (the docs reserve it to Facebook Login apps). */
  resumableUploads?: boolean;
}

interface CodeGrant {
  code: string;
  userId: string;
  redirectUri: string;
  permissions: string[];
  expiresAt: number;
  used: boolean;
}

type ScriptedFailure = SharedScriptedFailure<InstagramRoute>;

class GraphError extends Error {
  constructor(readonly status: number, readonly body: unknown, readonly headers: Record<string, string> = {}) {
    super(JSON.stringify(body));
  }
}

const fbtrace = () => randomBytes(8).toString('base64url');

/** Meta's Graph error body. */
export function graphError(
  code: number, message: string,
  extra: { subcode?: number; type?: string; transient?: boolean; userTitle?: string; userMessage?: string; status?: number } = {},
): GraphError {
  return new GraphError(extra.status ?? 400, {
    error: {
      message, type: extra.type ?? 'OAuthException', code,
      ...(extra.subcode !== undefined ? { error_subcode: extra.subcode } : {}),
      is_transient: extra.transient ?? false,
      ...(extra.userTitle ? { error_user_title: extra.userTitle } : {}),
      ...(extra.userMessage ? { error_user_msg: extra.userMessage } : {}),
      fbtrace_id: fbtrace(),
    },
  });
}

const invalidToken = () => graphError(190, 'Invalid OAuth access token - Cannot parse access token');
const expiredToken = (expiresAt: number) => graphError(190, `Error validating access token: Session has expired on ${new Date(expiresAt).toUTCString()}. The current time is ${new Date().toUTCString()}.`, { subcode: 463 });
const noObject = (id: string, edge = '') => graphError(100, `Unsupported ${edge ? 'request' : 'get request'}. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`, { subcode: 33 });
/** The api.instagram.com token endpoint's own error shape. */
const loginError = (message: string, status = 400) => new GraphError(status, { error_type: 'OAuthException', code: status, error_message: message });

const hashtagCount = (text: string) => (text.match(/(^|[^\p{L}\p{N}_&])#[\p{L}\p{N}_]+/gu) ?? []).length;
const mentionCount = (text: string) => (text.match(/(^|[^\w])@[\w.]+/g) ?? []).length;

export class FakeInstagram extends EventEmitter {
  url = '';
  readonly requests: RecordedInstagramRequest[] = [];
  readonly users = new Map<string, InstagramUser>();
  readonly tokens = new Map<string, InstagramToken>();
  readonly containers = new Map<string, InstagramContainer>();
  readonly media = new Map<string, InstagramMedia>();
  readonly app: InstagramApp;
  processingPolls: number;
  quotaTotal: number;
  resumableUploads: boolean;

  private server = createServer((req, res) => void this.route(req, res));
  private codes = new Map<string, CodeGrant>();
  private failures: ScriptedFailure[] = [];
  private lose = new Map<InstagramRoute, number>();
  private containerOutcomes: { subcode: number; message: string }[] = [];
  private throttled = new Map<string, number>();
  private nextId = 0n;

  constructor(options: FakeInstagramOptions = {}) {
    super();
    this.setMaxListeners(100);
    this.app = options.app ?? { appId: '990602627938098', appSecret: randomBytes(16).toString('hex'), redirectUris: ['http://localhost:3000/oauth/callback/instagram'] };
    this.processingPolls = options.processingPolls ?? 1;
    this.quotaTotal = options.quotaTotal ?? 50;
    this.resumableUploads = options.resumableUploads ?? true;
  }

  /** INSTAGRAM_AUTHORIZE_URL for this fake. */
  get authorizeUrl(): string {
    return `${this.url}/oauth/authorize`;
  }

  /** INSTAGRAM_TOKEN_URL for this fake. */
  get tokenUrl(): string {
    return `${this.url}/oauth/access_token`;
  }

  async listen(): Promise<void> {
    this.url = await listenOnLoopback(this.server);
  }

  async close(): Promise<void> {
    await closeServer(this.server);
  }

  // ── What the test controls ────────────────────────────────────────────────────────────────

  addUser(fields: { username: string; accountType?: InstagramUser['accountType'] }): InstagramUser {
    const user: InstagramUser = { id: this.id(17841400000000000n), appScopedId: this.id(9000000000000000n), username: fields.username, accountType: fields.accountType ?? 'BUSINESS' };
    this.users.set(user.id, user);
    return user;
  }

  /** A long-lived token (60 days) as if `userId` had logged in `ageMs` ago and the app had exchanged it. */
  issueToken(userId: string, opts: { permissions?: string[]; ageMs?: number; kind?: 'short' | 'long' } = {}): InstagramToken {
    const kind = opts.kind ?? 'long';
    const issuedAt = Date.now() - (opts.ageMs ?? 0);
    const token: InstagramToken = {
      token: `IGAA${randomBytes(30).toString('base64url')}`, userId, kind,
      permissions: opts.permissions ?? ['instagram_business_basic', 'instagram_business_content_publish'],
      issuedAt, expiresAt: issuedAt + (kind === 'long' ? LONG_LIVED_SECONDS : SHORT_LIVED_SECONDS) * 1000, revoked: false,
    };
    this.tokens.set(token.token, token);
    return token;
  }

  /** The user approves our app in Instagram's authorization window: returns the Location Instagram redirects to. */
  async approve(authorizeUrl: string, userId: string): Promise<string> {
    return this.decide(authorizeUrl, `approve:${userId}`);
  }

  /** The user presses "Cancel": Instagram redirects with error=access_denied. */
  async deny(authorizeUrl: string): Promise<string> {
    return this.decide(authorizeUrl, 'deny');
  }

  private decide(authorizeUrl: string, decision: string): Promise<string> {
    return decideOnConsentPage(authorizeUrl, decision, 'Instagram');
  }

  /** Every token issued so far has expired. */
  expireTokens(): void {
    for (const token of this.tokens.values()) token.expiresAt = Date.now() - 1000;
  }

  /** The user removed our app (Settings → Apps and websites): every token of the user stops working. */
  revokeUser(userId: string): void {
    for (const token of this.tokens.values()) if (token.userId === userId) token.revoked = true;
  }

  tokenValid(token: string): boolean {
    const t = this.tokens.get(token);
    return !!t && !t.revoked && t.expiresAt > Date.now();
  }

  /** The next `times` calls of `route` (after `skip` that go through) answer this status, body and headers. */
  failNext(route: InstagramRoute, answer: { status: number; body?: unknown; headers?: Record<string, string> }, opts: { times?: number; skip?: number } = {}): void {
    this.failures.push({ route, ...answer, remaining: opts.times ?? 1, skip: opts.skip ?? 0 });
  }

  /** The next call of `route` does what it asks (the media is published), then the connection drops with no answer. */
  loseNextAnswer(route: InstagramRoute): void {
    this.lose.set(route, (this.lose.get(route) ?? 0) + 1);
  }

  /** The next container whose bytes arrive ends in ERROR with this subcode and message instead of FINISHED. */
  failNextContainer(outcome: { subcode: number; message: string }): void {
    this.containerOutcomes.push(outcome);
  }

  /** The account's Business Use Case budget is spent: calls answer 80002 for `minutes`. */
  throttle(userId: string, minutes: number): void {
    this.throttled.set(userId, Date.now() + minutes * 60_000);
  }

  expireContainer(id: string): void {
    const container = this.containers.get(id);
    if (!container) throw new Error(`no container ${id}`);
    container.createdAt = Date.now() - CONTAINER_TTL_MS - 1000;
  }

  /** Media posted some other way (the app, another tool): `viaApi` counts it against the publishing limit. */
  addMedia(userId: string, fields: { caption?: string; at?: Date; viaApi?: boolean } = {}): InstagramMedia {
    return this.createMedia(userId, fields.caption ?? '', fields.at ?? new Date(), fields.viaApi ?? false);
  }

  deleteMedia(id: string): void {
    const media = this.media.get(id);
    if (!media) throw new Error(`no media ${id}`);
    media.deleted = true;
  }

  setInsights(id: string, insights: Partial<InstagramMedia['insights']>): void {
    const media = this.media.get(id);
    if (!media) throw new Error(`no media ${id}`);
    Object.assign(media.insights, insights);
  }

  requestsTo(route: InstagramRoute): RecordedInstagramRequest[] {
    return this.requests.filter((r) => r.route === route);
  }

  publishedBy(userId: string): InstagramMedia[] {
    return [...this.media.values()].filter((m) => m.userId === userId && !m.deleted);
  }

  // ── HTTP ──────────────────────────────────────────────────────────────────────────────────

  private async route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const query = Object.fromEntries(url.searchParams);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v ?? '']));
    const raw = await readAll(req);
    const record: RecordedInstagramRequest = { method, path: url.pathname, route: null, query, headers, body: {}, bodyBytes: raw.length, status: 0, response: undefined, lost: false, at: Date.now() };
    this.requests.push(record);
    const finish = (status: number, body: unknown, extraHeaders: Record<string, string> = {}) => {
      record.status = status;
      record.response = body;
      this.emit('request', record);
      if (res.destroyed) return;
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      const type = typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/json; charset=UTF-8';
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...extraHeaders });
      res.end(text);
    };

    const match = this.match(method, url.pathname);
    if (!match) return finish(400, graphError(100, `Unknown path components: ${url.pathname}`, { type: 'OAuthException' }).body);
    record.route = match.route;
    if (match.route !== 'POST /ig-api-upload/:ig-container-id') {
      try {
        record.body = parseBody(raw, headers['content-type'] ?? '');
      } catch (error) {
        return finish(400, graphError(100, `Invalid body: ${(error as Error).message}`).body);
      }
    }
    const params = { ...query, ...record.body } as Record<string, string>;

    const scripted = this.takeFailure(match.route);
    if (scripted) {
      const body = scripted.body ?? graphError(scripted.status >= 500 ? 2 : 1, scripted.status >= 500 ? 'Service temporarily unavailable' : 'An unknown error occurred', { transient: scripted.status >= 500 }).body;
      return finish(scripted.status, body, scripted.headers ?? {});
    }

    let usageHeaders: Record<string, string> = {};
    try {
      let answer: { status: number; body: unknown; headers?: Record<string, string> };
      if (match.route === 'GET /oauth/authorize') {
        answer = this.authorize(url);
      } else if (match.route === 'POST /oauth/access_token') {
        answer = { status: 200, body: this.codeExchange(params) };
      } else if (match.route === 'GET /access_token') {
        answer = { status: 200, body: this.exchangeForLongLived(params) };
      } else if (match.route === 'GET /refresh_access_token') {
        answer = { status: 200, body: this.refresh(params) };
      } else if (match.route === 'POST /ig-api-upload/:ig-container-id') {
        answer = this.rupload(match.id!, headers, raw);
      } else {
        const token = this.authenticate(headers.authorization, params.access_token);
        const user = this.users.get(token.userId)!;
        usageHeaders = this.usageHeaders(user.id);
        const until = this.throttled.get(user.id);
        if (until && until > Date.now()) {
          usageHeaders = this.usageHeaders(user.id, Math.ceil((until - Date.now()) / 60_000));
          throw graphError(80002, 'There have been too many calls to this Instagram account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.', { transient: true });
        }
        answer = { status: 200, body: await this.graph(match.route, match.id, params, token, user) };
      }
      const lose = this.lose.get(match.route) ?? 0;
      if (lose > 0) {
        // The action happened; the answer never leaves: the client sees a dropped connection.
        this.lose.set(match.route, lose - 1);
        record.status = answer.status;
        record.response = answer.body;
        record.lost = true;
        this.emit('request', record);
        req.socket.destroy();
        return;
      }
      return finish(answer.status, answer.body, { ...usageHeaders, ...(answer.headers ?? {}) });
    } catch (error) {
      if (error instanceof GraphError) return finish(error.status, error.body, { ...usageHeaders, ...error.headers });
      return finish(500, graphError(1, `fake Instagram failed: ${(error as Error).stack ?? String(error)}`, { transient: true, status: 500 }).body);
    }
  }

  /** Routes by path shape; `/:id` routes are told apart by what the id names (a user, a container or a media). */
  private match(method: string, path: string): { route: InstagramRoute; id?: string } | undefined {
    if (method === 'GET' && path === '/oauth/authorize') return { route: 'GET /oauth/authorize' };
    if (method === 'POST' && path === '/oauth/access_token') return { route: 'POST /oauth/access_token' };
    const rupload = /^\/ig-api-upload\/(?:v\d+\.\d+\/)?([^/]+)$/.exec(path);
    if (method === 'POST' && rupload) return { route: 'POST /ig-api-upload/:ig-container-id', id: rupload[1] };
    // Graph paths take an optional version prefix (unversioned calls get the oldest available version).
    const graphPath = path.replace(/^\/v\d+\.\d+(?=\/)/, '');
    if (method === 'GET' && graphPath === '/access_token') return { route: 'GET /access_token' };
    if (method === 'GET' && graphPath === '/refresh_access_token') return { route: 'GET /refresh_access_token' };
    if (method === 'GET' && graphPath === '/me') return { route: 'GET /me' };
    const parts = /^\/([^/]+)(?:\/([^/]+))?$/.exec(graphPath);
    if (!parts) return undefined;
    const [, rawId, edge] = parts;
    const id = rawId === 'me' ? undefined : rawId;
    if (method === 'POST' && edge === 'media') return { route: 'POST /:ig-user-id/media', id };
    if (method === 'GET' && edge === 'media') return { route: 'GET /:ig-user-id/media', id };
    if (method === 'POST' && edge === 'media_publish') return { route: 'POST /:ig-user-id/media_publish', id };
    if (method === 'GET' && edge === 'content_publishing_limit') return { route: 'GET /:ig-user-id/content_publishing_limit', id };
    if (method === 'GET' && edge === 'insights') return { route: 'GET /:ig-media-id/insights', id };
    if (method === 'GET' && !edge) {
      if (id && this.containers.has(id)) return { route: 'GET /:ig-container-id', id };
      if (id && this.media.has(id)) return { route: 'GET /:ig-media-id', id };
      return { route: 'GET /:ig-user-id', id };
    }
    return undefined;
  }

  private takeFailure(route: InstagramRoute): ScriptedFailure | undefined {
    return takeScriptedFailure(this.failures, route);
  }

  /** The token from `Authorization: Bearer|OAuth` or `access_token`. */
  private authenticate(authorization: string | undefined, accessToken: string | undefined): InstagramToken {
    const fromHeader = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const value = fromHeader ?? accessToken;
    if (!value) throw graphError(104, 'An access token is required to request this resource.');
    const token = this.tokens.get(value);
    if (!token || token.revoked) throw invalidToken();
    if (token.expiresAt <= Date.now()) throw expiredToken(token.expiresAt);
    return token;
  }

  /** Usage as a percentage of the hour's budget (the fake's budget is 200 calls per account per hour). */
  private usageHeaders(userId: string, regainMinutes = 0): Record<string, string> {
    const hourAgo = Date.now() - 3_600_000;
    const calls = this.requests.filter((r) => r.at > hourAgo).length;
    const pct = Math.min(100, Math.round((calls / 200) * 100));
    return {
      'x-app-usage': JSON.stringify({ call_count: pct, total_cputime: Math.min(100, pct >> 1), total_time: Math.min(100, pct >> 1) }),
      'x-business-use-case-usage': JSON.stringify({
        [userId]: [{ type: 'instagram', call_count: regainMinutes > 0 ? 100 : pct, total_cputime: 1, total_time: 1, estimated_time_to_regain_access: regainMinutes }],
      }),
    };
  }

  // ── Business Login for Instagram ──────────────────────────────────────────────────────────

  private authorize(url: URL): { status: number; body: unknown; headers?: Record<string, string> } {
    const q = Object.fromEntries(url.searchParams);
    const page = (message: string) => ({ status: 400, body: `<html><body><h1>Invalid Request</h1><p>${message}</p></body></html>` });
    if (q.client_id !== this.app.appId) return page('Invalid platform app');
    if (!q.redirect_uri || !this.app.redirectUris.includes(q.redirect_uri)) return page('Invalid redirect_uri');
    if (q.response_type !== 'code') return page('Invalid response_type: code');
    const scopes = decodeURIComponent(q.scope ?? '').split(/[ ,]+/).filter(Boolean);
    if (!scopes.includes('instagram_business_basic')) return page('instagram_business_basic is required');
    const unknown = scopes.filter((s) => !(INSTAGRAM_SCOPES as readonly string[]).includes(s));
    if (unknown.length > 0) return page(`Invalid Scopes: ${unknown.join(', ')}`);
    const redirect = new URL(q.redirect_uri);
    if (q.state) redirect.searchParams.set('state', q.state);
    const decision = q.fake_decision ?? '';
    if (decision === 'deny') {
      redirect.searchParams.set('error', 'access_denied');
      redirect.searchParams.set('error_reason', 'user_denied');
      redirect.searchParams.set('error_description', 'Permissions error');
      return { status: 302, body: '', headers: { location: `${redirect}#_` } };
    }
    const userId = decision.startsWith('approve:') ? decision.slice('approve:'.length) : '';
    if (!this.users.has(userId)) return { status: 200, body: '<html><body>Log in to Instagram</body></html>' };
    const code = `AQ${randomBytes(48).toString('base64url')}`;
    this.codes.set(code, { code, userId, redirectUri: q.redirect_uri, permissions: scopes, expiresAt: Date.now() + CODE_SECONDS * 1000, used: false });
    redirect.searchParams.set('code', code);
    // "We append #_ to the end of the redirect URI, but it is not part of the code itself."
    return { status: 302, body: '', headers: { location: `${redirect}#_` } };
  }

  private codeExchange(params: Record<string, string>): Json {
    if (params.client_id !== this.app.appId) throw loginError('Invalid platform app');
    if (params.client_secret !== this.app.appSecret) throw loginError('Error validating client secret.');
    if (params.grant_type !== 'authorization_code') throw loginError('Invalid grant_type: authorization_code');
    const grant = this.codes.get(params.code ?? '');
    if (!grant || grant.used || grant.expiresAt < Date.now()) throw loginError('Matching code was not found or was already used');
    if (params.redirect_uri !== grant.redirectUri) {
      throw loginError('Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request');
    }
    grant.used = true;
    const token = this.issueToken(grant.userId, { kind: 'short', permissions: grant.permissions });
    return { data: [{ access_token: token.token, user_id: this.users.get(grant.userId)!.appScopedId, permissions: grant.permissions.join(',') }] };
  }

  private exchangeForLongLived(params: Record<string, string>): Json {
    if (params.grant_type !== 'ig_exchange_token') throw graphError(100, 'Invalid parameter', { userMessage: 'grant_type must be ig_exchange_token' });
    if (params.client_secret !== this.app.appSecret) throw graphError(101, 'Error validating client secret.');
    const short = this.authenticate(undefined, params.access_token);
    if (short.kind !== 'short') throw graphError(100, 'Invalid parameter', { userMessage: 'the access token is not a short-lived token' });
    const long = this.issueToken(short.userId, { permissions: short.permissions });
    return { access_token: long.token, token_type: 'bearer', expires_in: LONG_LIVED_SECONDS };
  }

  private refresh(params: Record<string, string>): Json {
    if (params.grant_type !== 'ig_refresh_token') throw graphError(100, 'Invalid parameter', { userMessage: 'grant_type must be ig_refresh_token' });
    const current = this.authenticate(undefined, params.access_token);
    if (current.kind !== 'long') throw graphError(100, 'Invalid parameter', { userMessage: 'only long-lived tokens can be refreshed' });
    if (Date.now() - current.issuedAt < 86_400_000) throw graphError(100, 'Invalid parameter', { userMessage: 'a token can be refreshed once it is at least 24 hours old' });
    const next = this.issueToken(current.userId, { permissions: current.permissions });
    return { access_token: next.token, token_type: 'bearer', expires_in: LONG_LIVED_SECONDS };
  }

  // ── Graph ─────────────────────────────────────────────────────────────────────────────────

  private async graph(route: InstagramRoute, id: string | undefined, params: Record<string, string>, token: InstagramToken, user: InstagramUser): Promise<unknown> {
    const needs = (permission: string) => {
      if (!token.permissions.includes(permission)) throw graphError(10, `Application does not have permission for this action`, { userMessage: `missing ${permission}` });
    };
    const ownUser = () => {
      if (id !== undefined && id !== user.id && id !== user.appScopedId) {
        if (this.users.has(id)) throw graphError(10, 'Application does not have permission for this action');
        throw noObject(id);
      }
      return user;
    };
    needs('instagram_business_basic');
    switch (route) {
      case 'GET /me':
        return this.userFields(user, params.fields, true);
      case 'GET /:ig-user-id':
        return this.userFields(ownUser(), params.fields, false);
      case 'POST /:ig-user-id/media':
        needs('instagram_business_content_publish');
        return this.createContainer(ownUser(), params);
      case 'GET /:ig-container-id':
        return this.containerFields(this.ownContainer(id!, user), params.fields);
      case 'POST /:ig-user-id/media_publish':
        needs('instagram_business_content_publish');
        return this.publish(ownUser(), params);
      case 'GET /:ig-user-id/content_publishing_limit':
        return this.publishingLimit(ownUser(), params);
      case 'GET /:ig-user-id/media':
        return this.listMedia(ownUser(), params);
      case 'GET /:ig-media-id':
        return this.mediaFields(this.ownMedia(id!, user), params.fields);
      case 'GET /:ig-media-id/insights':
        return this.insights(this.ownMedia(id!, user, 'insights'), params);
      default:
        throw graphError(100, `Unsupported request ${route}`);
    }
  }

  private userFields(user: InstagramUser, fields: string | undefined, me: boolean): Json {
    const all: Json = { id: me ? user.appScopedId : user.id, user_id: user.id, username: user.username, account_type: user.accountType, name: user.username, media_count: this.publishedBy(user.id).length };
    const wanted = (fields ?? 'id').split(',').map((f) => f.trim()).filter(Boolean);
    const unknown = wanted.filter((f) => !(f in all));
    if (unknown.length > 0) throw graphError(100, `Tried accessing nonexisting field (${unknown[0]}) on node type (User)`);
    return Object.fromEntries(['id', ...wanted].map((f) => [f, all[f]]));
  }

  private createContainer(user: InstagramUser, params: Record<string, string>): Json {
    if (params.media_type !== 'REELS') throw graphError(100, 'Invalid parameter', { userTitle: 'Unsupported media type', userMessage: 'this fake only takes media_type=REELS' });
    const caption = params.caption ?? '';
    if ([...caption].length > CAPTION_MAX) throw graphError(100, 'Invalid parameter', { userMessage: `The caption is over ${CAPTION_MAX} characters.` });
    if (hashtagCount(caption) > HASHTAGS_MAX) throw graphError(100, 'Invalid parameter', { userMessage: `The caption has more than ${HASHTAGS_MAX} hashtags.` });
    if (mentionCount(caption) > MENTIONS_MAX) throw graphError(100, 'Invalid parameter', { userMessage: `The caption has more than ${MENTIONS_MAX} @ tags.` });
    const resumable = params.upload_type === 'resumable';
    if (params.upload_type !== undefined && !resumable) throw graphError(100, 'Invalid parameter', { userMessage: 'upload_type must be resumable' });
    if (resumable && !this.resumableUploads) throw graphError(100, 'Invalid parameter', { userMessage: 'The parameter upload_type is not supported for this app.' });
    if (!resumable && !params.video_url) throw graphError(100, 'The parameter video_url is required');
    const dayAgo = Date.now() - 86_400_000;
    if ([...this.containers.values()].filter((c) => c.userId === user.id && c.createdAt > dayAgo).length >= 400) {
      throw graphError(9, 'Application request limit reached', { userMessage: 'An Instagram account can only create 400 containers within a rolling 24 hour period' });
    }
    const container: InstagramContainer = {
      id: this.id(17889455560000000n), userId: user.id, mediaType: 'REELS', caption, shareToFeed: params.share_to_feed !== 'false',
      uploadType: resumable ? 'resumable' : 'video_url', videoUrl: params.video_url, bytes: Buffer.alloc(0), uploads: 0,
      state: 'awaiting_upload', pollsLeft: this.processingPolls, outcome: null, createdAt: Date.now(),
    };
    this.containers.set(container.id, container);
    if (!resumable) void this.fetchVideo(container);
    return resumable ? { id: container.id, uri: `${this.url}/ig-api-upload/v21.0/${container.id}` } : { id: container.id };
  }

  /** "We cURL media used in publishing attempts": the hosted video is downloaded when the container is created. */
  private async fetchVideo(container: InstagramContainer): Promise<void> {
    try {
      const res = await fetch(container.videoUrl!, { signal: AbortSignal.timeout(30_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      this.received(container, Buffer.from(await res.arrayBuffer()));
    } catch {
      container.state = 'ERROR';
      container.outcome = { subcode: 2207052, message: `The media could not be fetched from this uri: ${container.videoUrl}` };
    }
  }

  private rupload(id: string, headers: Record<string, string>, raw: Buffer): { status: number; body: unknown } {
    const bad = (type: string, message: string, status = 400) => { throw new GraphError(status, { debug_info: { retriable: false, type, message } }); };
    const token = /^OAuth\s+(\S+)$/.exec(headers.authorization ?? '')?.[1];
    if (!token) bad('AuthException', 'Authorization header must be "OAuth <access token>"', 401);
    let owner: InstagramToken;
    try {
      owner = this.authenticate(`OAuth ${token}`, undefined);
    } catch {
      return bad('AuthException', 'Invalid OAuth access token.', 401);
    }
    const container = this.containers.get(id);
    if (!container || container.userId !== owner.userId) return bad('NotFoundException', `Unknown container ${id}`, 404);
    if (container.uploadType !== 'resumable') bad('ParameterValidationError', 'this container was not created with upload_type=resumable');
    if (headers.file_url) {
      container.videoUrl = headers.file_url;
      container.uploads++;
      void this.fetchVideo(container);
      return { status: 200, body: { success: true, message: 'Upload successful.' } };
    }
    const offset = Number(headers.offset);
    if (headers.offset === undefined || !Number.isInteger(offset) || offset < 0) bad('ParameterValidationError', 'HeaderValuePredicate: Header Offset not convertable to unsigned long');
    const fileSize = Number(headers.file_size);
    if (headers.file_size === undefined || !Number.isInteger(fileSize) || fileSize <= 0) bad('ParameterValidationError', 'HeaderValuePredicate: Header file_size not convertable to unsigned long');
    if (fileSize > REELS_MAX_BYTES) bad('ParameterValidationError', `file_size is over ${REELS_MAX_BYTES} bytes`);
    if (container.state !== 'awaiting_upload') bad('ParameterValidationError', 'The upload of this container is complete');
    // Resuming: the bytes go on from what arrived; offset 0 starts the transfer over.
    if (offset !== 0 && offset !== container.bytes.length) bad('ParameterValidationError', `Offset ${offset} does not match the ${container.bytes.length} bytes received`);
    const bytes = Buffer.concat([container.bytes.subarray(0, offset), raw]);
    if (bytes.length > fileSize) bad('ParameterValidationError', `Received ${bytes.length} bytes, more than file_size ${fileSize}`);
    container.fileSize = fileSize;
    container.uploads++;
    if (bytes.length < fileSize) {
      container.bytes = bytes;
      return { status: 200, body: { success: true, message: 'Upload successful.' } };
    }
    this.received(container, bytes);
    return { status: 200, body: { success: true, message: 'Upload successful.' } };
  }

  /** The whole file is in: processing starts (an MP4 is recognised by its `ftyp` box). */
  private received(container: InstagramContainer, bytes: Buffer) {
    container.bytes = bytes;
    container.state = 'IN_PROGRESS';
    const scripted = this.containerOutcomes.shift();
    if (scripted) container.outcome = scripted;
    else if (bytes.subarray(4, 8).toString('latin1') !== 'ftyp') container.outcome = { subcode: 2207026, message: 'Unsupported format: The video format is not supported. Please check spec for supported format' };
    else if (bytes.length > REELS_MAX_BYTES) container.outcome = { subcode: 2207026, message: 'The video file is too large' };
  }

  private ownContainer(id: string, user: InstagramUser): InstagramContainer {
    const container = this.containers.get(id);
    if (!container || container.userId !== user.id) throw noObject(id);
    return container;
  }

  /** Each status read moves processing on by one poll. */
  private containerState(container: InstagramContainer, poll: boolean): ContainerState {
    if (container.state !== 'PUBLISHED' && container.createdAt + CONTAINER_TTL_MS < Date.now()) container.state = 'EXPIRED';
    if (container.state === 'IN_PROGRESS' && poll) {
      if (container.pollsLeft > 0) container.pollsLeft--;
      else container.state = container.outcome ? 'ERROR' : 'FINISHED';
    }
    return container.state;
  }

  private containerFields(container: InstagramContainer, fields: string | undefined): Json {
    const wanted = (fields ?? 'id').split(',').map((f) => f.trim()).filter(Boolean);
    const allowed = ['id', 'status', 'status_code', 'copyright_check_status'];
    const unknown = wanted.filter((f) => !allowed.includes(f));
    if (unknown.length > 0) throw graphError(100, `Tried accessing nonexisting field (${unknown[0]}) on node type (ShadowIGMediaBuilder)`);
    const state = this.containerState(container, wanted.includes('status_code') || wanted.includes('status'));
    const code = state === 'awaiting_upload' ? 'IN_PROGRESS' : state;
    const status = code === 'ERROR' ? `Error: ${container.outcome?.message ?? 'Media upload has failed'}: ${container.outcome?.subcode ?? 2207001}`
      : code === 'FINISHED' ? 'Finished: Media has been uploaded and it is ready to be published.'
        : code === 'PUBLISHED' ? 'Published: Media has been published.'
          : code === 'EXPIRED' ? 'Expired: The container was not published within 24 hours.'
            : 'In Progress: Media is still being processed.';
    const all: Json = { id: container.id, status_code: code, status, copyright_check_status: { status: 'complete', matches_found: false } };
    return Object.fromEntries(['id', ...wanted].map((f) => [f, all[f]]));
  }

  private usage(user: InstagramUser, since: number): number {
    return [...this.media.values()].filter((m) => m.userId === user.id && m.viaApi && m.timestamp.getTime() > since).length;
  }

  private publish(user: InstagramUser, params: Record<string, string>): Json {
    const id = params.creation_id;
    if (!id) throw graphError(100, 'The parameter creation_id is required');
    const container = this.containers.get(id);
    if (!container || container.userId !== user.id) throw graphError(24, 'The media builder with creation id does not exist or has expired.', { subcode: 2207008, userTitle: 'Media ID not found' });
    const state = this.containerState(container, false);
    if (state === 'EXPIRED') throw graphError(-2, 'The media you are trying to access has expired. Please try to upload again.', { subcode: 2207020 });
    if (state === 'PUBLISHED') throw graphError(100, 'Invalid parameter', { userMessage: 'This media has already been published.' });
    if (state === 'ERROR') throw graphError(-1, 'Create media fail, please try to re-create media', { subcode: 2207032 });
    if (state !== 'FINISHED') throw graphError(9007, 'Media ID is not available', { subcode: 2207027, userTitle: 'Media not ready', userMessage: 'The media is not ready for publishing, please wait for a moment' });
    if (this.usage(user, Date.now() - 86_400_000) >= this.quotaTotal) {
      throw graphError(9, 'Application request limit reached', { subcode: 2207042, userTitle: 'Publishing limit reached', userMessage: 'You reached maximum number of posts that is allowed to be published by Content Publishing API.' });
    }
    const media = this.createMedia(user.id, container.caption, new Date(), true, container.id);
    container.state = 'PUBLISHED';
    container.mediaId = media.id;
    return { id: media.id };
  }

  private publishingLimit(user: InstagramUser, params: Record<string, string>): Json {
    const duration = 86_400;
    let since = Date.now() - duration * 1000;
    if (params.since !== undefined) {
      const asked = Number(params.since) * 1000;
      if (!Number.isFinite(asked) || asked < since - 60_000) throw graphError(100, 'Invalid parameter', { userMessage: 'since must be a Unix timestamp no older than 24 hours' });
      since = asked;
    }
    const wanted = (params.fields ?? 'quota_usage').split(',').map((f) => f.trim());
    const entry: Json = {};
    if (wanted.includes('quota_usage')) entry.quota_usage = this.usage(user, since);
    if (wanted.includes('config')) entry.config = { quota_total: this.quotaTotal, quota_duration: duration };
    return { data: [entry] };
  }

  private listMedia(user: InstagramUser, params: Record<string, string>): Json {
    const limit = params.limit === undefined ? 25 : Number(params.limit);
    if (!Number.isInteger(limit) || limit < 1) throw graphError(100, 'Invalid parameter', { userMessage: 'limit must be a positive integer' });
    const page = Math.min(limit, 100);
    let items = this.publishedBy(user.id).sort((a, b) => b.timestamp.getTime() - a.timestamp.getTime() || (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
    if (params.after) {
      const after = Buffer.from(params.after, 'base64url').toString();
      const at = items.findIndex((m) => m.id === after);
      items = at < 0 ? [] : items.slice(at + 1);
    }
    const slice = items.slice(0, page);
    const cursor = (m: InstagramMedia) => Buffer.from(m.id).toString('base64url');
    return {
      data: slice.map((m) => this.mediaFields(m, params.fields)),
      ...(slice.length > 0 ? {
        paging: {
          cursors: { before: cursor(slice[0]!), after: cursor(slice.at(-1)!) },
          ...(items.length > page ? { next: `${this.url}/v21.0/${user.id}/media?limit=${page}&after=${cursor(slice.at(-1)!)}` } : {}),
        },
      } : {}),
    };
  }

  private ownMedia(id: string, user: InstagramUser, edge = ''): InstagramMedia {
    const media = this.media.get(id);
    if (!media || media.deleted || media.userId !== user.id) throw noObject(id, edge);
    return media;
  }

  private mediaFields(media: InstagramMedia, fields: string | undefined): Json {
    const all: Json = {
      id: media.id, caption: media.caption, permalink: media.permalink, shortcode: media.shortcode, timestamp: media.timestamp.toISOString().replace(/\.\d{3}Z$/, '+0000'),
      media_type: 'VIDEO', media_product_type: 'REELS', like_count: media.insights.likes, comments_count: media.insights.comments, username: this.users.get(media.userId)?.username,
    };
    const wanted = (fields ?? 'id').split(',').map((f) => f.trim()).filter(Boolean);
    const unknown = wanted.filter((f) => !(f in all));
    if (unknown.length > 0) throw graphError(100, `Tried accessing nonexisting field (${unknown[0]}) on node type (Media)`);
    return Object.fromEntries(['id', ...wanted].map((f) => [f, all[f]]));
  }

  private insights(media: InstagramMedia, params: Record<string, string>): Json {
    const metrics = (params.metric ?? '').split(',').map((m) => m.trim()).filter(Boolean);
    if (metrics.length === 0) throw graphError(100, 'The parameter metric is required');
    const bad = metrics.find((m) => !REELS_INSIGHTS.includes(m));
    if (bad) throw graphError(100, `(#100) metric[${metrics.indexOf(bad)}] must be one of the following values: ${REELS_INSIGHTS.join(', ')}`);
    const i = media.insights;
    const values: Record<string, number> = {
      ...i, total_interactions: i.likes + i.comments + i.shares + i.saved, ig_reels_avg_watch_time: 4200, ig_reels_video_view_total_time: i.views * 4200,
    };
    return {
      data: metrics.map((name) => ({
        name, period: 'lifetime', values: [{ value: values[name] }], title: name[0]!.toUpperCase() + name.slice(1).replace(/_/g, ' '),
        description: `${name} of the reel`, id: `${media.id}/insights/${name}/lifetime`,
      })),
    };
  }

  private createMedia(userId: string, caption: string, at: Date, viaApi: boolean, containerId?: string): InstagramMedia {
    const shortcode = randomBytes(8).toString('base64url').slice(0, 11);
    const media: InstagramMedia = {
      id: this.id(17918195224000000n), userId, caption, shortcode, permalink: `https://www.instagram.com/reel/${shortcode}/`, timestamp: at, viaApi, containerId, deleted: false,
      insights: { views: 0, reach: 0, likes: 0, comments: 0, shares: 0, saved: 0 },
    };
    this.media.set(media.id, media);
    return media;
  }

  private id(base: bigint): string {
    return String(base + this.nextId++);
  }
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Graph takes parameters in the query string, a form body or a JSON body. */
function parseBody(raw: Buffer, contentType: string): Json {
  if (raw.length === 0) return {};
  if (contentType.includes('application/json')) return JSON.parse(raw.toString('utf8')) as Json;
  if (contentType.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
  throw new Error(`unsupported content type ${contentType}`);
}

export async function startFakeInstagram(options: FakeInstagramOptions = {}): Promise<FakeInstagram> {
  const fake = new FakeInstagram(options);
  await fake.listen();
  return fake;
}
