/**
 * A fake X API v2: a real HTTP server on 127.0.0.1 (random port) speaking the parts of the API the X driver uses,
 * as X's public documentation describes them, recording every request and letting tests script faults.
 *
 *   const x = await startFakeX();                          // X_API_ROOT = x.url, X_AUTHORIZE_URL = x.authorizeUrl
 *   const user = x.addUser({ username: 'ana_live' });
 *   const tokens = x.issueTokens(user.id);                 // or the whole OAuth dance: x.approve(authorizeUrl, user.id)
 *   x.failNext('POST /2/tweets', { status: 503 });          // x.loseNextAnswer(...), x.rejectNext(...), x.setRateLimit(...)
 *
 * Doc pages it follows (docs.x.com; the same text is in github.com/xdevplatform/docs, openapi.json v2.167):
 * - OAuth 2.0 with PKCE: https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code (scopes,
 *   `offline.access` gives a refresh token, access tokens live two hours, the code lives 30 s, state ≤ 500 chars,
 *   code_challenge_method S256 or plain, exact redirect_uri match) and
 *   https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token (authorize URL, POST /2/oauth2/token
 *   form bodies, HTTP Basic for confidential clients, client_id in the body for public ones, POST /2/oauth2/revoke).
 * - Chunked media upload: https://docs.x.com/x-api/media/quickstart/media-upload-chunked and the API reference
 *   https://docs.x.com/x-api/media/initialize-media-upload, …/append-media-upload, …/finalize-media-upload,
 *   …/get-media-upload-status (POST /2/media/upload/initialize JSON, POST /2/media/upload/{id}/append multipart
 *   `media` + `segment_index` 0–999, POST /2/media/upload/{id}/finalize, GET /2/media/upload?command=STATUS&media_id=;
 *   processing_info.state pending → in_progress → succeeded | failed, check_after_secs). Chunks ≤ 5 MB (the APPEND
 *   reference: https://developer.x.com/en/docs/twitter-api/v1/media/upload-media/api-reference/post-media-upload-append);
 *   video ≤ 512 MB (https://docs.x.com/x-api/media/quickstart/best-practices).
 * - Posts: https://docs.x.com/x-api/posts/create-post (text, media.media_ids 1–4, reply.in_reply_to_tweet_id,
 *   additionalProperties false), https://docs.x.com/x-api/posts/manage-tweets/integrate (self-serve reply restriction:
 *   a reply must be "summoned" by the original author), https://docs.x.com/fundamentals/counting-characters (280
 *   weighted characters, URLs 23, emoji 2, NFC).
 * - Reads: https://docs.x.com/x-api/users/lookup/introduction (GET /2/users/me), https://docs.x.com/x-api/posts/timelines/integrate
 *   (GET /2/users/:id/tweets: default fields id, text, edit_history_tweet_ids; max_results 5–100; exclude),
 *   https://docs.x.com/x-api/fundamentals/data-dictionary (public_metrics: retweet_count, reply_count, like_count,
 *   quote_count, impression_count, bookmark_count).
 * - Limits and errors: https://docs.x.com/x-api/fundamentals/rate-limits (x-rate-limit-limit/remaining/reset, reset in
 *   epoch seconds, per-endpoint per-user and per-app numbers, 429) and https://docs.x.com/x-api/fundamentals/response-codes-and-errors
 *   (problem bodies `{ title, detail, type }`; a missing post inside a 200 as `errors: [{ title: 'Not Found Error', … }]`).
 * Where the docs show no body, the fake answers what X is seen to answer in public issue threads: token errors
 * `{ error: 'invalid_request', error_description: 'Value passed for the authorization code was invalid.' }` / '…the token
 * was invalid.' (plhery/node-twitter-api-v2#496), `unauthorized_client` 'Missing valid authorization header' for a
 * confidential client without Basic (…#319), single-use refresh tokens whose reuse revokes the family (trypostit/trypost#126),
 * 403 `{ detail: 'You are not allowed to create a Tweet with duplicate content.', type: 'about:blank', title: 'Forbidden',
 * status: 403 }` (akrherz/iembot#163), the `x-app-limit-24hour-*` headers of POST /2/tweets (read by twitter-api-v2).
 * The refusal of a text over 280 is not documented: this fake answers a 400 invalid-request problem.
 */
import {
  closeServer, decideOnConsentPage, listenOnLoopback, takeScriptedFailure, type ScriptedFailure as SharedScriptedFailure,
} from './http-fake.js';
import { xUrlPattern, xWeightedLength } from '../../core/x-text.js';
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export type Json = Record<string, any>;

/** Scopes of https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code#scopes. */
export const X_SCOPES = [
  'tweet.read', 'tweet.write', 'tweet.moderate.write', 'users.email', 'users.read', 'follows.read', 'follows.write',
  'offline.access', 'space.read', 'mute.read', 'mute.write', 'like.read', 'like.write', 'list.read', 'list.write',
  'block.read', 'block.write', 'bookmark.read', 'bookmark.write', 'dm.read', 'dm.write', 'media.write',
] as const;

/** The routes a test can script, named as the rate-limit page names them. */
export type XRoute =
  | 'POST /2/oauth2/token' | 'POST /2/oauth2/revoke'
  | 'GET /2/users/me' | 'GET /2/users/:id/tweets' | 'GET /2/tweets/:id' | 'POST /2/tweets'
  | 'POST /2/media/upload/initialize' | 'POST /2/media/upload/:id/append' | 'POST /2/media/upload/:id/finalize' | 'GET /2/media/upload';

/** Per-user limits per 15 minutes (and per-app per 24 h where the page gives one) from the rate-limit tables. */
const routeLimits: Record<XRoute, { perUser15m: number; perApp24h?: number }> = {
  'POST /2/oauth2/token': { perUser15m: 10_000 },
  'POST /2/oauth2/revoke': { perUser15m: 10_000 },
  'GET /2/users/me': { perUser15m: 75 },
  'GET /2/users/:id/tweets': { perUser15m: 900 },
  'GET /2/tweets/:id': { perUser15m: 900 },
  'POST /2/tweets': { perUser15m: 100, perApp24h: 10_000 },
  'POST /2/media/upload/initialize': { perUser15m: 1875 },
  'POST /2/media/upload/:id/append': { perUser15m: 1875 },
  'POST /2/media/upload/:id/finalize': { perUser15m: 1875 },
  'GET /2/media/upload': { perUser15m: 1000 },
};

const scopesOf: Partial<Record<XRoute, string[]>> = {
  'GET /2/users/me': ['tweet.read', 'users.read'],
  'GET /2/users/:id/tweets': ['tweet.read', 'users.read'],
  'GET /2/tweets/:id': ['tweet.read', 'users.read'],
  'POST /2/tweets': ['tweet.read', 'tweet.write', 'users.read'],
  'POST /2/media/upload/initialize': ['media.write'],
  'POST /2/media/upload/:id/append': ['media.write'],
  'POST /2/media/upload/:id/finalize': ['media.write'],
  'GET /2/media/upload': ['media.write'],
};

const ACCESS_TOKEN_SECONDS = 7200;
const CODE_SECONDS = 30;
const MAX_CHUNK_BYTES = 5 * 1024 * 1024;
const MAX_VIDEO_BYTES = 512 * 1024 * 1024;
const MAX_SEGMENTS = 1000;
const PROBLEM = 'https://api.x.com/2/problems';

export interface XClient {
  clientId: string;
  /** Set = a confidential client (HTTP Basic at the token endpoint). */
  clientSecret?: string;
  redirectUris: string[];
}

export interface XUser {
  id: string;
  username: string;
  name: string;
}

export interface RecordedXRequest {
  method: string;
  path: string;
  route: XRoute | null;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** JSON or form fields; for multipart, the text fields. */
  body: Json;
  /** Multipart file parts: field → size in bytes. */
  files: Record<string, number>;
  status: number;
  response: unknown;
  /** The action ran but the connection was dropped before any answer. */
  lost: boolean;
  at: number;
}

export interface XPost {
  id: string;
  authorId: string;
  /** The text as the client sent it. */
  textSent: string;
  /** The text as X serves it: URLs as t.co links, a t.co link to the media at the end, &, <, > escaped. */
  text: string;
  mediaIds: string[];
  inReplyToTweetId?: string;
  inReplyToUserId?: string;
  createdAt: Date;
  deleted: boolean;
  publicMetrics: { retweet_count: number; reply_count: number; like_count: number; quote_count: number; bookmark_count: number; impression_count: number };
}

export type ProcessingState = 'pending' | 'in_progress' | 'succeeded' | 'failed';

export interface XUpload {
  id: string;
  mediaKey: string;
  userId: string;
  mediaType: string;
  category: string;
  totalBytes: number;
  segments: Map<number, Buffer>;
  /** Append requests in the order they came (segment index, bytes). */
  appends: { segmentIndex: number; bytes: number }[];
  finalized: boolean;
  /** The file put back together at FINALIZE (segments in index order). */
  assembled?: Buffer;
  /** The states STATUS answers next, one per poll; the last one stays. */
  pendingStates: ProcessingState[];
  state?: ProcessingState;
  failure?: { code: number; name: string; message: string };
  expiresAt: number;
}

interface Grant {
  id: number;
  userId: string;
  clientId: string;
  scopes: string[];
  accessToken: string;
  accessExpiresAt: number;
  refreshToken?: string;
  spentRefreshTokens: Set<string>;
  revoked: boolean;
}

interface AuthCode {
  code: string;
  clientId: string;
  redirectUri: string;
  challenge: string;
  method: 'S256' | 'plain';
  scopes: string[];
  userId: string;
  expiresAt: number;
  used: boolean;
}

type ScriptedFailure = SharedScriptedFailure<XRoute>;

interface Window {
  limit: number;
  remaining: number;
  resetAt: number;
}

export interface FakeXOptions {
  /** The OAuth client of our app as registered with X; default a confidential client. */
  client?: XClient;
  /** STATUS answers these states, one per poll, after FINALIZE's `pending` (default in_progress, succeeded). */
  processingStates?: ProcessingState[];
  /** What processing_info.check_after_secs says (default 1). */
  checkAfterSecs?: number;
  /** Self-serve reply restriction (manage-tweets/integrate); default on. */
  replyRestriction?: boolean;
}

class HttpError extends Error {
  constructor(readonly status: number, readonly body: unknown, readonly headers: Record<string, string> = {}) {
    super(typeof body === 'object' && body !== null ? JSON.stringify(body) : String(body));
  }
}

const problem = (status: number, title: string, detail: string, type = 'about:blank', extra: Json = {}) =>
  new HttpError(status, { ...extra, title, detail, type, status });

const invalidRequest = (message: string, parameter?: string) =>
  new HttpError(400, {
    errors: [{ ...(parameter ? { parameters: { [parameter]: [] } } : {}), message }],
    title: 'Invalid Request', detail: 'One or more parameters to your request was invalid.', type: `${PROBLEM}/invalid-request`,
  });

const unauthorized = () => problem(401, 'Unauthorized', 'Unauthorized');

const tokenError = (status: number, error: string, description: string) => new HttpError(status, { error, error_description: description });

// Counting characters: X's published rule (https://docs.x.com/fundamentals/counting-characters), core/x-text.ts.

const escapeText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export class FakeX extends EventEmitter {
  url = '';
  readonly requests: RecordedXRequest[] = [];
  readonly users = new Map<string, XUser>();
  readonly posts: XPost[] = [];
  readonly uploads = new Map<string, XUpload>();
  readonly client: XClient;
  processingStates: ProcessingState[];
  checkAfterSecs: number;
  replyRestriction: boolean;

  private server = createServer((req, res) => void this.route(req, res));
  private grants: Grant[] = [];
  private codes = new Map<string, AuthCode>();
  private failures: ScriptedFailure[] = [];
  private lose = new Map<XRoute, number>();
  private windows = new Map<string, Window>();
  private forced = new Map<XRoute, Window>();
  private sequence = 0;
  private nextGrantId = 1;

  constructor(options: FakeXOptions = {}) {
    super();
    this.setMaxListeners(100);
    this.client = options.client ?? { clientId: 'ZmFrZS14LWNsaWVudDoxOmNp', clientSecret: randomBytes(24).toString('base64url'), redirectUris: ['http://localhost:3000/oauth/callback/x'] };
    this.processingStates = options.processingStates ?? ['in_progress', 'succeeded'];
    this.checkAfterSecs = options.checkAfterSecs ?? 1;
    this.replyRestriction = options.replyRestriction ?? true;
  }

  /** X_AUTHORIZE_URL for this fake. */
  get authorizeUrl(): string {
    return `${this.url}/i/oauth2/authorize`;
  }

  async listen(): Promise<void> {
    this.url = await listenOnLoopback(this.server);
  }

  async close(): Promise<void> {
    await closeServer(this.server);
  }

  // ── What the test controls ────────────────────────────────────────────────────────────────

  addUser(fields: { username: string; name?: string; id?: string }): XUser {
    const user: XUser = { id: fields.id ?? this.snowflake(), username: fields.username, name: fields.name ?? fields.username };
    this.users.set(user.id, user);
    return user;
  }

  /** Tokens as if `userId` had authorized our client with `scopes` (default: what the X driver asks, with offline.access). */
  issueTokens(userId: string, opts: { scopes?: string[]; clientId?: string } = {}): { accessToken: string; refreshToken?: string; expiresAt: string } {
    const grant = this.newGrant(userId, opts.clientId ?? this.client.clientId, opts.scopes ?? ['tweet.read', 'tweet.write', 'users.read', 'media.write', 'offline.access']);
    return { accessToken: grant.accessToken, refreshToken: grant.refreshToken, expiresAt: new Date(grant.accessExpiresAt).toISOString() };
  }

  /**
   * The user approves our app on X's consent page: loads the authorize URL (recorded like any request) and returns
   * the Location X redirects the browser to (`redirect_uri?state=…&code=…`). Throws with X's page text when the
   * authorize URL is not one X accepts.
   */
  async approve(authorizeUrl: string, userId: string): Promise<string> {
    return this.decide(authorizeUrl, `approve:${userId}`);
  }

  /** The user presses "Cancel": X redirects with `error=access_denied`. */
  async deny(authorizeUrl: string): Promise<string> {
    return this.decide(authorizeUrl, 'deny');
  }

  private decide(authorizeUrl: string, decision: string): Promise<string> {
    return decideOnConsentPage(authorizeUrl, decision, 'X');
  }

  /** The user removed our app from connected apps: every token of the grant `token` belongs to stops working. */
  revoke(token: string): void {
    const grant = this.grantOf(token);
    if (!grant) throw new Error('unknown token');
    grant.revoked = true;
  }

  /** Every access token issued so far has expired (refresh tokens still work). */
  expireAccessTokens(): void {
    for (const grant of this.grants) grant.accessExpiresAt = Date.now() - 1000;
  }

  /** Whether X would take this refresh token now. */
  refreshTokenValid(token: string): boolean {
    return this.grants.some((g) => !g.revoked && g.refreshToken === token);
  }

  accessTokenValid(token: string): boolean {
    return this.grants.some((g) => !g.revoked && g.accessToken === token && g.accessExpiresAt > Date.now());
  }

  /** The next `times` calls of `route` (after `skip` that go through) answer this status, body and headers. */
  failNext(route: XRoute, answer: { status: number; body?: unknown; headers?: Record<string, string> }, opts: { times?: number; skip?: number } = {}): void {
    this.failures.push({ route, ...answer, remaining: opts.times ?? 1, skip: opts.skip ?? 0 });
  }

  /** A policy refusal of the next POST /2/tweets: 403 with X's reason. */
  rejectNext(detail: string, opts: { skip?: number } = {}): void {
    this.failNext('POST /2/tweets', { status: 403, body: { detail, type: 'about:blank', title: 'Forbidden', status: 403 } }, opts);
  }

  /** The next call of `route` does what it asks (the post is created), then the connection drops with no answer. */
  loseNextAnswer(route: XRoute): void {
    this.lose.set(route, (this.lose.get(route) ?? 0) + 1);
  }

  /** Sets the window every caller of `route` shares: `remaining: 0` makes the next call a 429 until `resetInSecs`. */
  setRateLimit(route: XRoute, window: { limit?: number; remaining: number; resetInSecs: number }): void {
    this.forced.set(route, { limit: window.limit ?? routeLimits[route].perUser15m, remaining: window.remaining, resetAt: Math.floor(Date.now() / 1000) + window.resetInSecs });
  }

  deletePost(id: string): void {
    const post = this.post(id);
    if (!post) throw new Error(`no post ${id}`);
    post.deleted = true;
  }

  setMetrics(id: string, metrics: Partial<XPost['publicMetrics']>): void {
    const post = this.post(id);
    if (!post) throw new Error(`no post ${id}`);
    Object.assign(post.publicMetrics, metrics);
  }

  post(id: string): XPost | undefined {
    return this.posts.find((p) => p.id === id);
  }

  /** A post made elsewhere (X's own app, another account): no upload, no checks. */
  addPost(authorId: string, text: string): XPost {
    return this.createPost(authorId, text, [], undefined);
  }

  requestsTo(route: XRoute): RecordedXRequest[] {
    return this.requests.filter((r) => r.route === route);
  }

  // ── HTTP ──────────────────────────────────────────────────────────────────────────────────

  private async route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const query = Object.fromEntries(url.searchParams);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v ?? '']));
    const raw = await readAll(req);
    const record: RecordedXRequest = { method, path: url.pathname, route: null, query, headers, body: {}, files: {}, status: 0, response: undefined, lost: false, at: Date.now() };
    this.requests.push(record);
    const finish = (status: number, body: unknown, extraHeaders: Record<string, string> = {}) => {
      record.status = status;
      record.response = body;
      this.emit('request', record);
      if (res.destroyed) return;
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      const type = typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8';
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...extraHeaders });
      res.end(text);
    };

    if (method === 'GET' && url.pathname === '/i/oauth2/authorize') return this.authorize(url, finish);

    const match = matchRoute(method, url.pathname);
    if (!match) return finish(404, problem(404, 'Not Found', `Sorry, that page does not exist: ${method} ${url.pathname}`).body);
    record.route = match.route;
    let chunk: Buffer | undefined;
    try {
      ({ body: record.body, chunk } = await parseBody(raw, headers['content-type'] ?? '', record));
    } catch (error) {
      return finish(400, invalidRequest((error as Error).message).body);
    }
    const oauth = match.route === 'POST /2/oauth2/token' || match.route === 'POST /2/oauth2/revoke';
    const grant = oauth ? undefined : this.bearer(headers.authorization);
    const who = grant?.userId ?? 'app';

    const scripted = this.takeFailure(match.route);
    if (scripted) {
      const body = scripted.body ?? problem(scripted.status, httpTitle(scripted.status), httpTitle(scripted.status)).body;
      return finish(scripted.status, body, { ...this.limitHeaders(match.route, who), ...(scripted.headers ?? {}) });
    }

    try {
      if (oauth) {
        const body = match.route === 'POST /2/oauth2/token' ? this.token(record) : this.revokeEndpoint(record);
        return finish(200, body, this.limitHeaders(match.route, who));
      }
      if (!grant) throw unauthorized();
      const needed = scopesOf[match.route] ?? [];
      const missing = needed.filter((s) => !grant.scopes.includes(s));
      if (missing.length > 0) throw problem(403, 'Forbidden', `Missing scope for ${match.route}: ${missing.join(', ')}`, `${PROBLEM}/client-forbidden`);
      if (this.exhausted(match.route, who)) throw new HttpError(429, { title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 });
      const { status, body } = this.handle(match.route, match.params, record, grant, chunk);
      const lose = this.lose.get(match.route) ?? 0;
      if (lose > 0) {
        // The action happened; the answer never leaves: the client sees a dropped connection.
        this.lose.set(match.route, lose - 1);
        record.status = status;
        record.response = body;
        record.lost = true;
        this.emit('request', record);
        req.socket.destroy();
        return;
      }
      return finish(status, body, this.limitHeaders(match.route, who));
    } catch (error) {
      if (error instanceof HttpError) return finish(error.status, error.body, { ...this.limitHeaders(match.route, who), ...error.headers });
      return finish(500, problem(500, 'Internal Server Error', `fake X failed: ${(error as Error).stack ?? String(error)}`).body);
    }
  }

  private takeFailure(route: XRoute): ScriptedFailure | undefined {
    return takeScriptedFailure(this.failures, route);
  }

  // ── Rate limits ───────────────────────────────────────────────────────────────────────────

  private window(route: XRoute, who: string): Window {
    const forced = this.forced.get(route);
    const now = Math.floor(Date.now() / 1000);
    if (forced) {
      if (forced.resetAt <= now) this.forced.delete(route);
      else return forced;
    }
    const key = `${route}|${who}`;
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { limit: routeLimits[route].perUser15m, remaining: routeLimits[route].perUser15m, resetAt: now + 900 };
      this.windows.set(key, window);
    }
    return window;
  }

  /** Takes one call from the window; true when there is none left (a 429 until the reset). */
  private exhausted(route: XRoute, who: string): boolean {
    const window = this.window(route, who);
    const app = routeLimits[route].perApp24h ? this.appWindow(route) : undefined;
    if (window.remaining <= 0 || (app && app.remaining <= 0)) return true;
    window.remaining--;
    if (app) app.remaining--;
    return false;
  }

  private appWindow(route: XRoute): Window {
    const key = `${route}|app24h`;
    const now = Math.floor(Date.now() / 1000);
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { limit: routeLimits[route].perApp24h!, remaining: routeLimits[route].perApp24h!, resetAt: now + 86_400 };
      this.windows.set(key, window);
    }
    return window;
  }

  /** Every answer carries the route's window (and POST /2/tweets the app's 24-hour one). */
  private limitHeaders(route: XRoute, who: string): Record<string, string> {
    const window = this.window(route, who);
    const headers: Record<string, string> = {
      'x-rate-limit-limit': String(window.limit),
      'x-rate-limit-remaining': String(Math.max(0, window.remaining)),
      'x-rate-limit-reset': String(window.resetAt),
    };
    if (routeLimits[route].perApp24h) {
      const app = this.appWindow(route);
      headers['x-app-limit-24hour-limit'] = String(app.limit);
      headers['x-app-limit-24hour-remaining'] = String(Math.max(0, app.remaining));
      headers['x-app-limit-24hour-reset'] = String(app.resetAt);
    }
    return headers;
  }

  // ── OAuth 2.0 ─────────────────────────────────────────────────────────────────────────────

  private authorize(url: URL, finish: (status: number, body: unknown, headers?: Record<string, string>) => void) {
    const p = url.searchParams;
    const page = (status: number, message: string) => finish(status, `<!doctype html><title>X</title><p>${escapeText(message)}</p>`);
    if (p.get('client_id') !== this.client.clientId) return page(400, 'Something went wrong: you weren’t able to give access to the App (unknown client_id).');
    const redirectUri = p.get('redirect_uri') ?? '';
    if (!this.client.redirectUris.includes(redirectUri)) return page(400, 'Something went wrong: redirect_uri does not match a Callback URL of the App.');
    if (p.get('response_type') !== 'code') return page(400, 'Something went wrong: response_type must be code.');
    const state = p.get('state');
    if (!state || state.length > 500) return page(400, 'Something went wrong: state is required (up to 500 characters).');
    const challenge = p.get('code_challenge');
    const method = p.get('code_challenge_method');
    if (!challenge || (method !== 'S256' && method !== 'plain')) return page(400, 'Something went wrong: code_challenge and code_challenge_method (S256 or plain) are required.');
    if (method === 'S256' && !/^[A-Za-z0-9_-]{43}$/.test(challenge)) return page(400, 'Something went wrong: code_challenge is not a base64url SHA-256.');
    const scopes = (p.get('scope') ?? '').split(' ').filter(Boolean);
    if (scopes.length === 0 || scopes.some((s) => !(X_SCOPES as readonly string[]).includes(s))) return page(400, `Something went wrong: invalid scope "${p.get('scope') ?? ''}".`);
    const decision = p.get('fake_decision');
    const back = new URL(redirectUri);
    if (decision === 'deny') {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('state', state);
      return finish(302, '', { location: back.toString() });
    }
    const userId = decision?.startsWith('approve:') ? decision.slice('approve:'.length) : undefined;
    if (!userId) return page(200, `${this.client.clientId} wants to access your X account (${scopes.join(', ')}). Authorize app / Cancel`);
    if (!this.users.has(userId)) return page(400, 'no such user in this fake');
    const code = randomBytes(48).toString('base64url');
    this.codes.set(code, { code, clientId: this.client.clientId, redirectUri, challenge, method, scopes, userId, expiresAt: Date.now() + CODE_SECONDS * 1000, used: false });
    back.searchParams.set('state', state);
    back.searchParams.set('code', code);
    return finish(302, '', { location: back.toString() });
  }

  /** Client authentication at the token endpoint: Basic for a confidential client, client_id in the body for a public one. */
  private authenticateClient(record: RecordedXRequest): XClient {
    const header = record.headers.authorization ?? '';
    if (this.client.clientSecret) {
      const basic = /^Basic\s+(.+)$/i.exec(header);
      if (!basic) throw tokenError(401, 'unauthorized_client', 'Missing valid authorization header');
      const [id, secret] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
      if (id !== this.client.clientId || secret !== this.client.clientSecret) throw tokenError(401, 'unauthorized_client', 'Missing valid authorization header');
      return this.client;
    }
    if (!record.body.client_id) throw tokenError(400, 'invalid_request', 'Missing required parameter [client_id].');
    if (record.body.client_id !== this.client.clientId) throw tokenError(401, 'unauthorized_client', 'Missing valid authorization header');
    return this.client;
  }

  private token(record: RecordedXRequest): Json {
    if (!(record.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
      throw tokenError(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
    }
    const client = this.authenticateClient(record);
    const body = record.body;
    if (body.grant_type === 'authorization_code') {
      for (const name of ['code', 'redirect_uri', 'code_verifier']) {
        if (!body[name]) throw tokenError(400, 'invalid_request', `Missing required parameter [${name}].`);
      }
      const code = this.codes.get(String(body.code));
      const invalid = () => tokenError(400, 'invalid_request', 'Value passed for the authorization code was invalid.');
      if (!code || code.used || code.expiresAt < Date.now() || code.clientId !== client.clientId || code.redirectUri !== body.redirect_uri) throw invalid();
      code.used = true;
      const verifier = String(body.code_verifier);
      const expected = code.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
      if (expected !== code.challenge) throw invalid();
      return this.tokenAnswer(this.newGrant(code.userId, client.clientId, code.scopes));
    }
    if (body.grant_type === 'refresh_token') {
      if (!body.refresh_token) throw tokenError(400, 'invalid_request', 'Missing required parameter [refresh_token].');
      const token = String(body.refresh_token);
      const grant = this.grants.find((g) => g.refreshToken === token || g.spentRefreshTokens.has(token));
      const invalid = () => tokenError(400, 'invalid_request', 'Value passed for the token was invalid.');
      if (!grant || grant.revoked || grant.clientId !== client.clientId) throw invalid();
      if (grant.refreshToken !== token) {
        // A refresh token used twice: someone replays an old one, so the whole family stops working.
        grant.revoked = true;
        throw invalid();
      }
      grant.spentRefreshTokens.add(token);
      grant.accessToken = this.newToken('at');
      grant.accessExpiresAt = Date.now() + ACCESS_TOKEN_SECONDS * 1000;
      grant.refreshToken = this.newToken('rt');
      return this.tokenAnswer(grant);
    }
    throw tokenError(400, 'unsupported_grant_type', `Grant type ${String(body.grant_type ?? '')} is not supported.`);
  }

  private revokeEndpoint(record: RecordedXRequest): Json {
    this.authenticateClient(record);
    const grant = this.grantOf(String(record.body.token ?? ''));
    if (grant) grant.revoked = true;
    return { revoked: true };
  }

  private tokenAnswer(grant: Grant): Json {
    return {
      token_type: 'bearer', expires_in: ACCESS_TOKEN_SECONDS, access_token: grant.accessToken, scope: grant.scopes.join(' '),
      ...(grant.refreshToken ? { refresh_token: grant.refreshToken } : {}),
    };
  }

  private newGrant(userId: string, clientId: string, scopes: string[]): Grant {
    if (!this.users.has(userId)) throw new Error(`no user ${userId}`);
    const grant: Grant = {
      id: this.nextGrantId++, userId, clientId, scopes, accessToken: this.newToken('at'), accessExpiresAt: Date.now() + ACCESS_TOKEN_SECONDS * 1000,
      refreshToken: scopes.includes('offline.access') ? this.newToken('rt') : undefined, spentRefreshTokens: new Set(), revoked: false,
    };
    this.grants.push(grant);
    return grant;
  }

  /** Tokens look like X's: base64url of random bytes and a timestamp, ending in `:1:at:1` / `:1:rt:1`. */
  private newToken(kind: 'at' | 'rt'): string {
    return Buffer.from(`${randomBytes(30).toString('base64url')}:${Date.now()}:1:${kind}:1`).toString('base64url');
  }

  private grantOf(token: string): Grant | undefined {
    return this.grants.find((g) => g.accessToken === token || g.refreshToken === token || g.spentRefreshTokens.has(token));
  }

  private bearer(header: string | undefined): Grant | undefined {
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!match) return undefined;
    const grant = this.grants.find((g) => g.accessToken === match[1]);
    if (!grant || grant.revoked || grant.accessExpiresAt <= Date.now()) return undefined;
    return grant;
  }

  // ── Endpoints ─────────────────────────────────────────────────────────────────────────────

  private handle(route: XRoute, params: Record<string, string>, record: RecordedXRequest, grant: Grant, chunk: Buffer | undefined): { status: number; body: Json } {
    const user = this.users.get(grant.userId)!;
    switch (route) {
      case 'GET /2/users/me':
        return { status: 200, body: { data: { id: user.id, name: user.name, username: user.username } } };
      case 'GET /2/users/:id/tweets':
        return { status: 200, body: this.timeline(params.id!, record.query) };
      case 'GET /2/tweets/:id':
        return { status: 200, body: this.lookup(params.id!, record.query) };
      case 'POST /2/tweets':
        return { status: 201, body: this.createTweet(record.body, user) };
      case 'POST /2/media/upload/initialize':
        return { status: 200, body: this.initialize(record, user) };
      case 'POST /2/media/upload/:id/append':
        return { status: 200, body: this.append(params.id!, record, chunk, user) };
      case 'POST /2/media/upload/:id/finalize':
        return { status: 200, body: this.finalize(params.id!, user) };
      case 'GET /2/media/upload':
        return { status: 200, body: this.status(record.query, user) };
      default:
        throw problem(404, 'Not Found', `no handler for ${route}`);
    }
  }

  private fields(query: Record<string, string>): string[] {
    return (query['tweet.fields'] ?? query['post.fields'] ?? '').split(',').filter(Boolean);
  }

  private tweetObject(post: XPost, fields: string[]): Json {
    const object: Json = { id: post.id, text: post.text, edit_history_tweet_ids: [post.id] };
    if (fields.includes('author_id')) object.author_id = post.authorId;
    if (fields.includes('created_at')) object.created_at = post.createdAt.toISOString();
    if (fields.includes('public_metrics')) object.public_metrics = { ...post.publicMetrics };
    if (fields.includes('attachments') && post.mediaIds.length > 0) object.attachments = { media_keys: post.mediaIds.map((id) => `7_${id}`) };
    if (fields.includes('in_reply_to_user_id') && post.inReplyToUserId) object.in_reply_to_user_id = post.inReplyToUserId;
    if (fields.includes('referenced_tweets') && post.inReplyToTweetId) object.referenced_tweets = [{ type: 'replied_to', id: post.inReplyToTweetId }];
    return object;
  }

  private lookup(id: string, query: Record<string, string>): Json {
    if (!/^[0-9]{1,19}$/.test(id)) throw invalidRequest(`The \`id\` query parameter value [${id}] does not match ^[0-9]{1,19}$`, 'id');
    const post = this.post(id);
    if (!post || post.deleted) {
      return {
        errors: [{
          value: id, detail: `Could not find tweet with id: [${id}].`, title: 'Not Found Error', resource_type: 'tweet', parameter: 'id',
          resource_id: id, type: `${PROBLEM}/resource-not-found`,
        }],
      };
    }
    return { data: this.tweetObject(post, this.fields(query)) };
  }

  private timeline(userId: string, query: Record<string, string>): Json {
    if (!this.users.has(userId)) {
      return { errors: [{ value: userId, detail: `Could not find user with id: [${userId}].`, title: 'Not Found Error', resource_type: 'user', parameter: 'id', resource_id: userId, type: `${PROBLEM}/resource-not-found` }] };
    }
    const max = query.max_results === undefined ? 10 : Number(query.max_results);
    if (!Number.isInteger(max) || max < 5 || max > 100) throw invalidRequest(`The \`max_results\` query parameter value [${query.max_results}] is not between 5 and 100`, 'max_results');
    const exclude = (query.exclude ?? '').split(',').filter(Boolean);
    if (exclude.some((e) => e !== 'replies' && e !== 'retweets')) throw invalidRequest(`The \`exclude\` query parameter value [${query.exclude}] is not one of [replies, retweets]`, 'exclude');
    let posts = this.posts
      .filter((p) => p.authorId === userId && !p.deleted)
      .filter((p) => !(exclude.includes('replies') && p.inReplyToTweetId))
      .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
    if (query.pagination_token) posts = posts.filter((p) => BigInt(p.id) < BigInt(Buffer.from(query.pagination_token!, 'base64url').toString()));
    if (query.since_id) posts = posts.filter((p) => BigInt(p.id) > BigInt(query.since_id!));
    const page = posts.slice(0, max);
    if (page.length === 0) return { meta: { result_count: 0 } };
    const fields = this.fields(query);
    return {
      data: page.map((p) => this.tweetObject(p, fields)),
      meta: {
        result_count: page.length, newest_id: page[0]!.id, oldest_id: page.at(-1)!.id,
        ...(posts.length > max ? { next_token: Buffer.from(page.at(-1)!.id).toString('base64url') } : {}),
      },
    };
  }

  private createTweet(body: Json, user: XUser): Json {
    const allowed = ['card_uri', 'community_id', 'direct_message_deep_link', 'edit_options', 'for_super_followers_only', 'geo', 'made_with_ai', 'media', 'nullcast', 'paid_partnership', 'poll', 'quote_tweet_id', 'reply', 'reply_settings', 'share_with_followers', 'text'];
    const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
    if (unknown.length > 0) throw invalidRequest(`The \`${unknown[0]}\` field is not allowed`, unknown[0]);
    const text = body.text === undefined ? '' : body.text;
    if (typeof text !== 'string') throw invalidRequest('text must be a string', 'text');
    const mediaIds: string[] = body.media === undefined ? [] : body.media?.media_ids;
    if (body.media !== undefined && (!Array.isArray(mediaIds) || mediaIds.length < 1 || mediaIds.length > 4 || mediaIds.some((id) => typeof id !== 'string' || !/^[0-9]{1,19}$/.test(id)))) {
      throw invalidRequest('media.media_ids must hold 1 to 4 media ids', 'media.media_ids');
    }
    if (text.trim() === '' && mediaIds.length === 0) throw invalidRequest('Post text or media is required.', 'text');
    if (xWeightedLength(text) > 280) throw invalidRequest('Your Tweet text is too long. For more information on how X determines text length see https://github.com/twitter/twitter-text.', 'text');
    for (const id of mediaIds) {
      const upload = this.uploads.get(id);
      if (!upload || upload.userId !== user.id || upload.state !== 'succeeded' || upload.expiresAt < Date.now()) throw invalidRequest('Your media IDs are invalid.', 'media.media_ids');
    }
    let replyTo: XPost | undefined;
    if (body.reply !== undefined) {
      const target = String(body.reply?.in_reply_to_tweet_id ?? '');
      if (!/^[0-9]{1,19}$/.test(target)) throw invalidRequest('reply.in_reply_to_tweet_id must be a post id', 'reply.in_reply_to_tweet_id');
      replyTo = this.post(target);
      if (!replyTo || replyTo.deleted) throw problem(403, 'Forbidden', 'You attempted to reply to a Tweet that is deleted or not visible to you.');
      const summoned = replyTo.authorId === user.id || new RegExp(`(^|[^\\w])@${user.username}\\b`, 'i').test(replyTo.textSent);
      if (this.replyRestriction && !summoned) {
        throw problem(403, 'Forbidden', 'Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the author of the post you are replying to.');
      }
    }
    const normalized = text.normalize('NFC').trim();
    const dayAgo = Date.now() - 86_400_000;
    if (this.posts.some((p) => p.authorId === user.id && !p.deleted && p.createdAt.getTime() > dayAgo && p.textSent.normalize('NFC').trim() === normalized && normalized !== '')) {
      throw problem(403, 'Forbidden', 'You are not allowed to create a Tweet with duplicate content.');
    }
    const post = this.createPost(user.id, text, mediaIds, replyTo);
    return { data: { id: post.id, text: post.text, edit_history_tweet_ids: [post.id] } };
  }

  private createPost(authorId: string, text: string, mediaIds: string[], replyTo: XPost | undefined): XPost {
    const tco = () => `https://t.co/${randomBytes(8).toString('base64url').slice(0, 10)}`;
    const served = escapeText(text.replace(xUrlPattern, () => tco())) + (mediaIds.length > 0 ? `${text ? ' ' : ''}${tco()}` : '');
    const post: XPost = {
      id: this.snowflake(), authorId, textSent: text, text: served, mediaIds, createdAt: new Date(), deleted: false,
      ...(replyTo ? { inReplyToTweetId: replyTo.id, inReplyToUserId: replyTo.authorId } : {}),
      publicMetrics: { retweet_count: 0, reply_count: 0, like_count: 0, quote_count: 0, bookmark_count: 0, impression_count: 0 },
    };
    if (replyTo) replyTo.publicMetrics.reply_count++;
    this.posts.push(post);
    return post;
  }

  private initialize(record: RecordedXRequest, user: XUser): Json {
    if (!(record.headers['content-type'] ?? '').includes('application/json')) throw invalidRequest('initialize takes an application/json body');
    const body = record.body;
    const allowed = ['additional_owners', 'media_category', 'media_type', 'shared', 'total_bytes'];
    const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
    if (unknown.length > 0) throw invalidRequest(`The \`${unknown[0]}\` field is not allowed`, unknown[0]);
    const mediaTypes = ['video/mp4', 'video/webm', 'video/mp2t', 'video/quicktime', 'text/srt', 'text/vtt', 'image/jpeg', 'image/gif', 'image/bmp', 'image/png', 'image/webp', 'image/pjpeg', 'image/tiff', 'model/gltf-binary', 'model/vnd.usdz+zip'];
    if (!mediaTypes.includes(body.media_type)) throw invalidRequest(`media_type [${String(body.media_type)}] is not supported`, 'media_type');
    const categories = ['amplify_video', 'tweet_gif', 'tweet_image', 'tweet_video', 'dm_gif', 'dm_image', 'dm_video', 'subtitles'];
    if (body.media_category !== undefined && !categories.includes(body.media_category)) throw invalidRequest(`media_category [${String(body.media_category)}] is not supported`, 'media_category');
    if (!Number.isInteger(body.total_bytes) || body.total_bytes <= 0) throw invalidRequest('total_bytes must be a positive integer', 'total_bytes');
    if (String(body.media_type).startsWith('video/') && body.total_bytes > MAX_VIDEO_BYTES) throw invalidRequest('File size exceeds 536870912 bytes.', 'total_bytes');
    const id = this.snowflake();
    const category = body.media_category ?? (String(body.media_type).startsWith('video/') ? 'tweet_video' : 'tweet_image');
    const upload: XUpload = {
      id, mediaKey: `${String(body.media_type).startsWith('video/') ? 7 : 3}_${id}`, userId: user.id, mediaType: body.media_type, category,
      totalBytes: body.total_bytes, segments: new Map(), appends: [], finalized: false, pendingStates: [], expiresAt: Date.now() + 86_400_000,
    };
    this.uploads.set(id, upload);
    return { data: { id, media_key: upload.mediaKey, expires_after_secs: 86_399 } };
  }

  private upload(id: string, user: XUser): XUpload {
    const upload = this.uploads.get(id);
    if (!upload || upload.userId !== user.id) throw invalidRequest(`Invalid media_id [${id}].`, 'media_id');
    if (upload.expiresAt < Date.now()) throw invalidRequest(`Media upload [${id}] has expired.`, 'media_id');
    return upload;
  }

  private append(id: string, record: RecordedXRequest, chunk: Buffer | undefined, user: XUser): Json {
    const upload = this.upload(id, user);
    if (upload.finalized) throw invalidRequest('Media upload is already finalized.', 'media_id');
    const index = Number(record.body.segment_index);
    if (record.body.segment_index === undefined || !Number.isInteger(index) || index < 0 || index >= MAX_SEGMENTS) throw invalidRequest('segment_index must be an integer from 0 to 999', 'segment_index');
    if (!chunk) throw invalidRequest('media is required', 'media');
    if (chunk.length > MAX_CHUNK_BYTES) throw invalidRequest(`Segment size exceeds ${MAX_CHUNK_BYTES} bytes.`, 'media');
    upload.segments.set(index, chunk);
    upload.appends.push({ segmentIndex: index, bytes: chunk.length });
    return { data: { expires_at: Math.floor(upload.expiresAt / 1000) } };
  }

  private finalize(id: string, user: XUser): Json {
    const upload = this.upload(id, user);
    if (upload.finalized) return this.uploadStatus(upload);
    const indexes = [...upload.segments.keys()].sort((a, b) => a - b);
    const assembled = Buffer.concat(indexes.map((i) => upload.segments.get(i)!));
    if (indexes.some((value, i) => value !== i) || assembled.length !== upload.totalBytes) {
      throw invalidRequest('Segments do not add up to provided total file size.', 'media_id');
    }
    upload.finalized = true;
    upload.assembled = assembled;
    if (upload.mediaType.startsWith('video/')) {
      upload.state = 'pending';
      // A video whose bytes came back out of order is no MP4 any more: X's transcoder fails it.
      const looksLikeVideo = upload.mediaType !== 'video/mp4' || assembled.subarray(4, 8).toString('latin1') === 'ftyp';
      upload.pendingStates = looksLikeVideo ? [...this.processingStates] : ['in_progress', 'failed'];
      if (!looksLikeVideo) upload.failure = { code: 3, name: 'InvalidMedia', message: 'Invalid or Unsupported media, Reason: UnsupportedMedia.' };
    } else {
      upload.state = 'succeeded';
    }
    return this.uploadStatus(upload);
  }

  private status(query: Record<string, string>, user: XUser): Json {
    if (query.command !== undefined && query.command !== 'STATUS') throw invalidRequest('command must be STATUS', 'command');
    if (!query.media_id || !/^[0-9]{1,19}$/.test(query.media_id)) throw invalidRequest('media_id is required', 'media_id');
    const upload = this.upload(query.media_id, user);
    if (!upload.finalized) throw invalidRequest('Media upload is not finalized.', 'media_id');
    const next = upload.pendingStates.shift();
    if (next) upload.state = next;
    if (upload.state === 'failed' && !upload.failure) upload.failure = { code: 1, name: 'InvalidMedia', message: 'Unsupported video format' };
    return this.uploadStatus(upload);
  }

  private uploadStatus(upload: XUpload): Json {
    const state = upload.state;
    const progress = state === 'pending' ? 0 : state === 'in_progress' ? 50 : 100;
    const waiting = state === 'pending' || state === 'in_progress';
    return {
      data: {
        id: upload.id, media_key: upload.mediaKey, size: upload.totalBytes, expires_after_secs: Math.max(0, Math.floor((upload.expiresAt - Date.now()) / 1000)),
        ...(upload.mediaType.startsWith('video/') ? {
          processing_info: {
            state, progress_percent: progress, ...(waiting ? { check_after_secs: this.checkAfterSecs } : {}),
            ...(state === 'failed' && upload.failure ? { error: upload.failure } : {}),
          },
        } : {}),
      },
    };
  }

  /** Snowflake-like ids: milliseconds since X's epoch shifted left 22 bits, plus a sequence. */
  private snowflake(): string {
    return String(((BigInt(Date.now()) - 1288834974657n) << 22n) | BigInt(this.sequence++ & 0x3fffff));
  }
}

function httpTitle(status: number): string {
  return ({ 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' } as Record<number, string>)[status] ?? 'Error';
}

function matchRoute(method: string, path: string): { route: XRoute; params: Record<string, string> } | undefined {
  const table: [string, RegExp, XRoute, string[]][] = [
    ['POST', /^\/2\/oauth2\/token$/, 'POST /2/oauth2/token', []],
    ['POST', /^\/2\/oauth2\/revoke$/, 'POST /2/oauth2/revoke', []],
    ['GET', /^\/2\/users\/me$/, 'GET /2/users/me', []],
    ['GET', /^\/2\/users\/([^/]+)\/tweets$/, 'GET /2/users/:id/tweets', ['id']],
    ['GET', /^\/2\/tweets\/([^/]+)$/, 'GET /2/tweets/:id', ['id']],
    ['POST', /^\/2\/tweets$/, 'POST /2/tweets', []],
    ['POST', /^\/2\/media\/upload\/initialize$/, 'POST /2/media/upload/initialize', []],
    ['POST', /^\/2\/media\/upload\/([^/]+)\/append$/, 'POST /2/media/upload/:id/append', ['id']],
    ['POST', /^\/2\/media\/upload\/([^/]+)\/finalize$/, 'POST /2/media/upload/:id/finalize', ['id']],
    ['GET', /^\/2\/media\/upload$/, 'GET /2/media/upload', []],
  ];
  for (const [m, pattern, route, names] of table) {
    const match = m === method ? pattern.exec(path) : null;
    if (match) return { route, params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(match[i + 1]!)])) };
  }
  return undefined;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** JSON, form or multipart bodies; an append's `media` (a multipart file or base64 in JSON) comes back as `chunk`. */
async function parseBody(raw: Buffer, contentType: string, record: RecordedXRequest): Promise<{ body: Json; chunk?: Buffer }> {
  if (raw.length === 0) return { body: {} };
  if (contentType.includes('application/json')) {
    const body = JSON.parse(raw.toString('utf8')) as Json;
    if (typeof body.media === 'string' && record.path.endsWith('/append')) {
      const chunk = Buffer.from(body.media, 'base64');
      record.files.media = chunk.length;
      return { body: { ...body, media: `<${chunk.length} bytes>` }, chunk };
    }
    return { body };
  }
  if (contentType.includes('application/x-www-form-urlencoded')) return { body: Object.fromEntries(new URLSearchParams(raw.toString('utf8'))) };
  if (contentType.includes('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    const body: Json = {};
    let chunk: Buffer | undefined;
    for (const [name, value] of form.entries()) {
      if (typeof value === 'string') {
        body[name] = value;
      } else {
        const bytes = Buffer.from(await value.arrayBuffer());
        record.files[name] = bytes.length;
        if (name === 'media') chunk = bytes;
      }
    }
    return { body, chunk };
  }
  throw new Error(`unsupported content type ${contentType}`);
}

export async function startFakeX(options: FakeXOptions = {}): Promise<FakeX> {
  const fake = new FakeX(options);
  await fake.listen();
  return fake;
}
