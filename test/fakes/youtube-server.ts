/**
 * A fake Google OAuth 2.0 server and YouTube Data API v3: a real HTTP server on 127.0.0.1 (random port) speaking the
 * parts the YouTube driver uses, as Google's public documentation describes them, recording every request and letting
 * tests script faults.
 *
 *   const yt = await startFakeYoutube();   // YOUTUBE_API_ROOT = yt.url, GOOGLE_OAUTH_TOKEN_URL = yt.tokenUrl,
 *                                          // GOOGLE_OAUTH_AUTHORIZE_URL = yt.authorizeUrl, GOOGLE_CLIENT_ID/SECRET = yt.client
 *   const account = yt.addAccount({ handle: '@ana_live' });       // a Google account with a channel
 *   const tokens = yt.issueTokens(account.id);                    // or the OAuth dance: yt.approve(authorizeUrl, account.id)
 *   yt.dropNextUpload(1024 * 1024);       // yt.failNext(...), yt.loseNextAnswer(...), yt.exhaustQuota(), yt.revoke(...)
 *
 * Doc pages it follows:
 * - OAuth 2.0 for web server apps: https://developers.google.com/identity/protocols/oauth2/web-server (authorize
 *   parameters: client_id, redirect_uri exact match, response_type=code, scope, state, access_type online|offline, prompt,
 *   code_challenge / code_challenge_method S256|plain; the refresh token only for access_type=offline, on the first
 *   consent or with prompt=consent; `error=access_denied` on refusal; token exchange and refresh as form posts with
 *   client_id and client_secret; answers `{ access_token, expires_in, scope, token_type: 'Bearer', refresh_token? }`,
 *   refresh answers without a new refresh token; a revoked or expired refresh token is `invalid_grant`). Error
 *   descriptions not on that page are those Google is seen to send: "Token has been expired or revoked.", "Bad
 *   Request", "Invalid code verifier.", invalid_client "Unauthorized" (401).
 * - videos.insert: https://developers.google.com/youtube/v3/docs/videos/insert (POST /upload/youtube/v3/videos with
 *   uploadType=multipart|resumable, part, notifySubscribers; scopes youtube.upload, youtube, youtube.force-ssl; errors
 *   uploadLimitExceeded 400, invalidTitle, invalidDescription, invalidTags, invalidCategoryId, mediaBodyRequired 400,
 *   forbidden 403; videos uploaded from unverified projects created after 28 July 2020 are restricted to private) and the
 *   videos resource https://developers.google.com/youtube/v3/docs/videos (title ≤ 100 characters, description ≤ 5000
 *   bytes, neither with `<` or `>`; tags ≤ 500 characters with commas counted and a tag with a space counted with its
 *   quotes; statistics counters as strings).
 * - Resumable uploads: https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol (step 1: POST with
 *   X-Upload-Content-Length / X-Upload-Content-Type, 200 with the session URI in Location; step 3: PUT the bytes; step 4:
 *   201 Created with the video when complete, `308 Resume Incomplete` with `Range: bytes=0-N` (no Range: nothing stored),
 *   a status query is an empty PUT with `Content-Range: bytes *\/TOTAL`, resume with `Content-Range: bytes FIRST-LAST/TOTAL`;
 *   chunks other than the last are multiples of 256 KB; 5xx can be resumed, other 4xx cannot; an expired session is 404).
 * - Multipart: https://developers.google.com/youtube/v3/guides/uploading_a_video (multipart/related: the JSON resource,
 *   then the media).
 * - Errors: https://developers.google.com/youtube/v3/docs/errors (`{ error: { code, message, errors: [{ domain, reason,
 *   message }] } }`; quotaExceeded 403 domain youtube.quota; authError 401; insufficientPermissions 403) and the
 *   per-method lists (channels.list, playlistItems.list playlistNotFound 404, videos.list).
 * - Quota: https://developers.google.com/youtube/v3/determine_quota_cost (10,000 units a day per project; every request,
 *   invalid ones included, costs at least 1; list 1, videos.insert 1600; reset at midnight Pacific time).
 * - Reads: https://developers.google.com/youtube/v3/docs/channels/list (mine=true; customUrl; an account without a channel
 *   gets no items; contentDetails.relatedPlaylists.uploads), https://developers.google.com/youtube/v3/docs/playlistItems/list
 *   (maxResults 0–50, default 5; nextPageToken; snippet.resourceId.videoId, description, publishedAt),
 *   https://developers.google.com/youtube/v3/docs/videos/list (id list; missing videos are left out of items).
 * Where the docs say nothing the fake is strict and says so: a resumed PUT must start exactly where the server's bytes
 * end (400 otherwise), and what a dropped connection leaves stored is rounded down to 256 KiB.
 */
import {
  closeServer, decideOnConsentPage, listenOnLoopback, takeScriptedFailure, type ScriptedFailure as SharedScriptedFailure,
} from './http-fake.js';
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export type Json = Record<string, any>;

const SCOPE = 'https://www.googleapis.com/auth/';
/** The YouTube Data API's OAuth scopes (videos.insert and the list methods' Authorization sections). */
export const YOUTUBE_SCOPES = ['youtube', 'youtube.channel-memberships.creator', 'youtube.force-ssl', 'youtube.readonly', 'youtube.upload', 'youtubepartner', 'youtubepartner-channel-audit'].map((s) => SCOPE + s);
const UPLOAD_SCOPES = ['youtube', 'youtube.force-ssl', 'youtube.upload', 'youtubepartner'].map((s) => SCOPE + s);
const READ_SCOPES = ['youtube', 'youtube.force-ssl', 'youtube.readonly', 'youtubepartner'].map((s) => SCOPE + s);
/** Identity scopes Google also accepts at the same consent. */
const OTHER_SCOPES = ['openid', 'email', 'profile'];

export type YoutubeRoute =
  | 'GET /o/oauth2/v2/auth' | 'POST /token'
  | 'GET /youtube/v3/channels' | 'GET /youtube/v3/playlistItems' | 'GET /youtube/v3/videos'
  /** videos.insert: uploadType=multipart, or the start of a resumable session. */
  | 'POST /upload/youtube/v3/videos'
  /** A resumable session URI: bytes, or a status query. */
  | 'PUT /upload/youtube/v3/videos';

/** Quota units per method (determine_quota_cost). */
export const QUOTA_COSTS: Record<string, number> = {
  'GET /youtube/v3/channels': 1, 'GET /youtube/v3/playlistItems': 1, 'GET /youtube/v3/videos': 1, 'POST /upload/youtube/v3/videos': 1600,
};

const ACCESS_TOKEN_SECONDS = 3599;
const CODE_SECONDS = 600;
const GRANULE = 256 * 1024;
const SESSION_LIFETIME_MS = 7 * 86_400_000;
const PACIFIC = 'America/Los_Angeles';

export interface GoogleClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface YtChannel {
  id: string;
  uploadsPlaylistId: string;
  title: string;
  /** customUrl: the handle with its '@'. */
  handle: string;
  /** The channel reached YouTube's daily upload cap: videos.insert answers uploadLimitExceeded. */
  uploadLimitReached: boolean;
}

export interface GoogleAccount {
  id: string;
  channel?: YtChannel;
}

export interface YtVideo {
  id: string;
  channelId: string;
  title: string;
  description: string;
  tags: string[];
  categoryId: string;
  defaultLanguage?: string;
  privacyStatus: 'public' | 'unlisted' | 'private';
  /** What the request asked for (an unaudited project's upload is locked private whatever it asks). */
  requestedPrivacy: string;
  selfDeclaredMadeForKids?: boolean;
  via: 'multipart' | 'resumable' | 'elsewhere';
  size: number;
  sha256: string;
  publishedAt: Date;
  deleted: boolean;
  likesHidden: boolean;
  commentsDisabled: boolean;
  statistics: { viewCount: number; likeCount: number; favoriteCount: number; commentCount: number };
}

export interface UploadSession {
  id: string;
  uri: string;
  accountId: string;
  channelId: string;
  resource: Json;
  part: string[];
  /** X-Upload-Content-Length, when the client said it. */
  declaredBytes?: number;
  contentType?: string;
  chunks: Buffer[];
  stored: number;
  expiresAt: number;
  videoId?: string;
  /** Every PUT in order: the range it claimed and what happened. */
  puts: { range: string; first?: number; bytes: number; status: number; dropped: boolean }[];
}

export interface RecordedYoutubeRequest {
  method: string;
  path: string;
  route: YoutubeRoute | null;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** JSON or form fields; a multipart upload's JSON part; for bytes, nothing. */
  body: Json;
  /** Bytes of the request body (a PUT's media, a multipart upload's media part). */
  mediaBytes: number;
  status: number;
  response: unknown;
  /** The action ran (or part of the body arrived) but the connection was dropped before any answer. */
  lost: boolean;
  at: number;
}

interface Grant {
  accountId: string;
  clientId: string;
  scopes: string[];
  accessToken: string;
  accessExpiresAt: number;
  refreshToken?: string;
  revoked: boolean;
}

interface AuthCode {
  clientId: string;
  redirectUri: string;
  challenge?: string;
  method?: 'S256' | 'plain';
  scopes: string[];
  accountId: string;
  offline: boolean;
  expiresAt: number;
  used: boolean;
}

type ScriptedFailure = SharedScriptedFailure<YoutubeRoute>;

export interface FakeYoutubeOptions {
  client?: GoogleClient;
  /** The project's daily quota in units (default 10,000). */
  dailyQuotaUnits?: number;
  /** Google audited the project: uploads keep their privacy (default false: locked private, as for new projects). */
  projectAudited?: boolean;
}

class HttpError extends Error {
  constructor(readonly status: number, readonly body: unknown, readonly headers: Record<string, string> = {}) {
    super(typeof body === 'object' && body !== null ? JSON.stringify(body) : String(body));
  }
}

/** Google's error body (docs/errors). */
export const googleError = (code: number, reason: string, message: string, domain = 'youtube', extra: Json = {}) =>
  new HttpError(code, { error: { code, message, errors: [{ message, domain, reason, ...extra }] } });

const quotaExceeded = () => googleError(403, 'quotaExceeded', 'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.', 'youtube.quota');
const unauthenticated = () => new HttpError(401, {
  error: {
    code: 401, status: 'UNAUTHENTICATED',
    message: 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
    errors: [{ message: 'Invalid Credentials', domain: 'global', reason: 'authError', location: 'Authorization', locationType: 'header' }],
  },
}, { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' });
const insufficientScope = () => new HttpError(403, {
  error: { code: 403, status: 'PERMISSION_DENIED', message: 'Request had insufficient authentication scopes.', errors: [{ message: 'Insufficient Permission', domain: 'global', reason: 'insufficientPermissions' }] },
});
const tokenError = (status: number, error: string, description: string) => new HttpError(status, { error, error_description: description });

const pacificDay = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: PACIFIC, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
const tagsLength = (tags: string[]) => tags.reduce((sum, t, i) => sum + t.length + (t.includes(' ') ? 2 : 0) + (i > 0 ? 1 : 0), 0);

export class FakeYoutube extends EventEmitter {
  url = '';
  readonly requests: RecordedYoutubeRequest[] = [];
  readonly accounts = new Map<string, GoogleAccount>();
  readonly videos: YtVideo[] = [];
  readonly sessions = new Map<string, UploadSession>();
  readonly client: GoogleClient;
  dailyQuotaUnits: number;
  projectAudited: boolean;
  /** Units used today (Pacific day `quotaDay`). */
  quotaUsed = 0;
  quotaDay = pacificDay(Date.now());

  private server = createServer((req, res) => void this.route(req, res));
  private grants: Grant[] = [];
  private codes = new Map<string, AuthCode>();
  private consented = new Set<string>();
  private failures: ScriptedFailure[] = [];
  private lose = new Map<YoutubeRoute, number>();
  private drops: { bytes: number; skip: number }[] = [];

  constructor(options: FakeYoutubeOptions = {}) {
    super();
    this.setMaxListeners(100);
    this.client = options.client ?? {
      clientId: `${randomDigits(12)}-${randomBytes(16).toString('hex')}.apps.googleusercontent.com`,
      clientSecret: `GOCSPX-${randomBytes(21).toString('base64url')}`,
      redirectUris: ['http://localhost:3000/oauth/callback/youtube'],
    };
    this.dailyQuotaUnits = options.dailyQuotaUnits ?? 10_000;
    this.projectAudited = options.projectAudited ?? false;
  }

  /** GOOGLE_OAUTH_AUTHORIZE_URL for this fake. */
  get authorizeUrl(): string {
    return `${this.url}/o/oauth2/v2/auth`;
  }

  /** GOOGLE_OAUTH_TOKEN_URL for this fake. */
  get tokenUrl(): string {
    return `${this.url}/token`;
  }

  async listen(): Promise<void> {
    this.url = await listenOnLoopback(this.server);
  }

  async close(): Promise<void> {
    await closeServer(this.server);
  }

  // ── What the test controls ────────────────────────────────────────────────────────────────

  /** A Google account with a YouTube channel (or, with `channel: false`, one that never created a channel). */
  addAccount(fields: { handle?: string; title?: string; channel?: boolean } = {}): GoogleAccount {
    const account: GoogleAccount = { id: randomDigits(21) };
    if (fields.channel !== false) {
      const suffix = randomBytes(16).toString('base64url').slice(0, 22);
      const handle = fields.handle ?? `@user${randomDigits(6)}`;
      account.channel = { id: `UC${suffix}`, uploadsPlaylistId: `UU${suffix}`, title: fields.title ?? handle.replace(/^@/, ''), handle, uploadLimitReached: false };
    }
    this.accounts.set(account.id, account);
    return account;
  }

  /** Tokens as if the account had authorized our client offline with `scopes` (default upload + read-only). */
  issueTokens(accountId: string, opts: { scopes?: string[] } = {}): { accessToken: string; refreshToken: string; expiresAt: string } {
    const grant = this.newGrant(accountId, this.client.clientId, opts.scopes ?? [SCOPE + 'youtube.upload', SCOPE + 'youtube.readonly'], true);
    return { accessToken: grant.accessToken, refreshToken: grant.refreshToken!, expiresAt: new Date(grant.accessExpiresAt).toISOString() };
  }

  /** The user approves our app on Google's consent page: returns the Location Google redirects to (`redirect_uri?state=…&code=…`). */
  async approve(authorizeUrl: string, accountId: string): Promise<string> {
    return this.decide(authorizeUrl, `approve:${accountId}`);
  }

  /** The user presses "Cancel": Google redirects with `error=access_denied`. */
  async deny(authorizeUrl: string): Promise<string> {
    return this.decide(authorizeUrl, 'deny');
  }

  private decide(authorizeUrl: string, decision: string): Promise<string> {
    return decideOnConsentPage(authorizeUrl, decision, 'Google');
  }

  /** The user removed our app's access (or the refresh token expired): the grant's tokens stop working. */
  revoke(token: string): void {
    const grant = this.grants.find((g) => g.accessToken === token || g.refreshToken === token);
    if (!grant) throw new Error('unknown token');
    grant.revoked = true;
  }

  /** Every access token issued so far has expired (refresh tokens still work). */
  expireAccessTokens(): void {
    for (const grant of this.grants) grant.accessExpiresAt = Date.now() - 1000;
  }

  accessTokenValid(token: string): boolean {
    return this.grants.some((g) => !g.revoked && g.accessToken === token && g.accessExpiresAt > Date.now());
  }

  refreshTokenValid(token: string): boolean {
    return this.grants.some((g) => !g.revoked && g.refreshToken === token);
  }

  /** The next `times` calls of `route` (after `skip` that go through) answer this. */
  failNext(route: YoutubeRoute, answer: { status: number; body?: unknown; headers?: Record<string, string> }, opts: { times?: number; skip?: number } = {}): void {
    this.failures.push({ route, ...answer, remaining: opts.times ?? 1, skip: opts.skip ?? 0 });
  }

  /** The next call of `route` does its work (a video is created), then the connection drops with no answer. */
  loseNextAnswer(route: YoutubeRoute): void {
    this.lose.set(route, (this.lose.get(route) ?? 0) + 1);
  }

  /**
   * The next PUT carrying bytes to an upload session (after `skip` that go through) breaks after `bytes` of its body
   * arrived: the server keeps what it got, rounded down to 256 KiB, and the connection drops (a network failure mid-upload).
   */
  dropNextUpload(bytes: number, opts: { skip?: number } = {}): void {
    this.drops.push({ bytes, skip: opts.skip ?? 0 });
  }

  /** Every open upload session expires (a status query or PUT answers 404). */
  expireUploadSessions(): void {
    for (const session of this.sessions.values()) if (!session.videoId) session.expiresAt = Date.now() - 1000;
  }

  /** The project spent its daily quota: every call answers 403 quotaExceeded until the Pacific midnight. */
  exhaustQuota(): void {
    this.rollQuotaDay();
    this.quotaUsed = this.dailyQuotaUnits;
  }

  setUploadLimitReached(channelId: string, reached = true): void {
    this.channel(channelId).uploadLimitReached = reached;
  }

  /** A video the channel uploaded some other way (YouTube Studio). */
  addVideo(channelId: string, fields: { title?: string; description?: string; privacyStatus?: YtVideo['privacyStatus'] } = {}): YtVideo {
    this.channel(channelId);
    return this.createVideo(channelId, {
      title: fields.title ?? 'Another video', description: fields.description ?? '', tags: [], categoryId: '22',
      privacyStatus: fields.privacyStatus ?? 'public', requestedPrivacy: fields.privacyStatus ?? 'public', via: 'elsewhere', media: randomBytes(64),
    });
  }

  deleteVideo(id: string): void {
    this.video(id).deleted = true;
  }

  setStatistics(id: string, statistics: Partial<YtVideo['statistics']>, opts: { likesHidden?: boolean; commentsDisabled?: boolean } = {}): void {
    const video = this.video(id);
    Object.assign(video.statistics, statistics);
    if (opts.likesHidden !== undefined) video.likesHidden = opts.likesHidden;
    if (opts.commentsDisabled !== undefined) video.commentsDisabled = opts.commentsDisabled;
  }

  video(id: string): YtVideo {
    const video = this.videos.find((v) => v.id === id);
    if (!video) throw new Error(`no video ${id}`);
    return video;
  }

  requestsTo(route: YoutubeRoute): RecordedYoutubeRequest[] {
    return this.requests.filter((r) => r.route === route);
  }

  private channel(channelId: string): YtChannel {
    const channel = [...this.accounts.values()].find((a) => a.channel?.id === channelId)?.channel;
    if (!channel) throw new Error(`no channel ${channelId}`);
    return channel;
  }

  // ── HTTP ──────────────────────────────────────────────────────────────────────────────────

  private async route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    // Google's client libraries repeat a list parameter (`part=id&part=snippet`); others join it with commas: both count.
    const query = Object.fromEntries([...new Set(url.searchParams.keys())].map((key) => [key, url.searchParams.getAll(key).join(',')]));
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v ?? '']));
    const record: RecordedYoutubeRequest = { method, path: url.pathname, route: null, query, headers, body: {}, mediaBytes: 0, status: 0, response: undefined, lost: false, at: Date.now() };
    this.requests.push(record);
    const finish = (status: number, body: unknown, extraHeaders: Record<string, string> = {}) => {
      record.status = status;
      record.response = body;
      this.emit('request', record);
      if (res.destroyed) return;
      const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
      const type = typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/json; charset=UTF-8';
      res.writeHead(status, { ...(text ? { 'content-type': type } : {}), 'content-length': Buffer.byteLength(text), ...extraHeaders });
      res.end(text);
    };
    const drop = () => {
      record.lost = true;
      this.emit('request', record);
      req.socket.destroy();
    };

    const route = routeOf(method, url.pathname);
    if (!route) {
      await drain(req);
      return finish(404, { error: { code: 404, message: `Not Found: ${method} ${url.pathname}`, errors: [{ message: 'Not Found', domain: 'global', reason: 'notFound' }] } });
    }
    record.route = route;
    if (route === 'GET /o/oauth2/v2/auth') return this.authorize(url, finish);

    const scripted = this.takeFailure(route);
    if (scripted) {
      await drain(req);
      return finish(scripted.status, scripted.body ?? googleError(scripted.status, 'backendError', 'Backend Error', 'global').body, scripted.headers);
    }
    try {
      if (route === 'PUT /upload/youtube/v3/videos') return await this.sessionPut(req, url, record, finish, drop);
      const raw = await readAll(req);
      if (route === 'POST /token') {
        record.body = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
        return finish(200, this.token(record), { 'cache-control': 'no-cache, no-store, max-age=0, must-revalidate', pragma: 'no-cache' });
      }
      const grant = this.bearer(headers.authorization);
      if (!grant) throw unauthenticated();
      const needed = route === 'POST /upload/youtube/v3/videos' ? UPLOAD_SCOPES : READ_SCOPES;
      if (!grant.scopes.some((s) => needed.includes(s))) throw insufficientScope();
      this.charge(route);
      let result: { status: number; body: unknown; headers?: Record<string, string> };
      try {
        result = route === 'POST /upload/youtube/v3/videos' ? this.insert(record, raw, grant) : this.list(route, record, grant);
      } catch (error) {
        // An invalid request still costs a unit, not the method's full price.
        if (error instanceof HttpError && error.status < 500) this.quotaUsed -= (QUOTA_COSTS[route] ?? 1) - 1;
        throw error;
      }
      const lose = this.lose.get(route) ?? 0;
      if (lose > 0) {
        this.lose.set(route, lose - 1);
        record.status = result.status;
        record.response = result.body;
        return drop();
      }
      return finish(result.status, result.body, result.headers);
    } catch (error) {
      if (error instanceof HttpError) return finish(error.status, error.body, error.headers);
      return finish(500, googleError(500, 'backendError', `fake YouTube failed: ${(error as Error).stack ?? String(error)}`, 'global').body);
    }
  }

  private takeFailure(route: YoutubeRoute): ScriptedFailure | undefined {
    return takeScriptedFailure(this.failures, route);
  }

  // ── Quota ─────────────────────────────────────────────────────────────────────────────────

  private rollQuotaDay() {
    const today = pacificDay(Date.now());
    if (today !== this.quotaDay) {
      this.quotaDay = today;
      this.quotaUsed = 0;
    }
  }

  /** Takes the method's units from today's quota; none left for it → 403 quotaExceeded (and nothing is taken). */
  private charge(route: YoutubeRoute) {
    this.rollQuotaDay();
    const cost = QUOTA_COSTS[route] ?? 1;
    if (this.quotaUsed + cost > this.dailyQuotaUnits) throw quotaExceeded();
    this.quotaUsed += cost;
  }

  // ── OAuth 2.0 ─────────────────────────────────────────────────────────────────────────────

  private authorize(url: URL, finish: (status: number, body: unknown, headers?: Record<string, string>) => void) {
    const p = url.searchParams;
    const page = (status: number, error: string, message: string) => finish(status, `<!doctype html><title>Error ${status} (OAuth 2.0)</title><p>Access blocked: Error ${status}: ${error}</p><p>${message.replace(/</g, '&lt;')}</p>`);
    if (p.get('client_id') !== this.client.clientId) return page(401, 'invalid_client', 'The OAuth client was not found.');
    const redirectUri = p.get('redirect_uri') ?? '';
    if (!this.client.redirectUris.includes(redirectUri)) return page(400, 'redirect_uri_mismatch', `You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy (redirect_uri=${redirectUri}).`);
    if (p.get('response_type') !== 'code') return page(400, 'invalid_request', 'Invalid response_type.');
    const scopes = (p.get('scope') ?? '').split(' ').filter(Boolean);
    if (scopes.length === 0) return page(400, 'invalid_request', 'Missing required parameter: scope');
    const unknown = scopes.find((s) => !YOUTUBE_SCOPES.includes(s) && !OTHER_SCOPES.includes(s));
    if (unknown) return page(400, 'invalid_scope', `Some requested scopes were invalid. {invalid=[${unknown}]}`);
    const accessType = p.get('access_type') ?? 'online';
    if (accessType !== 'online' && accessType !== 'offline') return page(400, 'invalid_request', `Invalid access_type: ${accessType}`);
    const challenge = p.get('code_challenge') ?? undefined;
    const method = (p.get('code_challenge_method') ?? (challenge ? 'plain' : undefined)) as AuthCode['method'];
    if (challenge && method !== 'S256' && method !== 'plain') return page(400, 'invalid_request', 'Invalid code_challenge_method.');
    if (challenge && !/^[A-Za-z0-9._~-]{43,128}$/.test(challenge)) return page(400, 'invalid_request', 'Invalid code_challenge.');
    const state = p.get('state');
    const back = new URL(redirectUri);
    const decision = p.get('fake_decision');
    if (decision === 'deny') {
      back.searchParams.set('error', 'access_denied');
      if (state) back.searchParams.set('state', state);
      return finish(302, '', { location: back.toString() });
    }
    const accountId = decision?.startsWith('approve:') ? decision.slice('approve:'.length) : undefined;
    if (!accountId) return finish(200, `<!doctype html><p>${this.client.clientId} wants access to your Google Account (${scopes.join(' ')}). Continue / Cancel</p>`);
    if (!this.accounts.has(accountId)) return page(400, 'invalid_request', 'no such account in this fake');
    const consentKey = `${accountId}|${this.client.clientId}`;
    const prompt = (p.get('prompt') ?? '').split(' ');
    // The refresh token comes with the first offline consent, or with every one that prompt=consent forces.
    const offline = accessType === 'offline' && (!this.consented.has(consentKey) || prompt.includes('consent'));
    this.consented.add(consentKey);
    const code = `4/0${randomBytes(40).toString('base64url')}`;
    this.codes.set(code, { clientId: this.client.clientId, redirectUri, challenge, method, scopes, accountId, offline, expiresAt: Date.now() + CODE_SECONDS * 1000, used: false });
    if (state) back.searchParams.set('state', state);
    back.searchParams.set('code', code);
    back.searchParams.set('scope', scopes.join(' '));
    return finish(302, '', { location: back.toString() });
  }

  /** client_secret_post (the web-server page's way) or HTTP Basic. */
  private authenticateClient(record: RecordedYoutubeRequest): GoogleClient {
    let id = record.body.client_id as string | undefined;
    let secret = record.body.client_secret as string | undefined;
    const basic = /^Basic\s+(.+)$/i.exec(record.headers.authorization ?? '');
    if (basic) [id, secret] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
    if (!id) throw tokenError(400, 'invalid_request', 'Could not determine client ID from request.');
    if (id !== this.client.clientId) throw tokenError(401, 'invalid_client', 'The OAuth client was not found.');
    if (!secret) throw tokenError(400, 'invalid_request', 'client_secret is missing.');
    if (secret !== this.client.clientSecret) throw tokenError(401, 'invalid_client', 'Unauthorized');
    return this.client;
  }

  private token(record: RecordedYoutubeRequest): Json {
    if (!(record.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) throw tokenError(400, 'invalid_request', 'Invalid Content-Type');
    const client = this.authenticateClient(record);
    const body = record.body;
    if (body.grant_type === 'authorization_code') {
      if (!body.code) throw tokenError(400, 'invalid_request', 'Missing required parameter: code');
      if (!body.redirect_uri) throw tokenError(400, 'invalid_request', 'Missing parameter: redirect_uri');
      const code = this.codes.get(String(body.code));
      if (!code) throw tokenError(400, 'invalid_grant', 'Malformed auth code.');
      if (code.used || code.expiresAt < Date.now() || code.clientId !== client.clientId) throw tokenError(400, 'invalid_grant', 'Bad Request');
      if (code.redirectUri !== body.redirect_uri) throw tokenError(400, 'redirect_uri_mismatch', 'Bad Request');
      if (code.challenge) {
        if (!body.code_verifier) throw tokenError(400, 'invalid_grant', 'Missing code verifier.');
        const verifier = String(body.code_verifier);
        const expected = code.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
        if (expected !== code.challenge) throw tokenError(400, 'invalid_grant', 'Invalid code verifier.');
      }
      code.used = true;
      return this.tokenAnswer(this.newGrant(code.accountId, client.clientId, code.scopes, code.offline), true);
    }
    if (body.grant_type === 'refresh_token') {
      if (!body.refresh_token) throw tokenError(400, 'invalid_request', 'Missing required parameter: refresh_token');
      const grant = this.grants.find((g) => g.refreshToken === body.refresh_token);
      if (!grant || grant.clientId !== client.clientId) throw tokenError(400, 'invalid_grant', 'Bad Request');
      if (grant.revoked) throw tokenError(400, 'invalid_grant', 'Token has been expired or revoked.');
      grant.accessToken = newAccessToken();
      grant.accessExpiresAt = Date.now() + ACCESS_TOKEN_SECONDS * 1000;
      return this.tokenAnswer(grant, false);
    }
    throw tokenError(400, 'unsupported_grant_type', `Invalid grant_type: ${String(body.grant_type ?? '')}`);
  }

  private tokenAnswer(grant: Grant, withRefreshToken: boolean): Json {
    return {
      access_token: grant.accessToken, expires_in: ACCESS_TOKEN_SECONDS, scope: grant.scopes.join(' '), token_type: 'Bearer',
      ...(withRefreshToken && grant.refreshToken ? { refresh_token: grant.refreshToken } : {}),
    };
  }

  private newGrant(accountId: string, clientId: string, scopes: string[], offline: boolean): Grant {
    if (!this.accounts.has(accountId)) throw new Error(`no account ${accountId}`);
    const grant: Grant = {
      accountId, clientId, scopes, accessToken: newAccessToken(), accessExpiresAt: Date.now() + ACCESS_TOKEN_SECONDS * 1000,
      refreshToken: offline ? `1//0${randomBytes(48).toString('base64url')}` : undefined, revoked: false,
    };
    this.grants.push(grant);
    return grant;
  }

  private bearer(header: string | undefined): Grant | undefined {
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!match) return undefined;
    const grant = this.grants.find((g) => g.accessToken === match[1]);
    if (!grant || grant.revoked || grant.accessExpiresAt <= Date.now()) return undefined;
    return grant;
  }

  // ── Reads ─────────────────────────────────────────────────────────────────────────────────

  private list(route: YoutubeRoute, record: RecordedYoutubeRequest, grant: Grant): { status: number; body: Json } {
    const q = record.query;
    const parts = (q.part ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (parts.length === 0) throw googleError(400, 'required', 'Required parameter: part', 'global', { locationType: 'parameter', location: 'part' });
    const channel = this.accounts.get(grant.accountId)?.channel;
    const etag = () => randomBytes(20).toString('base64url');
    if (route === 'GET /youtube/v3/channels') {
      if (q.mine !== 'true') throw googleError(400, 'missingRequiredParameter', 'No filter selected. Expected one of: id, mine, forHandle, forUsername, managedByMe, mySubscribers, categoryId', 'youtube.parameter');
      const items = channel ? [this.channelResource(channel, parts, etag())] : [];
      return { status: 200, body: { kind: 'youtube#channelListResponse', etag: etag(), pageInfo: { totalResults: items.length, resultsPerPage: 5 }, ...(items.length ? { items } : {}) } };
    }
    if (route === 'GET /youtube/v3/playlistItems') {
      const max = q.maxResults === undefined ? 5 : Number(q.maxResults);
      if (!Number.isInteger(max) || max < 0 || max > 50) throw googleError(400, 'invalidValue', `Invalid value '${q.maxResults}'. Values must be within the range: [0, 50]`, 'youtube.parameter');
      const owner = [...this.accounts.values()].find((a) => a.channel?.uploadsPlaylistId === q.playlistId)?.channel;
      if (!q.playlistId || !owner) throw googleError(404, 'playlistNotFound', "The playlist identified with the request's <code>playlistId</code> parameter cannot be found.", 'youtube.playlistItem', { location: 'playlistId', locationType: 'parameter' });
      const mine = owner.id === channel?.id;
      const uploads = this.videos
        .filter((v) => v.channelId === owner.id && !v.deleted && (mine || v.privacyStatus === 'public'))
        .sort((a, b) => b.publishedAt.getTime() - a.publishedAt.getTime());
      const start = q.pageToken ? Number(Buffer.from(q.pageToken, 'base64url').toString()) : 0;
      const page = uploads.slice(start, start + max);
      const next = start + max < uploads.length ? Buffer.from(String(start + max)).toString('base64url') : undefined;
      return {
        status: 200,
        body: {
          kind: 'youtube#playlistItemListResponse', etag: etag(), ...(next ? { nextPageToken: next } : {}),
          pageInfo: { totalResults: uploads.length, resultsPerPage: max },
          items: page.map((v, i) => ({
            kind: 'youtube#playlistItem', etag: etag(), id: Buffer.from(`${q.playlistId}.${v.id}`).toString('base64url'),
            ...(parts.includes('snippet') ? {
              snippet: {
                publishedAt: v.publishedAt.toISOString(), channelId: owner.id, title: v.title, description: v.description, thumbnails: {},
                channelTitle: owner.title, playlistId: q.playlistId, position: start + i, resourceId: { kind: 'youtube#video', videoId: v.id },
                videoOwnerChannelTitle: owner.title, videoOwnerChannelId: owner.id,
              },
            } : {}),
            ...(parts.includes('contentDetails') ? { contentDetails: { videoId: v.id, videoPublishedAt: v.publishedAt.toISOString() } } : {}),
            ...(parts.includes('status') ? { status: { privacyStatus: v.privacyStatus } } : {}),
          })),
        },
      };
    }
    // videos.list
    const ids = (q.id ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (ids.length === 0) throw googleError(400, 'missingRequiredParameter', 'No filter selected. Expected one of: myRating, id, chart', 'youtube.parameter');
    const items = ids
      .map((id) => this.videos.find((v) => v.id === id && !v.deleted))
      .filter((v): v is YtVideo => v !== undefined && (v.privacyStatus !== 'private' || v.channelId === channel?.id))
      .map((v) => this.videoResource(v, parts));
    return { status: 200, body: { kind: 'youtube#videoListResponse', etag: etag(), items, pageInfo: { totalResults: items.length, resultsPerPage: items.length } } };
  }

  private channelResource(channel: YtChannel, parts: string[], etag: string): Json {
    return {
      kind: 'youtube#channel', etag, id: channel.id,
      ...(parts.includes('snippet') ? { snippet: { title: channel.title, description: '', customUrl: channel.handle, publishedAt: '2021-05-01T12:00:00Z', thumbnails: {}, localized: { title: channel.title, description: '' } } } : {}),
      ...(parts.includes('contentDetails') ? { contentDetails: { relatedPlaylists: { likes: '', uploads: channel.uploadsPlaylistId } } } : {}),
    };
  }

  private videoResource(video: YtVideo, parts: string[]): Json {
    const channel = this.channel(video.channelId);
    return {
      kind: 'youtube#video', etag: randomBytes(20).toString('base64url'), id: video.id,
      ...(parts.includes('snippet') ? {
        snippet: {
          publishedAt: video.publishedAt.toISOString(), channelId: video.channelId, title: video.title, description: video.description, thumbnails: {},
          channelTitle: channel.title, ...(video.tags.length ? { tags: video.tags } : {}), categoryId: video.categoryId, liveBroadcastContent: 'none',
          ...(video.defaultLanguage ? { defaultLanguage: video.defaultLanguage } : {}), localized: { title: video.title, description: video.description },
        },
      } : {}),
      ...(parts.includes('status') ? {
        status: {
          uploadStatus: 'uploaded', privacyStatus: video.privacyStatus, license: 'youtube', embeddable: true, publicStatsViewable: true,
          madeForKids: video.selfDeclaredMadeForKids ?? false, ...(video.selfDeclaredMadeForKids !== undefined ? { selfDeclaredMadeForKids: video.selfDeclaredMadeForKids } : {}),
        },
      } : {}),
      ...(parts.includes('statistics') ? {
        statistics: {
          viewCount: String(video.statistics.viewCount),
          ...(video.likesHidden ? {} : { likeCount: String(video.statistics.likeCount) }),
          favoriteCount: String(video.statistics.favoriteCount),
          ...(video.commentsDisabled ? {} : { commentCount: String(video.statistics.commentCount) }),
        },
      } : {}),
    };
  }

  // ── Uploads ───────────────────────────────────────────────────────────────────────────────

  /** videos.insert: a multipart upload (metadata + media) or the start of a resumable session. */
  private insert(record: RecordedYoutubeRequest, raw: Buffer, grant: Grant): { status: number; body: Json; headers?: Record<string, string> } {
    const account = this.accounts.get(grant.accountId)!;
    if (!account.channel) throw googleError(401, 'youtubeSignupRequired', 'Unauthorized', 'youtube.header', { location: 'Authorization', locationType: 'header' });
    const parts = (record.query.part ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (parts.length === 0) throw googleError(400, 'required', 'Required parameter: part', 'global');
    const uploadType = record.query.uploadType;
    const contentType = record.headers['content-type'] ?? '';
    if (uploadType === 'multipart') {
      const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
      if (!contentType.toLowerCase().startsWith('multipart/related') || !boundary) throw googleError(400, 'badContent', 'Invalid multipart request: Content-Type must be multipart/related with a boundary', 'global');
      const [meta, media] = multipartParts(raw, boundary);
      if (!meta || !media) throw googleError(400, 'mediaBodyRequired', 'The request does not include the video content.', 'youtube.video');
      let resource: Json;
      try {
        resource = JSON.parse(meta.body.toString('utf8')) as Json;
      } catch {
        throw googleError(400, 'parseError', 'Parse Error', 'global');
      }
      record.body = resource;
      record.mediaBytes = media.body.length;
      const fields = this.checkResource(resource, account.channel);
      const video = this.createVideo(account.channel.id, { ...fields, via: 'multipart', media: media.body });
      return { status: 200, body: this.videoResource(video, parts) };
    }
    if (uploadType === 'resumable') {
      let resource: Json = {};
      if (raw.length > 0) {
        try {
          resource = JSON.parse(raw.toString('utf8')) as Json;
        } catch {
          throw googleError(400, 'parseError', 'Parse Error', 'global');
        }
      }
      record.body = resource;
      this.checkResource(resource, account.channel);
      const declared = record.headers['x-upload-content-length'];
      if (declared !== undefined && !/^\d+$/.test(declared)) throw googleError(400, 'invalidArgument', 'Invalid X-Upload-Content-Length', 'global');
      const id = randomBytes(36).toString('base64url');
      const uri = `${this.url}/upload/youtube/v3/videos?uploadType=resumable&part=${encodeURIComponent(parts.join(','))}&upload_id=${id}`;
      this.sessions.set(id, {
        id, uri, accountId: account.id, channelId: account.channel.id, resource, part: parts,
        declaredBytes: declared === undefined ? undefined : Number(declared), contentType: record.headers['x-upload-content-type'],
        chunks: [], stored: 0, expiresAt: Date.now() + SESSION_LIFETIME_MS, puts: [],
      });
      return { status: 200, body: undefined as unknown as Json, headers: { location: uri, 'x-guploader-uploadid': id } };
    }
    throw googleError(400, 'invalidParameter', `Invalid value for uploadType: ${uploadType ?? '(none)'}`, 'global');
  }

  /** The checks of videos.insert on the metadata; returns the fields the video is stored with. */
  private checkResource(resource: Json, channel: YtChannel) {
    if (channel.uploadLimitReached) throw googleError(400, 'uploadLimitExceeded', 'The user has exceeded the number of videos they may upload.', 'youtube.video');
    const snippet = resource.snippet ?? {};
    const status = resource.status ?? {};
    const title = snippet.title;
    if (typeof title !== 'string' || title.trim() === '' || title.length > 100 || /[<>]/.test(title)) {
      throw googleError(400, 'invalidTitle', 'The request metadata specifies an invalid or empty video title.', 'youtube.video');
    }
    const description = snippet.description ?? '';
    if (typeof description !== 'string' || Buffer.byteLength(description) > 5000 || /[<>]/.test(description)) {
      throw googleError(400, 'invalidDescription', 'The request metadata specifies an invalid video description.', 'youtube.video');
    }
    const tags: unknown = snippet.tags ?? [];
    if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string' || /[<>]/.test(t)) || tagsLength(tags as string[]) > 500) {
      throw googleError(400, 'invalidTags', 'The request metadata specifies invalid video keywords.', 'youtube.video');
    }
    const categoryId = snippet.categoryId ?? '22';
    if (!/^\d+$/.test(String(categoryId))) throw googleError(400, 'invalidCategoryId', 'The <code>snippet.categoryId</code> property specifies an invalid category ID.', 'youtube.video');
    const privacy = status.privacyStatus ?? 'public';
    if (!['public', 'unlisted', 'private'].includes(privacy)) throw googleError(400, 'invalidVideoMetadata', 'The request metadata is invalid.', 'youtube.video');
    return {
      title, description, tags: tags as string[], categoryId: String(categoryId), defaultLanguage: snippet.defaultLanguage,
      privacyStatus: privacy as YtVideo['privacyStatus'], requestedPrivacy: String(privacy),
      selfDeclaredMadeForKids: typeof status.selfDeclaredMadeForKids === 'boolean' ? status.selfDeclaredMadeForKids : undefined,
    };
  }

  /**
   * A PUT to a session URI: a status query (`Content-Range: bytes *\/TOTAL`, no body) or bytes
   * (`bytes FIRST-LAST/TOTAL`). The body is read as it arrives, so a scripted drop can break it mid-way.
   */
  private async sessionPut(
    req: IncomingMessage, url: URL, record: RecordedYoutubeRequest,
    finish: (status: number, body: unknown, headers?: Record<string, string>) => void, drop: () => void,
  ): Promise<void> {
    const session = this.sessions.get(url.searchParams.get('upload_id') ?? '');
    const authorization = record.headers.authorization;
    if (authorization !== undefined) {
      const grant = this.bearer(authorization);
      if (!grant || (session && grant.accountId !== session.accountId)) {
        await drain(req);
        throw unauthenticated();
      }
    }
    if (!session || session.expiresAt < Date.now()) {
      await drain(req);
      throw googleError(404, 'notFound', 'Not Found', 'global');
    }
    // Google's guide, step 3: the whole file in one PUT carries no Content-Range; read it as every byte from 0.
    const length = Number(record.headers['content-length'] ?? 0);
    const wholeFile = !record.headers['content-range'] && length > 0;
    const range = wholeFile ? `bytes 0-${length - 1}/${session.declaredBytes ?? length}` : (record.headers['content-range'] ?? '');
    const query = /^bytes \*\/(\d+|\*)$/.exec(range);
    const data = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(range);
    const put: UploadSession['puts'][number] = { range, bytes: 0, status: 0, dropped: false };
    session.puts.push(put);
    const answer = (status: number, body: unknown, headers?: Record<string, string>) => {
      put.status = status;
      finish(status, body, headers);
    };
    const incomplete = () => answer(308, undefined, session.stored > 0 ? { range: `bytes=0-${session.stored - 1}` } : {});
    const total = session.declaredBytes;

    if (query || (!data && range === '')) {
      await drain(req);
      if (session.videoId) return answer(200, this.videoResource(this.video(session.videoId), session.part));
      return incomplete();
    }
    if (!data) {
      await drain(req);
      throw googleError(400, 'badRequest', `Invalid Content-Range: ${range}`, 'global');
    }
    const first = Number(data[1]);
    const last = Number(data[2]);
    const claimedTotal = data[3] === '*' ? undefined : Number(data[3]);
    put.first = first;
    if (session.videoId) {
      await drain(req);
      return answer(200, this.videoResource(this.video(session.videoId), session.part));
    }
    if (last < first || (claimedTotal !== undefined && last >= claimedTotal) || (total !== undefined && claimedTotal !== undefined && claimedTotal !== total)) {
      await drain(req);
      throw googleError(400, 'badRequest', `Content-Range ${range} does not fit the upload of ${total ?? '?'} bytes`, 'global');
    }
    if (first !== session.stored) {
      await drain(req);
      throw googleError(400, 'badRequest', `Content-Range starts at ${first} but the server holds ${session.stored} bytes: query the session and resume from there`, 'global');
    }

    try {
      return await this.receive(req, session, put, record, first, last, claimedTotal, answer, incomplete, drop);
    } catch (error) {
      if (error instanceof HttpError) put.status = error.status;
      throw error;
    }
  }

  /** The bytes of a PUT, as they arrive; the video is created when the last byte is in. */
  private async receive(
    req: IncomingMessage, session: UploadSession, put: UploadSession['puts'][number], record: RecordedYoutubeRequest,
    first: number, last: number, claimedTotal: number | undefined,
    answer: (status: number, body: unknown, headers?: Record<string, string>) => void, incomplete: () => void, drop: () => void,
  ): Promise<void> {
    const total = session.declaredBytes;
    const drop0 = this.drops[0];
    let limit: number | undefined;
    if (drop0 && drop0.skip > 0) {
      drop0.skip--;
    } else if (drop0) {
      this.drops.shift();
      limit = drop0.bytes;
    }
    const received: Buffer[] = [];
    let count = 0;
    for await (const piece of req) {
      const chunk = piece as Buffer;
      if (limit !== undefined && count + chunk.length >= limit) {
        received.push(chunk.subarray(0, limit - count));
        count = limit;
        break;
      }
      received.push(chunk);
      count += chunk.length;
    }
    put.bytes = count;
    record.mediaBytes = count;
    const bytes = Buffer.concat(received);
    if (limit !== undefined && count >= limit) {
      // Broken mid-way: what arrived is kept in whole 256 KiB units.
      const keep = Math.floor((session.stored + bytes.length) / GRANULE) * GRANULE - session.stored;
      if (keep > 0) {
        session.chunks.push(bytes.subarray(0, keep));
        session.stored += keep;
      }
      put.dropped = true;
      put.status = 0;
      return drop();
    }
    if (bytes.length !== last - first + 1) throw googleError(400, 'badRequest', `Content-Range says ${last - first + 1} bytes, the body had ${bytes.length}`, 'global');
    const end = claimedTotal ?? total;
    const final = end !== undefined && last + 1 === end;
    if (!final && bytes.length % GRANULE !== 0) throw googleError(400, 'badRequest', `a chunk other than the last must be a multiple of 256 KB (got ${bytes.length} bytes)`, 'global');
    session.chunks.push(bytes);
    session.stored += bytes.length;
    if (!final) return incomplete();

    const account = this.accounts.get(session.accountId)!;
    const fields = this.checkResource(session.resource, account.channel!);
    const video = this.createVideo(session.channelId, { ...fields, via: 'resumable', media: Buffer.concat(session.chunks) });
    session.videoId = video.id;
    session.chunks = [];
    const lose = this.lose.get('PUT /upload/youtube/v3/videos') ?? 0;
    if (lose > 0) {
      this.lose.set('PUT /upload/youtube/v3/videos', lose - 1);
      put.status = 201;
      record.status = 201;
      return drop();
    }
    return answer(201, this.videoResource(video, session.part));
  }

  private createVideo(channelId: string, fields: Omit<YtVideo, 'id' | 'channelId' | 'size' | 'sha256' | 'publishedAt' | 'deleted' | 'likesHidden' | 'commentsDisabled' | 'statistics'> & { media: Buffer }): YtVideo {
    const { media, ...rest } = fields;
    const video: YtVideo = {
      ...rest, id: randomBytes(8).toString('base64url').slice(0, 11), channelId,
      // An unverified project's uploads are restricted to private, whatever they ask.
      privacyStatus: this.projectAudited || fields.via === 'elsewhere' ? fields.privacyStatus : 'private',
      size: media.length, sha256: createHash('sha256').update(media).digest('hex'), publishedAt: new Date(Date.now() + this.videos.length),
      deleted: false, likesHidden: false, commentsDisabled: false, statistics: { viewCount: 0, likeCount: 0, favoriteCount: 0, commentCount: 0 },
    };
    this.videos.push(video);
    return video;
  }
}

function routeOf(method: string, path: string): YoutubeRoute | null {
  const key = `${method} ${path}`;
  const routes: YoutubeRoute[] = [
    'GET /o/oauth2/v2/auth', 'POST /token', 'GET /youtube/v3/channels', 'GET /youtube/v3/playlistItems', 'GET /youtube/v3/videos',
    'POST /upload/youtube/v3/videos', 'PUT /upload/youtube/v3/videos',
  ];
  return routes.find((r) => r === key) ?? null;
}

const newAccessToken = () => `ya29.${randomBytes(90).toString('base64url')}`;

function randomDigits(n: number): string {
  return Array.from(randomBytes(n), (b) => String(b % 10)).join('').replace(/^0/, '1');
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const chunk of req) void chunk;
}

/** The parts of a multipart/related body: headers (lower-cased) and bytes. */
function multipartParts(raw: Buffer, boundary: string): { headers: Record<string, string>; body: Buffer }[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { headers: Record<string, string>; body: Buffer }[] = [];
  let at = raw.indexOf(delimiter);
  while (at >= 0) {
    let start = at + delimiter.length;
    if (raw.subarray(start, start + 2).toString() === '--') break;
    if (raw.subarray(start, start + 2).toString() === '\r\n') start += 2;
    const next = raw.indexOf(delimiter, start);
    if (next < 0) break;
    const part = raw.subarray(start, next);
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) break;
    const headers = Object.fromEntries(part.subarray(0, split).toString('utf8').split('\r\n').filter(Boolean).map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    }));
    let body = part.subarray(split + 4);
    if (body.subarray(-2).toString() === '\r\n') body = body.subarray(0, -2);
    parts.push({ headers, body });
    at = next;
  }
  return parts;
}

export async function startFakeYoutube(options: FakeYoutubeOptions = {}): Promise<FakeYoutube> {
  const fake = new FakeYoutube(options);
  await fake.listen();
  return fake;
}
