/**
 * A fake Reddit: real HTTP servers on 127.0.0.1 (random ports) playing Reddit's two roots and its upload bucket,
 * as their public documentation describes them. It records every request, and a test scripts the faults.
 *
 *   const reddit = await startFakeReddit();
 *   env: REDDIT_AUTH_ROOT = reddit.authRoot, REDDIT_API_ROOT = reddit.apiRoot,
 *        REDDIT_CLIENT_ID = reddit.clientId, REDDIT_CLIENT_SECRET = reddit.clientSecret
 *   reddit.addSubreddit({ name: 'clips', requirements: { is_flair_required: true } });
 *   const { redirect } = reddit.approve(authorizeUrl);      // the user clicks "Allow": ?state=…&code=…
 *   const { accessToken } = reddit.issueTokens('tester');    // or tokens as if the user had approved already
 *
 * Doc pages it follows:
 * - OAuth2 (https://github.com/reddit-archive/reddit/wiki/OAuth2): GET /api/v1/authorize (client_id,
 *   response_type, state, redirect_uri, duration temporary|permanent, scope; errors access_denied,
 *   unsupported_response_type, invalid_scope, invalid_request go back to the redirect URI);
 *   POST /api/v1/access_token with HTTP Basic client auth (401 when wrong), grant_type authorization_code
 *   (a code works once) or refresh_token; errors as `{"error": "invalid_grant"}` / `unsupported_grant_type` /
 *   `NO_TEXT` — with HTTP 200, as prawcore's `_request_token` notes ("Why are these OKAY responses?");
 *   answers `{access_token, token_type: "bearer", expires_in: 3600, scope, refresh_token}`; refresh tokens of
 *   `duration=permanent` grants do not rotate; POST /api/v1/revoke_token. API calls go to oauth.reddit.com
 *   with `Authorization: bearer <token>`.
 * - Reddit Data API Wiki (https://support.reddithelp.com/hc/en-us/articles/16160319875092-Reddit-Data-API-Wiki)
 *   and the API rules (https://github.com/reddit-archive/reddit/wiki/API): 100 queries per minute per OAuth
 *   client id, averaged over a 10-minute window; every answer carries X-Ratelimit-Used (requests used in the
 *   period), X-Ratelimit-Remaining and X-Ratelimit-Reset (seconds to the end of the period); past the limit,
 *   HTTP 429. A unique, descriptive User-Agent is required; default ones (here: none, `node`, `undici`) are
 *   "drastically limited" (429).
 * - https://www.reddit.com/dev/api: GET /api/v1/me (scope identity); POST /api/submit (scope submit; api_type=json,
 *   sr, kind link|self|image|video|videogif, title up to 300 characters, url, nsfw, flair_id, flair_text,
 *   sendreplies, resubmit, video_poster_url; answers `{json: {errors: [[CODE, message, field]], data}}`);
 *   GET /api/v1/{subreddit}/post_requirements (scope submit); GET /r/{subreddit}/about (scope read);
 *   GET /user/{username}/submitted (scope history, a Listing newest first, limit ≤ 100, after);
 *   GET /api/info?id=t3_…,t3_… (scope read, a Listing of the things that exist). Fullnames are `t3_<id36>`.
 *   Insufficient scope: 403; bad, expired or revoked token: 401 with `WWW-Authenticate: Bearer realm="reddit",
 *   error="invalid_token"`; error bodies `{"message": "Unauthorized", "error": 401}`.
 * - PRAW's media upload (praw/models/reddit/subreddit.py `_upload_media`, `submit_video`, `_submit_media`):
 *   POST /api/media/asset.json {filepath, mimetype} (undocumented) answers an upload lease
 *   `{args: {action: "//<bucket host>", fields: [{name, value}]}, asset: {asset_id, processing_state,
 *   payload: {filepath}, websocket_url}}`; the client POSTs the fields and then `file` to "https:" + action
 *   (an Amazon S3 POST Object upload: https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html —
 *   201 with an XML PostResponse when success_action_status=201; 403 XML AccessDenied when a policy field is
 *   missing or altered); then /api/submit kind=video, url = action + "/" + key, video_poster_url = an uploaded
 *   image. A media submission answers `data: {user_submitted_page, websocket_url}` with no post id: the post
 *   exists once the video is processed (the websocket says so; here it shows in the listings after
 *   `processingMs`). The websocket itself is not served.
 * - Submit error codes seen in Reddit's answers and public clients: SUBREDDIT_NOEXIST, SUBREDDIT_NOTALLOWED,
 *   NO_SELFS, NO_LINKS, NO_VIDEOS, BAD_URL, NO_TEXT, TOO_LONG, SUBMIT_VALIDATION_FLAIR_REQUIRED,
 *   SUBMIT_VALIDATION_TITLE_REQUIREMENT, RATELIMIT ("you are doing that too much. try again in N minutes.").
 *   The codes for a blacklisted title string and for title length limits set by moderators are not documented;
 *   this fake uses SUBMIT_VALIDATION_TITLE_BLACKLISTED_STRING / SUBMIT_VALIDATION_TITLE_TOO_SHORT / _TOO_LONG.
 *
 * Faults a test scripts: `failNext` (any status, body, headers), `loseNextAnswer` (the request is carried out,
 * then the connection is dropped with no answer), `revoke` (a token, or a refresh token and its access tokens),
 * `expireAccessTokens`, `exhaustRateLimit` (429 until the window resets), `rateLimitSubmissions` (Reddit's
 * RATELIMIT error), subreddit rules (`addSubreddit`), `processingMs` (a video that takes time to appear),
 * `removePost` (by a moderator, or deleted by its author) and `setCounts`.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseMultipart } from './telegram-server.js';

export type Json = Record<string, any>;
export type Root = 'auth' | 'api' | 'upload';

export interface RecordedRequest {
  root: Root;
  method: string;
  path: string;
  query: Record<string, string>;
  /** Form or JSON body fields (multipart text fields included). */
  params: Record<string, string>;
  /** Files of a multipart body: field → what arrived. */
  files: Record<string, { filename: string; type: string; size: number; sha256: string }>;
  userAgent: string | undefined;
  authorization: string | undefined;
  status: number;
  /** The parsed JSON answer (or the text for XML/HTML); undefined when the answer was lost on purpose. */
  response: unknown;
  lost: boolean;
  at: number;
}

/** What GET /api/v1/{subreddit}/post_requirements answers (keys as Reddit sends them). */
export interface RedditPostRequirements {
  title_regexes: string[];
  body_blacklisted_strings: string[];
  title_blacklisted_strings: string[];
  body_text_max_length: number | null;
  title_required_strings: string[];
  guidelines_text: string | null;
  gallery_min_items: number | null;
  domain_blacklist: string[];
  domain_whitelist: string[];
  title_text_max_length: number | null;
  body_restriction_policy: 'required' | 'notAllowed' | 'none';
  link_restriction_policy: 'whitelist' | 'blacklist' | 'none';
  guidelines_display_policy: string | null;
  body_required_strings: string[];
  title_text_min_length: number | null;
  gallery_captions_requirement: string;
  is_flair_required: boolean;
  gallery_max_items: number | null;
  gallery_urls_requirement: string;
  body_regex: string[];
  link_repost_age: number | null;
  body_text_min_length: number | null;
}

export interface FakeSubreddit {
  name: string;
  over18?: boolean;
  /** `any` (default), `link` (no text posts) or `self` (text posts only). */
  submissionType?: 'any' | 'link' | 'self';
  allowVideos?: boolean;
  subredditType?: 'public' | 'restricted' | 'private';
  requirements?: Partial<RedditPostRequirements>;
  /** Users banned there (submit answers SUBREDDIT_NOTALLOWED). */
  banned?: string[];
}

export interface FakeUser {
  name: string;
  id: string;
  suspended?: boolean;
}

export interface FakePost {
  id: string;
  name: string;
  subreddit: string;
  author: string;
  title: string;
  kind: 'link' | 'self' | 'video' | 'image' | 'videogif';
  url: string;
  posterUrl?: string;
  nsfw: boolean;
  spoiler: boolean;
  flairId?: string;
  flairText?: string;
  permalink: string;
  createdAt: number;
  /** When it shows in listings (a video: once processed). */
  visibleAt: number;
  score: number;
  numComments: number;
  scoreHidden: boolean;
  removedBy: null | 'moderator' | 'deleted' | 'reddit';
}

export interface UploadedObject {
  bucket: string;
  key: string;
  assetId: string;
  mimetype: string;
  size: number;
  sha256: string;
  bytes: Buffer;
}

interface Lease {
  assetId: string;
  bucket: string;
  key: string;
  filepath: string;
  mimetype: string;
  fields: { name: string; value: string }[];
  user: string;
}

interface AccessGrant {
  token: string;
  user: string;
  clientId: string;
  scopes: string[];
  expiresAt: number;
  revoked: boolean;
  refreshToken?: string;
}

interface RefreshGrant {
  token: string;
  user: string;
  clientId: string;
  scopes: string[];
  revoked: boolean;
}

interface AuthCode {
  code: string;
  user: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  duration: 'temporary' | 'permanent';
  used: boolean;
  expiresAt: number;
}

interface Match {
  root?: Root;
  method?: string;
  /** Exact path, or a pattern tested against it. */
  path: string | RegExp;
}

interface ScriptedReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeRedditOptions {
  /** The redirect URI registered for the app; unset = any. */
  redirectUri?: string;
  /** Access token lifetime (Reddit: one hour). */
  accessTokenTtlS?: number;
  /** Requests per rate-limit window per client id (Reddit: 100 per minute, averaged over 10 minutes). */
  rateLimitPerWindow?: number;
  rateWindowS?: number;
}

const knownScopes = new Set([
  'account', 'creddits', 'edit', 'flair', 'history', 'identity', 'livemanage', 'modconfig', 'modcontributors', 'modflair',
  'modlog', 'modmail', 'modothers', 'modposts', 'modself', 'modtraffic', 'modwiki', 'mysubreddits', 'privatemessages',
  'read', 'report', 'save', 'structuredstyles', 'submit', 'subscribe', 'vote', 'wikiedit', 'wikiread', '*',
]);

export const defaultPostRequirements: RedditPostRequirements = {
  title_regexes: [], body_blacklisted_strings: [], title_blacklisted_strings: [], body_text_max_length: null,
  title_required_strings: [], guidelines_text: null, gallery_min_items: null, domain_blacklist: [], domain_whitelist: [],
  title_text_max_length: null, body_restriction_policy: 'none', link_restriction_policy: 'none', guidelines_display_policy: null,
  body_required_strings: [], title_text_min_length: null, gallery_captions_requirement: 'none', is_flair_required: false,
  gallery_max_items: null, gallery_urls_requirement: 'none', body_regex: [], link_repost_age: null, body_text_min_length: null,
};

/** Reddit's ids are base 36. */
const id36 = () => randomInt(36 ** 6, 36 ** 7).toString(36);
const token = () => `${randomInt(10_000_000, 99_999_999)}-${randomBytes(20).toString('base64url')}`;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

class SubmitError extends Error {
  constructor(readonly code: string, readonly text: string, readonly field: string) {
    super(`${code}: ${text}`);
  }
}

class HttpError extends Error {
  constructor(readonly status: number, readonly body: unknown, readonly headers: Record<string, string> = {}) {
    super(`HTTP ${status}`);
  }
}

export class FakeReddit extends EventEmitter {
  readonly clientId = randomBytes(11).toString('base64url');
  readonly clientSecret = randomBytes(22).toString('base64url');
  authRoot = '';
  apiRoot = '';
  uploadRoot = '';
  readonly requests: RecordedRequest[] = [];
  readonly users = new Map<string, FakeUser>();
  readonly subreddits = new Map<string, FakeSubreddit>();
  readonly posts = new Map<string, FakePost>();
  readonly uploads: UploadedObject[] = [];
  /** How long a video takes before its post exists (shows in listings and /api/info). */
  processingMs = 0;
  readonly redirectUri: string | undefined;
  readonly accessTokenTtlS: number;
  readonly rateLimitPerWindow: number;
  readonly rateWindowS: number;

  private servers: Record<Root, Server>;
  private accessTokens = new Map<string, AccessGrant>();
  private refreshTokens = new Map<string, RefreshGrant>();
  private codes = new Map<string, AuthCode>();
  private leases = new Map<string, Lease>();
  private failures: { match: Match; reply: ScriptedReply; remaining: number }[] = [];
  private losses: { match: Match; remaining: number }[] = [];
  private submitRateLimits: { minutes: number; remaining: number }[] = [];
  private windows = new Map<string, { used: number; endsAt: number }>();

  constructor(options: FakeRedditOptions = {}) {
    super();
    this.setMaxListeners(100);
    this.redirectUri = options.redirectUri;
    this.accessTokenTtlS = options.accessTokenTtlS ?? 3600;
    this.rateLimitPerWindow = options.rateLimitPerWindow ?? 1000;
    this.rateWindowS = options.rateWindowS ?? 600;
    this.servers = {
      auth: createServer((req, res) => void this.route('auth', req, res)),
      api: createServer((req, res) => void this.route('api', req, res)),
      upload: createServer((req, res) => void this.route('upload', req, res)),
    };
    this.addUser('tester');
  }

  async listen(): Promise<void> {
    const roots: Partial<Record<Root, string>> = {};
    for (const [root, server] of Object.entries(this.servers) as [Root, Server][]) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      server.keepAliveTimeout = 60_000;
      roots[root] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }
    this.authRoot = roots.auth!;
    this.apiRoot = roots.api!;
    this.uploadRoot = roots.upload!;
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.servers).map((server) => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    })));
  }

  // ── What the test controls ────────────────────────────────────────────────────────────────

  addUser(name: string, extra: Partial<FakeUser> = {}): FakeUser {
    const user: FakeUser = { name, id: id36(), ...extra };
    this.users.set(name.toLowerCase(), user);
    return user;
  }

  addSubreddit(subreddit: FakeSubreddit): FakeSubreddit {
    this.subreddits.set(subreddit.name.toLowerCase(), subreddit);
    return subreddit;
  }

  /**
   * The user (default `tester`) answers the consent page of an authorize URL the app built: "Allow" gives the
   * redirect with `code` and `state`, "Decline" (`deny`) the redirect with `error=access_denied`. Checks the URL
   * as GET /api/v1/authorize does (a bad client id or redirect URI is an error page, thrown here).
   */
  approve(authorizeUrl: string, opts: { user?: string; deny?: boolean } = {}): { redirect: string; code?: string; state: string } {
    const url = new URL(authorizeUrl);
    if (`${url.origin}` !== this.authRoot || !/^\/api\/v1\/authorize(\.compact)?$/.test(url.pathname)) {
      throw new Error(`not an authorize URL of this fake (${this.authRoot}/api/v1/authorize): ${authorizeUrl}`);
    }
    const checked = this.checkAuthorize(Object.fromEntries(url.searchParams));
    if ('page' in checked) throw new Error(`Reddit shows an error page: ${checked.page}`);
    const back = new URL(checked.redirectUri);
    back.searchParams.set('state', checked.state);
    if ('error' in checked) {
      back.searchParams.set('error', checked.error);
      return { redirect: back.toString(), state: checked.state };
    }
    const { redirectUri, state, scopes, duration } = checked;
    if (opts.deny) {
      back.searchParams.set('error', 'access_denied');
      return { redirect: back.toString(), state };
    }
    const user = this.user(opts.user ?? 'tester');
    const code = randomBytes(20).toString('base64url');
    this.codes.set(code, { code, user: user.name, clientId: this.clientId, redirectUri, scopes, duration, used: false, expiresAt: Date.now() + 10 * 60_000 });
    back.searchParams.set('code', code);
    return { redirect: back.toString(), code, state };
  }

  /** Tokens as if `user` had approved the app (scopes: what the driver needs by default). */
  issueTokens(user = 'tester', opts: { scopes?: string[]; expiresInS?: number; permanent?: boolean } = {}): { accessToken: string; refreshToken?: string; expiresAt: string } {
    const scopes = opts.scopes ?? ['identity', 'submit', 'read', 'history'];
    const refresh = opts.permanent === false ? undefined : this.newRefreshGrant(this.user(user).name, scopes);
    const access = this.newAccessGrant(this.user(user).name, scopes, refresh?.token, opts.expiresInS);
    return { accessToken: access.token, ...(refresh ? { refreshToken: refresh.token } : {}), expiresAt: new Date(access.expiresAt).toISOString() };
  }

  /** Revokes an access token, or a refresh token with every access token it issued (what /api/v1/revoke_token does). */
  revoke(tokenValue: string) {
    const refresh = this.refreshTokens.get(tokenValue);
    if (refresh) {
      refresh.revoked = true;
      for (const access of this.accessTokens.values()) if (access.refreshToken === tokenValue) access.revoked = true;
    }
    const access = this.accessTokens.get(tokenValue);
    if (access) access.revoked = true;
  }

  /** Every access token issued so far stops working (their refresh tokens still do). */
  expireAccessTokens() {
    for (const access of this.accessTokens.values()) access.expiresAt = Math.min(access.expiresAt, Date.now() - 1);
  }

  /** The next `times` requests matching answer this instead (rate-limit headers are added on the API root unless given). */
  failNext(match: Match, reply: ScriptedReply, times = 1) {
    this.failures.push({ match, reply, remaining: times });
  }

  /** The next matching request is carried out (a submit creates its post), then the connection drops with no answer. */
  loseNextAnswer(match: Match, times = 1) {
    this.losses.push({ match, remaining: times });
  }

  /** The app's rate-limit window is used up: API requests answer 429 until it resets in `resetS` seconds. */
  exhaustRateLimit(resetS: number) {
    this.windows.set(this.clientId, { used: this.rateLimitPerWindow, endsAt: Date.now() + resetS * 1000 });
  }

  /** The next `times` submissions get Reddit's anti-spam answer: RATELIMIT "try again in N minutes". */
  rateLimitSubmissions(minutes: number, times = 1) {
    this.submitRateLimits.push({ minutes, remaining: times });
  }

  /** A moderator removed the post, or its author deleted it. */
  removePost(fullname: string, by: 'moderator' | 'deleted' | 'reddit' = 'moderator') {
    const post = this.post(fullname);
    post.removedBy = by;
  }

  setCounts(fullname: string, counts: { score?: number; numComments?: number; scoreHidden?: boolean }) {
    const post = this.post(fullname);
    if (counts.score !== undefined) post.score = counts.score;
    if (counts.numComments !== undefined) post.numComments = counts.numComments;
    if (counts.scoreHidden !== undefined) post.scoreHidden = counts.scoreHidden;
  }

  post(fullname: string): FakePost {
    const post = this.posts.get(fullname.replace(/^t3_/, ''));
    if (!post) throw new Error(`no post ${fullname}`);
    return post;
  }

  /** Posts created (processed or not), oldest first. */
  postsBy(user = 'tester'): FakePost[] {
    return [...this.posts.values()].filter((p) => p.author.toLowerCase() === user.toLowerCase()).sort((a, b) => a.createdAt - b.createdAt);
  }

  requestsTo(path: string | RegExp, method?: string): RecordedRequest[] {
    return this.requests.filter((r) => (method === undefined || r.method === method) && (typeof path === 'string' ? r.path === path : path.test(r.path)));
  }

  // ── HTTP ──────────────────────────────────────────────────────────────────────────────────

  private user(name: string): FakeUser {
    const user = this.users.get(name.toLowerCase());
    if (!user) throw new Error(`no user ${name}`);
    return user;
  }

  private newRefreshGrant(user: string, scopes: string[]): RefreshGrant {
    const grant: RefreshGrant = { token: token(), user, clientId: this.clientId, scopes, revoked: false };
    this.refreshTokens.set(grant.token, grant);
    return grant;
  }

  private newAccessGrant(user: string, scopes: string[], refreshToken: string | undefined, ttlS = this.accessTokenTtlS): AccessGrant {
    const grant: AccessGrant = { token: token(), user, clientId: this.clientId, scopes, expiresAt: Date.now() + ttlS * 1000, revoked: false, ...(refreshToken ? { refreshToken } : {}) };
    this.accessTokens.set(grant.token, grant);
    return grant;
  }

  private matches(match: Match, root: Root, method: string, path: string): boolean {
    if (match.root !== undefined && match.root !== root) return false;
    if (match.method !== undefined && match.method.toUpperCase() !== method) return false;
    return typeof match.path === 'string' ? match.path === path : match.path.test(path);
  }

  private take<T extends { match: Match; remaining: number }>(list: T[], root: Root, method: string, path: string): T | undefined {
    const found = list.find((f) => f.remaining > 0 && this.matches(f.match, root, method, path));
    if (found) found.remaining--;
    return found;
  }

  /** The rate-limit headers of a client's window, counting this request. */
  private rateHeaders(clientId: string, count: boolean): { headers: Record<string, string>; exceeded: boolean } {
    const now = Date.now();
    let window = this.windows.get(clientId);
    if (!window || window.endsAt <= now) {
      window = { used: 0, endsAt: now + this.rateWindowS * 1000 };
      this.windows.set(clientId, window);
    }
    const exceeded = window.used >= this.rateLimitPerWindow;
    if (count && !exceeded) window.used++;
    return {
      exceeded,
      headers: {
        'x-ratelimit-used': String(window.used),
        'x-ratelimit-remaining': (Math.max(0, this.rateLimitPerWindow - window.used)).toFixed(1),
        'x-ratelimit-reset': String(Math.max(0, Math.ceil((window.endsAt - now) / 1000))),
      },
    };
  }

  private async route(root: Root, req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    const recorded: RecordedRequest = {
      root, method, path, query: Object.fromEntries(url.searchParams), params: {}, files: {},
      userAgent: req.headers['user-agent'], authorization: req.headers.authorization, status: 0, response: undefined, lost: false, at: Date.now(),
    };
    let rawFiles: Record<string, Buffer> = {};
    try {
      ({ params: recorded.params, files: recorded.files, rawFiles } = await this.readBody(req));
    } catch (error) {
      return this.finish(res, recorded, 400, { message: `Bad Request: ${(error as Error).message}`, error: 400 });
    }
    const lose = this.take(this.losses, root, method, path);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      if (lose) {
        recorded.lost = true;
        recorded.status = status;
        this.record(recorded);
        res.socket?.destroy();
        return;
      }
      this.finish(res, recorded, status, body, headers);
    };

    const failure = this.take(this.failures, root, method, path);
    if (failure) {
      const headers = root === 'api' ? { ...this.rateHeaders(this.clientId, true).headers, ...failure.reply.headers } : failure.reply.headers ?? {};
      return answer(failure.reply.status, failure.reply.body ?? { message: 'scripted failure', error: failure.reply.status }, headers);
    }
    try {
      if (root === 'auth') return answer(...this.authRoute(method, path, url, req, recorded.params));
      if (root === 'upload') return answer(...this.uploadRoute(method, path, recorded.params, rawFiles));
      return answer(...this.apiRoute(method, path, url, req, recorded.params));
    } catch (error) {
      if (error instanceof HttpError) return answer(error.status, error.body, error.headers);
      return answer(500, { message: `fake failure: ${(error as Error).message}`, error: 500 });
    }
  }

  private record(recorded: RecordedRequest) {
    this.requests.push(recorded);
    this.emit('request', recorded);
  }

  private finish(res: ServerResponse, recorded: RecordedRequest, status: number, body: unknown, headers: Record<string, string> = {}) {
    recorded.status = status;
    recorded.response = body;
    this.record(recorded);
    if (res.destroyed || res.headersSent) return;
    const isText = typeof body === 'string';
    const text = isText ? body : JSON.stringify(body);
    const type = isText ? (text.startsWith('<?xml') ? 'application/xml' : 'text/html; charset=UTF-8') : 'application/json; charset=UTF-8';
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  private async readBody(req: IncomingMessage): Promise<{ params: Record<string, string>; files: RecordedRequest['files']; rawFiles: Record<string, Buffer> }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const type = req.headers['content-type'] ?? '';
    const params: Record<string, string> = {};
    const files: RecordedRequest['files'] = {};
    const rawFiles: Record<string, Buffer> = {};
    if (body.length === 0) return { params, files, rawFiles };
    if (type.includes('application/x-www-form-urlencoded')) {
      Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
    } else if (type.includes('application/json')) {
      for (const [key, value] of Object.entries(JSON.parse(body.toString('utf8')) as Json)) params[key] = typeof value === 'string' ? value : JSON.stringify(value);
    } else if (type.includes('multipart/form-data')) {
      // Order matters to S3 (fields first, the file last): kept in `params.__order`.
      const order: string[] = [];
      for (const part of parseMultipart(body, type)) {
        order.push(part.name);
        if (part.filename === undefined) {
          params[part.name] = part.data.toString('utf8');
        } else {
          files[part.name] = { filename: part.filename, type: part.type ?? 'application/octet-stream', size: part.data.length, sha256: sha256(part.data) };
          rawFiles[part.name] = part.data;
        }
      }
      params.__order = order.join(',');
    }
    return { params, files, rawFiles };
  }

  // ── www.reddit.com: authorization ─────────────────────────────────────────────────────────

  private checkAuthorize(q: Record<string, string>):
    | { page: string }
    | { redirectUri: string; state: string; error: string }
    | { redirectUri: string; state: string; scopes: string[]; duration: 'temporary' | 'permanent' } {
    if (q.client_id !== this.clientId) return { page: 'invalid client id' };
    if (!q.redirect_uri || (this.redirectUri !== undefined && q.redirect_uri !== this.redirectUri)) return { page: 'invalid redirect_uri parameter' };
    const state = q.state ?? '';
    if (q.response_type !== 'code' && q.response_type !== 'token') return { redirectUri: q.redirect_uri, state, error: 'unsupported_response_type' };
    const scopes = (q.scope ?? '').split(/[\s,]+/).filter(Boolean);
    if (scopes.length === 0 || scopes.some((s) => !knownScopes.has(s))) return { redirectUri: q.redirect_uri, state, error: 'invalid_scope' };
    if (q.duration !== 'temporary' && q.duration !== 'permanent') return { redirectUri: q.redirect_uri, state, error: 'invalid_request' };
    if (!state) return { redirectUri: q.redirect_uri, state, error: 'invalid_request' };
    return { redirectUri: q.redirect_uri, state, scopes, duration: q.duration };
  }

  private clientFromBasic(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    const match = /^Basic\s+(.+)$/i.exec(header);
    if (!match) return false;
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon !== -1 && decoded.slice(0, colon) === this.clientId && decoded.slice(colon + 1) === this.clientSecret;
  }

  private authRoute(method: string, path: string, url: URL, req: IncomingMessage, params: Record<string, string>): [number, unknown, Record<string, string>?] {
    if (method === 'GET' && /^\/api\/v1\/authorize(\.compact)?$/.test(path)) {
      const checked = this.checkAuthorize(Object.fromEntries(url.searchParams));
      if ('page' in checked) return [400, `<html><body><h1>bad request (reddit.com)</h1><p>${checked.page}</p></body></html>`];
      if ('error' in checked) {
        const back = new URL(checked.redirectUri);
        back.searchParams.set('state', checked.state);
        back.searchParams.set('error', checked.error);
        return [302, '', { location: back.toString() }];
      }
      return [200, `<html><body><form method="post"><p>tester wants to connect to the app (${checked.scopes.join(', ')})</p><button name="authorize" value="Allow">Allow</button><button name="authorize" value="Decline">Decline</button></form></body></html>`];
    }
    if (method === 'POST' && path === '/api/v1/access_token') {
      if (!this.clientFromBasic(req)) return [401, { message: 'Unauthorized', error: 401 }, { 'www-authenticate': 'Basic realm="reddit"' }];
      if (!(req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) return [200, { error: 'unsupported_grant_type' }];
      if (params.grant_type === 'authorization_code') return [200, this.exchangeCode(params)];
      if (params.grant_type === 'refresh_token') return [200, this.refreshGrant(params)];
      return [200, { error: 'unsupported_grant_type' }];
    }
    if (method === 'POST' && path === '/api/v1/revoke_token') {
      if (!this.clientFromBasic(req)) return [401, { message: 'Unauthorized', error: 401 }];
      if (params.token) this.revoke(params.token);
      return [204, ''];
    }
    return [404, { message: 'Not Found', error: 404 }];
  }

  private exchangeCode(params: Record<string, string>): Json {
    if (!params.code) return { error: 'NO_TEXT', message: 'we need something here', fields: ['code'] };
    const code = this.codes.get(params.code);
    if (!code || code.used || code.expiresAt < Date.now() || code.clientId !== this.clientId || code.redirectUri !== params.redirect_uri) {
      if (code) code.used = true;
      return { error: 'invalid_grant' };
    }
    code.used = true;
    const refresh = code.duration === 'permanent' ? this.newRefreshGrant(code.user, code.scopes) : undefined;
    const access = this.newAccessGrant(code.user, code.scopes, refresh?.token);
    return {
      access_token: access.token, token_type: 'bearer', expires_in: this.accessTokenTtlS, scope: code.scopes.join(' '),
      ...(refresh ? { refresh_token: refresh.token } : {}),
    };
  }

  private refreshGrant(params: Record<string, string>): Json {
    if (!params.refresh_token) return { error: 'NO_TEXT', message: 'we need something here', fields: ['refresh_token'] };
    const grant = this.refreshTokens.get(params.refresh_token);
    if (!grant || grant.revoked || grant.clientId !== this.clientId) return { error: 'invalid_grant' };
    const access = this.newAccessGrant(grant.user, grant.scopes, grant.token);
    // Reddit's refresh tokens do not rotate: the same one comes back.
    return { access_token: access.token, token_type: 'bearer', expires_in: this.accessTokenTtlS, scope: grant.scopes.join(' '), refresh_token: grant.token };
  }

  // ── oauth.reddit.com ──────────────────────────────────────────────────────────────────────

  private apiRoute(method: string, path: string, url: URL, req: IncomingMessage, params: Record<string, string>): [number, unknown, Record<string, string>?] {
    const header = req.headers.authorization ?? '';
    const bearer = /^bearer\s+(\S+)$/i.exec(header)?.[1];
    const grant = bearer ? this.accessTokens.get(bearer) : undefined;
    const rate = this.rateHeaders(grant?.clientId ?? 'anonymous', true);
    const ua = req.headers['user-agent'];
    if (!ua || /^(node|undici)\b/i.test(ua)) {
      return [429, { message: 'Too Many Requests', error: 429 }, rate.headers];
    }
    if (!grant || grant.revoked || grant.expiresAt <= Date.now()) {
      return [401, { message: 'Unauthorized', error: 401 }, { ...rate.headers, 'www-authenticate': 'Bearer realm="reddit", error="invalid_token"' }];
    }
    if (rate.exceeded) return [429, { message: 'Too Many Requests', error: 429 }, rate.headers];
    const user = this.user(grant.user);
    const need = (scope: string) => {
      if (!grant.scopes.includes(scope) && !grant.scopes.includes('*')) {
        throw new HttpError(403, { message: 'Forbidden', error: 403 }, { ...rate.headers, 'www-authenticate': `Bearer realm="reddit", error="insufficient_scope"` });
      }
    };
    const ok = (body: unknown): [number, unknown, Record<string, string>] => [200, body, rate.headers];
    const notFound = (): [number, unknown, Record<string, string>] => [404, { message: 'Not Found', error: 404 }, rate.headers];
    let m: RegExpExecArray | null;

    if (method === 'GET' && path === '/api/v1/me') {
      need('identity');
      return ok({
        name: user.name, id: user.id, is_suspended: Boolean(user.suspended), created_utc: 1_600_000_000, link_karma: 120, comment_karma: 45,
        total_karma: 165, verified: true, has_verified_email: true, over_18: true, is_employee: false,
      });
    }
    if (method === 'GET' && (m = /^\/api\/v1\/([^/]+)\/post_requirements$/.exec(path))) {
      need('submit');
      const sub = this.subreddits.get(decodeURIComponent(m[1]!).toLowerCase());
      if (!sub) return notFound();
      return ok({ ...defaultPostRequirements, ...sub.requirements });
    }
    if (method === 'GET' && (m = /^\/r\/([^/]+)\/about(\.json)?$/.exec(path))) {
      need('read');
      const sub = this.subreddits.get(decodeURIComponent(m[1]!).toLowerCase());
      if (!sub) return notFound();
      return ok({ kind: 't5', data: this.aboutData(sub, user) });
    }
    if (method === 'POST' && path === '/api/media/asset.json') {
      need('submit');
      return ok(this.lease(params, user));
    }
    if (method === 'POST' && path === '/api/submit') {
      need('submit');
      if (params.api_type !== 'json') {
        // Without api_type=json Reddit answers in its old jQuery format, which a client cannot read a post from.
        return ok({ jquery: [[0, 1, 'call', ['body']], [1, 2, 'attr', 'find']], success: true });
      }
      try {
        return ok({ json: { errors: [], data: this.submit(params, user) } });
      } catch (error) {
        if (!(error instanceof SubmitError)) throw error;
        return ok({ json: { errors: [[error.code, error.text, error.field]] } });
      }
    }
    if (method === 'GET' && (m = /^\/user\/([^/]+)\/submitted(\.json)?$/.exec(path))) {
      need('history');
      const author = decodeURIComponent(m[1]!);
      if (!this.users.has(author.toLowerCase())) return notFound();
      const now = Date.now();
      const all = [...this.posts.values()]
        .filter((p) => p.author.toLowerCase() === author.toLowerCase() && p.visibleAt <= now && p.removedBy !== 'deleted')
        .sort((a, b) => b.createdAt - a.createdAt);
      return ok(this.listing(all, url.searchParams));
    }
    if (method === 'GET' && (path === '/api/info' || path === '/api/info.json' || path === '/by_id')) {
      need('read');
      const ids = (url.searchParams.get('id') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      if (ids.length > 100) return [400, { message: 'Bad Request', error: 400 }, rate.headers];
      const now = Date.now();
      const found = ids.map((id) => this.posts.get(id.replace(/^t3_/, ''))).filter((p): p is FakePost => p !== undefined && p.visibleAt <= now);
      return ok(this.listing(found, new URLSearchParams({ limit: '100' })));
    }
    return notFound();
  }

  private aboutData(sub: FakeSubreddit, user: FakeUser): Json {
    return {
      display_name: sub.name, display_name_prefixed: `r/${sub.name}`, name: `t5_${createHash('md5').update(sub.name).digest('hex').slice(0, 6)}`,
      url: `/r/${sub.name}/`, over18: Boolean(sub.over18), submission_type: sub.submissionType ?? 'any', allow_videos: sub.allowVideos ?? true,
      allow_images: true, subreddit_type: sub.subredditType ?? 'public', user_is_banned: (sub.banned ?? []).some((b) => b.toLowerCase() === user.name.toLowerCase()),
      subscribers: 12_345, link_flair_enabled: true,
    };
  }

  private thing(post: FakePost): Json {
    const gone = post.removedBy !== null;
    return {
      kind: 't3',
      data: {
        id: post.id, name: post.name, title: post.removedBy === 'deleted' ? '[deleted by user]' : post.title,
        subreddit: post.subreddit, subreddit_name_prefixed: `r/${post.subreddit}`,
        author: post.removedBy === 'deleted' ? '[deleted]' : post.author, permalink: post.permalink,
        url: post.kind === 'video' ? `https://v.redd.it/${post.id}` : post.url, domain: post.kind === 'video' ? 'v.redd.it' : new URL(post.url).hostname,
        is_video: post.kind === 'video', is_self: post.kind === 'self', over_18: post.nsfw, spoiler: post.spoiler,
        link_flair_template_id: post.flairId ?? null, link_flair_text: post.flairText ?? null,
        score: post.score, ups: Math.max(post.score, 0), upvote_ratio: 1, num_comments: post.numComments, hide_score: post.scoreHidden,
        created_utc: Math.floor(post.createdAt / 1000), removed_by_category: post.removedBy,
        selftext: gone ? (post.removedBy === 'deleted' ? '[deleted]' : '[removed]') : '',
      },
    };
  }

  private listing(items: FakePost[], query: URLSearchParams): Json {
    const limit = Math.min(100, Math.max(1, Number(query.get('limit') ?? 25) || 25));
    const after = query.get('after');
    const start = after ? items.findIndex((p) => p.name === after) + 1 : 0;
    const page = items.slice(start, start + limit);
    const more = start + limit < items.length;
    return {
      kind: 'Listing',
      data: { after: more ? page.at(-1)!.name : null, before: null, dist: page.length, modhash: null, geo_filter: '', children: page.map((p) => this.thing(p)) },
    };
  }

  private lease(params: Record<string, string>, user: FakeUser): Json {
    const filepath = params.filepath ?? '';
    const mimetype = params.mimetype ?? '';
    if (!filepath || !mimetype) throw new HttpError(400, { json: { errors: [['NO_TEXT', 'we need something here', filepath ? 'mimetype' : 'filepath']] } });
    const video = mimetype.startsWith('video/');
    const assetId = randomBytes(10).toString('hex').slice(0, 13);
    const bucket = video ? 'reddit-uploaded-video' : 'reddit-uploaded-media';
    const key = video ? assetId : `rte_images/${assetId}`;
    const date = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
    const fields = [
      { name: 'acl', value: 'private' },
      { name: 'key', value: key },
      { name: 'X-Amz-Credential', value: `ASIAFAKE/${date.slice(0, 8)}/us-east-1/s3/aws4_request` },
      { name: 'X-Amz-Algorithm', value: 'AWS4-HMAC-SHA256' },
      { name: 'X-Amz-Date', value: date },
      { name: 'success_action_status', value: '201' },
      { name: 'content-type', value: mimetype },
      { name: 'x-amz-storage-class', value: 'INTELLIGENT_TIERING' },
      { name: 'x-amz-meta-ext', value: filepath.includes('.') ? filepath.slice(filepath.lastIndexOf('.') + 1) : '' },
      { name: 'policy', value: Buffer.from(JSON.stringify({ expiration: new Date(Date.now() + 3600_000).toISOString(), key })).toString('base64') },
      { name: 'X-Amz-Signature', value: randomBytes(32).toString('hex') },
      { name: 'x-amz-security-token', value: randomBytes(48).toString('base64') },
    ];
    const lease: Lease = { assetId, bucket, key, filepath, mimetype, fields, user: user.name };
    this.leases.set(`${bucket}/${key}`, lease);
    const host = new URL(this.uploadRoot).host;
    return {
      args: { action: `//${host}/${bucket}`, fields },
      asset: { asset_id: assetId, processing_state: 'incomplete', payload: { filepath }, websocket_url: `wss://ws-fake.wss.redditmedia.com/${assetId}?m=${randomBytes(12).toString('base64url')}` },
    };
  }

  /** The object a submitted `url` / `video_poster_url` names, when it was uploaded through a lease. */
  private uploaded(url: string | undefined): UploadedObject | undefined {
    if (!url) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return undefined;
    }
    if (parsed.origin !== this.uploadRoot) return undefined;
    const [bucket, ...rest] = parsed.pathname.slice(1).split('/');
    return this.uploads.find((u) => u.bucket === bucket && u.key === rest.join('/'));
  }

  private submit(params: Record<string, string>, user: FakeUser): Json {
    const limited = this.submitRateLimits.find((r) => r.remaining > 0);
    if (limited) {
      limited.remaining--;
      throw new SubmitError('RATELIMIT', `you are doing that too much. try again in ${limited.minutes} minutes.`, 'ratelimit');
    }
    const sub = this.subreddits.get((params.sr ?? '').replace(/^\/?r\//i, '').toLowerCase());
    if (!sub) throw new SubmitError('SUBREDDIT_NOEXIST', "that subreddit doesn't exist", 'sr');
    if ((sub.banned ?? []).some((b) => b.toLowerCase() === user.name.toLowerCase())) throw new SubmitError('SUBREDDIT_NOTALLOWED', "you aren't allowed to post there.", 'sr');
    const title = params.title ?? '';
    if (!title.trim()) throw new SubmitError('NO_TEXT', 'we need something here', 'title');
    if ([...title].length > 300) throw new SubmitError('TOO_LONG', 'this is too long (max: 300)', 'title');
    const kind = params.kind as FakePost['kind'];
    if (!['link', 'self', 'image', 'video', 'videogif'].includes(kind)) throw new SubmitError('INVALID_OPTION', 'that option is not valid', 'kind');
    const type = sub.submissionType ?? 'any';
    if (kind === 'self' && type === 'link') throw new SubmitError('NO_SELFS', "that subreddit doesn't allow text posts", 'sr');
    if (kind !== 'self' && type === 'self') throw new SubmitError('NO_LINKS', 'that subreddit only allows text posts', 'sr');
    if ((kind === 'video' || kind === 'videogif') && sub.allowVideos === false) throw new SubmitError('NO_VIDEOS', "This community doesn't allow videos", 'sr');
    let url = params.url ?? '';
    if (kind === 'link') {
      try {
        if (!/^https?:$/.test(new URL(url).protocol)) throw new Error('scheme');
      } catch {
        throw new SubmitError('BAD_URL', 'you should check that url', 'url');
      }
    }
    let posterUrl: string | undefined;
    if (kind === 'video' || kind === 'videogif') {
      const video = this.uploaded(url);
      if (!video || !video.mimetype.startsWith('video/')) throw new SubmitError('BAD_URL', 'you should check that url', 'url');
      const poster = this.uploaded(params.video_poster_url);
      if (kind === 'video' && (!poster || !poster.mimetype.startsWith('image/'))) throw new SubmitError('BAD_URL', 'you should check that url', 'video_poster_url');
      posterUrl = params.video_poster_url;
      url = params.url!;
    }
    const rules = { ...defaultPostRequirements, ...sub.requirements };
    const flairId = params.flair_id || undefined;
    if (rules.is_flair_required && !flairId) throw new SubmitError('SUBMIT_VALIDATION_FLAIR_REQUIRED', 'Your post must contain post flair.', 'flair');
    const lower = title.toLowerCase();
    if (rules.title_required_strings.length > 0 && !rules.title_required_strings.some((s) => lower.includes(s.toLowerCase()))) {
      throw new SubmitError('SUBMIT_VALIDATION_TITLE_REQUIREMENT', `Your post title must contain one of the following: ${rules.title_required_strings.join(', ')}`, 'title');
    }
    const banned = rules.title_blacklisted_strings.find((s) => lower.includes(s.toLowerCase()));
    if (banned) throw new SubmitError('SUBMIT_VALIDATION_TITLE_BLACKLISTED_STRING', `Your post title contains a word or phrase not allowed here: ${banned}`, 'title');
    if (rules.title_text_min_length !== null && [...title].length < rules.title_text_min_length) {
      throw new SubmitError('SUBMIT_VALIDATION_TITLE_TOO_SHORT', `Your post title must be at least ${rules.title_text_min_length} characters`, 'title');
    }
    if (rules.title_text_max_length !== null && [...title].length > rules.title_text_max_length) {
      throw new SubmitError('SUBMIT_VALIDATION_TITLE_TOO_LONG', `Your post title must be at most ${rules.title_text_max_length} characters`, 'title');
    }

    const id = id36();
    const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 50) || 'post';
    const now = Date.now();
    const media = kind === 'video' || kind === 'videogif' || kind === 'image';
    const post: FakePost = {
      id, name: `t3_${id}`, subreddit: sub.name, author: user.name, title, kind, url, ...(posterUrl ? { posterUrl } : {}),
      nsfw: params.nsfw === 'true', spoiler: params.spoiler === 'true',
      ...(flairId ? { flairId } : {}), ...(params.flair_text ? { flairText: params.flair_text } : {}),
      permalink: `/r/${sub.name}/comments/${id}/${slug}/`, createdAt: now, visibleAt: media ? now + this.processingMs : now,
      score: 1, numComments: 0, scoreHidden: false, removedBy: null,
    };
    this.posts.set(id, post);
    this.emit('post', post);
    if (media) {
      // Media posts answer without the post: the client learns it over the websocket once the video is processed.
      return { user_submitted_page: `https://www.reddit.com/user/${user.name}/submitted/`, websocket_url: `wss://ws-fake.wss.redditmedia.com/rte_images/${id}?m=${randomBytes(12).toString('base64url')}` };
    }
    return { url: `https://www.reddit.com${post.permalink}`, drafts_count: 0, id, name: post.name };
  }

  // ── The upload bucket (Amazon S3 POST Object) ─────────────────────────────────────────────

  private s3Error(status: number, code: string, message: string): [number, string] {
    return [status, `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${randomBytes(8).toString('hex').toUpperCase()}</RequestId></Error>`];
  }

  private uploadRoute(method: string, path: string, params: Record<string, string>, rawFiles: Record<string, Buffer>): [number, unknown, Record<string, string>?] {
    const bucket = path.slice(1).replace(/\/$/, '');
    if (method !== 'POST' || !['reddit-uploaded-video', 'reddit-uploaded-media'].includes(bucket)) return this.s3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    const lease = this.leases.get(`${bucket}/${params.key ?? ''}`);
    if (!lease) return this.s3Error(403, 'AccessDenied', 'Invalid according to Policy: Policy Condition failed: ["eq", "$key", …]');
    const order = (params.__order ?? '').split(',');
    if (order.at(-1) !== 'file') return this.s3Error(400, 'InvalidArgument', 'POST requires exactly one file upload per request, sent as the last field.');
    for (const field of lease.fields) {
      if (params[field.name] !== field.value) return this.s3Error(403, 'AccessDenied', `Invalid according to Policy: Policy Condition failed: ["eq", "$${field.name}", "${field.value}"]`);
    }
    const bytes = rawFiles.file!;
    if (bytes.length === 0) return this.s3Error(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size');
    const object: UploadedObject = { bucket, key: lease.key, assetId: lease.assetId, mimetype: lease.mimetype, size: bytes.length, sha256: sha256(bytes), bytes };
    this.uploads.push(object);
    const location = `${this.uploadRoot}/${bucket}/${encodeURIComponent(lease.key)}`;
    return [201, `<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse><Location>${location}</Location><Bucket>${bucket}</Bucket><Key>${lease.key}</Key><ETag>"${object.sha256.slice(0, 32)}"</ETag></PostResponse>`];
  }
}

export async function startFakeReddit(options: FakeRedditOptions = {}): Promise<FakeReddit> {
  const fake = new FakeReddit(options);
  await fake.listen();
  return fake;
}
