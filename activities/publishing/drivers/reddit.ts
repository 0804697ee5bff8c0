/**
 * Reddit through its official Data API (OAuth2 "web app" with a permanent refresh token), with plain fetch:
 * snoowrap is unmaintained and PRAW is Python. Every request names us with the configured User-Agent, which
 * Reddit's API rules require (default user agents are throttled hard).
 *
 * One publication = one submission per subreddit configured on the account (`settings.subreddits`):
 * - `video`: the clip is uploaded the way PRAW does it (POST /api/media/asset.json gives an upload lease, the
 *   file goes to the S3 bucket with the lease's form fields, then /api/submit kind=video with the uploaded URL
 *   and a poster frame). Reddit answers a media submission without the post id (it arrives over a websocket
 *   once the video is processed), so the driver reads the account's own listing until the post shows up.
 * - `link`: a link post to the account's tracking URL.
 * Link and video posts have no body, so the idempotency marker goes at the end of the title: it is what a
 * retry looks for in /user/{name}/submitted.
 *
 * Exactly once: a retry first lists the account's recent submissions and skips every subreddit that already
 * has a post carrying the marker; `findByMarker` answers a post only when every subreddit has one (the
 * worker then stops), otherwise `publish` completes the missing ones. All subreddit rules are checked before
 * anything is posted, so a refusal does not leave a publication half posted.
 */
import { oauthScopes } from '../../../contracts/drivers.js';
import { openAsBlob } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { stripUrls, truncateText } from '../../../core/captions.js';
import type { RedditTarget } from '../../../core/types.js';
import { makeThumbnail } from '../../media/probe.js';
import { PublishError, sessionExpired } from '../errors.js';
import {
  CredentialsRejected, type ApiCredentials, type ApiDriverContext, type ApiPlatformDriver, type ApiPost, type ApiSetupContext,
} from './api-types.js';
import { httpFailure, mediaUploadTimeoutMs, resetInSecondsHeaderMs, retryAfterHeaderMs } from './http.js';
import type { MetricsRead, PostRef, SessionState } from './types.js';

export interface RedditCredentials extends ApiCredentials {
  accessToken: string;
  refreshToken?: string;
  expiresAt?: string;
  /** The account's Reddit name (whose /user/{name}/submitted a retry searches). */
  username: string;
}

/** What the driver needs (asked for by services/connections.ts): who the account is, posting, reading posts, and the account's own submissions. */
export const redditScopes = oauthScopes.reddit;

/** Reddit's limit on a submission title. */
export const REDDIT_TITLE_MAX = 300;
const PUBLIC_ORIGIN = 'https://www.reddit.com';

// ── Titles and subreddit rules (pure) ────────────────────────────────────────────────────────

/** The first line of the caption that says something once links and the marker are taken out. */
function captionFirstLine(caption: string, marker: string): string {
  for (const line of caption.split('\n')) {
    const text = stripUrls(line.split(marker).join('')).trim();
    if (text) return text;
  }
  return '';
}

/**
 * The submission title: the target's template (`{caption}` = the caption's first line, `{tags}` = the tags as
 * hashtags) or the caption's first line, cut to fit, then the marker. Link and video posts have no body, so the
 * title is the only text a retry can find the post by.
 */
export function redditTitle(target: Pick<RedditTarget, 'titleTemplate'>, post: Pick<ApiPost, 'caption' | 'tags' | 'marker'>): string {
  const firstLine = captionFirstLine(post.caption, post.marker);
  const tags = post.tags.map((t) => `#${t.replace(/^#/, '')}`).join(' ');
  const filled = target.titleTemplate
    ? target.titleTemplate.replace(/\{(caption|tags)\}/g, (_, name: string) => (name === 'caption' ? firstLine : tags))
    : firstLine;
  const text = filled.split(post.marker).join('').replace(/\s+/g, ' ').trim();
  const body = truncateText(text, REDDIT_TITLE_MAX - post.marker.length - 1);
  return body ? `${body} ${post.marker}` : post.marker;
}

/** GET /api/v1/{subreddit}/post_requirements, the keys the driver checks (Reddit sends more). */
export interface RedditPostRequirements {
  title_required_strings?: string[] | null;
  title_blacklisted_strings?: string[] | null;
  title_text_min_length?: number | null;
  title_text_max_length?: number | null;
  is_flair_required?: boolean | null;
  domain_blacklist?: string[] | null;
  domain_whitelist?: string[] | null;
}

const hostMatches = (host: string, domain: string) => host === domain.toLowerCase() || host.endsWith(`.${domain.toLowerCase()}`);

/**
 * What a subreddit's moderators require that this submission does not meet, in words an admin reads (empty =
 * fine). Pure, so the approval step can show it before anything is scheduled. Strings are compared without
 * case, which refuses at least what Reddit refuses.
 */
export function postRequirementProblems(requirements: RedditPostRequirements, submission: { title: string; flairId?: string | null; url?: string | null }): string[] {
  const problems: string[] = [];
  const title = submission.title.toLowerCase();
  const length = [...submission.title].length;
  const required = requirements.title_required_strings ?? [];
  if (required.length > 0 && !required.some((s) => title.includes(s.toLowerCase()))) {
    problems.push(`the title must contain one of: ${required.map((s) => `"${s}"`).join(', ')}`);
  }
  for (const banned of requirements.title_blacklisted_strings ?? []) {
    if (banned && title.includes(banned.toLowerCase())) problems.push(`the title may not contain "${banned}"`);
  }
  if (requirements.title_text_min_length && length < requirements.title_text_min_length) {
    problems.push(`the title has ${length} characters; at least ${requirements.title_text_min_length} are required`);
  }
  if (requirements.title_text_max_length && length > requirements.title_text_max_length) {
    problems.push(`the title has ${length} characters; at most ${requirements.title_text_max_length} are allowed`);
  }
  if (requirements.is_flair_required && !submission.flairId) problems.push('post flair is required: set a flair id for this subreddit');
  if (submission.url) {
    let host = '';
    try {
      host = new URL(submission.url).hostname.toLowerCase();
    } catch {
      problems.push(`the link ${submission.url} is not a valid URL`);
    }
    if (host) {
      const blocked = (requirements.domain_blacklist ?? []).find((d) => hostMatches(host, d));
      if (blocked) problems.push(`links to ${blocked} are not allowed`);
      const allowed = requirements.domain_whitelist ?? [];
      if (allowed.length > 0 && !allowed.some((d) => hostMatches(host, d))) problems.push(`links must go to one of: ${allowed.join(', ')}`);
    }
  }
  return problems;
}

/** What /r/{subreddit}/about says against this kind of post. */
function aboutProblems(about: Record<string, any> | undefined, kind: RedditTarget['kind']): string[] {
  if (!about) return [];
  const problems: string[] = [];
  if (about.user_is_banned === true) problems.push('the account is banned there');
  if (about.submission_type === 'self') problems.push('only text posts are allowed');
  else if (kind === 'video' && about.allow_videos === false) problems.push('videos are not allowed');
  return problems;
}

// ── HTTP ──────────────────────────────────────────────────────────────────────────────────────

interface Answer {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** One request with our User-Agent (and a bearer token); a body that cannot be read is a retryable failure. */
async function send(ctx: ApiSetupContext, url: string, init: RequestInit & { token?: string; basic?: string; timeoutMs?: number } = {}): Promise<Answer> {
  const { token, basic, timeoutMs, ...rest } = init;
  const headers = new Headers(rest.headers);
  headers.set('user-agent', ctx.apps.apis.reddit.userAgent);
  if (token) headers.set('authorization', `bearer ${token}`);
  if (basic) headers.set('authorization', `Basic ${basic}`);
  const response = await ctx.fetch(url, { ...rest, headers }, { timeoutMs });
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new PublishError('Retryable', `Reddit ${new URL(url).pathname}: the answer broke off (${(error as Error).message})`);
  }
  let body: any = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** How long Reddit asks us to wait: the rate-limit window's reset (seconds), else Retry-After. */
function waitMs(headers: Headers): number | undefined {
  return resetInSecondsHeaderMs(headers, 'x-ratelimit-reset') ?? retryAfterHeaderMs(headers);
}

function failure(where: string, answer: Answer): PublishError {
  const reason = typeof answer.body?.message === 'string' ? answer.body.message
    : typeof answer.body?.reason === 'string' ? answer.body.reason
      : answer.text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
  return httpFailure('Reddit', where, answer.status, reason, waitMs(answer.headers));
}

interface CallOptions {
  query?: Record<string, string>;
  form?: Record<string, string>;
  /** Return 4xx/5xx answers instead of throwing (401 is still refreshed once). */
  raw?: boolean;
}

/**
 * An API call with the account's token. A 401 refreshes the token once (the context saves it first) and
 * repeats the call: Reddit did nothing with a request it did not authenticate, so repeating is safe.
 */
async function call(ctx: ApiDriverContext<RedditCredentials>, method: 'GET' | 'POST', path: string, where: string, opts: CallOptions = {}): Promise<Answer> {
  const url = `${ctx.apps.apis.reddit.apiRoot}${path}${opts.query ? `?${new URLSearchParams(opts.query)}` : ''}`;
  const request = (token: string) => send(ctx, url, { method, token, ...(opts.form ? { body: new URLSearchParams(opts.form) } : {}) });
  let answer = await request((await ctx.credentials()).accessToken);
  if (answer.status === 401) answer = await request((await ctx.refreshCredentials()).accessToken);
  if (answer.status === 401) throw failure(where, answer);
  if (answer.status >= 400 && !opts.raw) throw failure(where, answer);
  return answer;
}

/** The token endpoint on the auth root, with our client's HTTP Basic credentials. */
async function tokenRequest(ctx: ApiSetupContext, form: Record<string, string>): Promise<Answer> {
  const { authRoot, client } = ctx.apps.apis.reddit;
  if (!client) throw new CredentialsRejected('platform', 'Reddit is not configured: set REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET');
  const basic = Buffer.from(`${client.clientId}:${client.clientSecret ?? ''}`).toString('base64');
  return send(ctx, `${authRoot}/api/v1/access_token`, { method: 'POST', basic, body: new URLSearchParams(form) });
}

const expiresAt = (seconds: unknown) => (typeof seconds === 'number' && seconds > 0 ? new Date(Date.now() + seconds * 1000).toISOString() : undefined);

/** GET /api/v1/me with a given token (before any credentials are stored). */
async function whoIs(ctx: ApiSetupContext, accessToken: string): Promise<Answer> {
  return send(ctx, `${ctx.apps.apis.reddit.apiRoot}/api/v1/me`, { token: accessToken });
}

// ── Reading the account's posts ───────────────────────────────────────────────────────────────

interface Listed {
  name: string;
  subreddit: string;
  permalink: string;
}

const postUrl = (permalink: string) => `${PUBLIC_ORIGIN}${permalink}`;

/**
 * The account's submissions that carry `marker`, by subreddit (lower case). One page of the 100 newest is
 * enough: a retry comes minutes after the attempt it checks. The oldest wins if an earlier bug left two.
 */
async function submittedWithMarker(ctx: ApiDriverContext<RedditCredentials>, marker: string): Promise<Map<string, Listed>> {
  const { username } = await ctx.credentials();
  const answer = await call(ctx, 'GET', `/user/${encodeURIComponent(username)}/submitted`, 'listing the account\'s posts', {
    query: { sort: 'new', limit: '100', raw_json: '1' },
  });
  const children: any[] = Array.isArray(answer.body?.data?.children) ? answer.body.data.children : [];
  if (!Array.isArray(answer.body?.data?.children)) throw new PublishError('Retryable', 'Reddit /user/…/submitted: the answer is not a listing');
  const found = new Map<string, Listed>();
  for (const child of children) {
    const data = child?.data;
    if (typeof data?.title !== 'string' || !data.title.includes(marker) || typeof data.name !== 'string') continue;
    found.set(String(data.subreddit).toLowerCase(), { name: data.name, subreddit: String(data.subreddit), permalink: String(data.permalink) });
  }
  return found;
}

function targetsOf(ctx: ApiSetupContext): RedditTarget[] {
  const seen = new Set<string>();
  return (ctx.account.settings.subreddits ?? [])
    .map((t) => ({ ...t, subreddit: t.subreddit.replace(/^\/?r\//i, '').trim() }))
    .filter((t) => t.subreddit && !seen.has(t.subreddit.toLowerCase()) && seen.add(t.subreddit.toLowerCase()));
}

/** The publication's record: the first subreddit's post, and every post's fullname (read back by readMetrics). */
function postRefOf(targets: RedditTarget[], posted: Map<string, Listed>): PostRef {
  const listed = targets.map((t) => posted.get(t.subreddit.toLowerCase())!);
  return { url: postUrl(listed[0]!.permalink), externalId: listed.map((l) => l.name).join(',') };
}

// ── Publishing ────────────────────────────────────────────────────────────────────────────────

const mimeTypes: Record<string, string> = { '.mp4': 'video/mp4', '.mov': 'video/quicktime', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png' };

/**
 * Uploads a file through an upload lease (PRAW's `_upload_media`): the lease's `action` is a scheme-less bucket
 * URL and its fields must go before the file. Returns the URL /api/submit takes (action + "/" + key).
 */
async function uploadMedia(ctx: ApiDriverContext<RedditCredentials>, path: string): Promise<string> {
  const mimetype = mimeTypes[extname(path).toLowerCase()] ?? 'video/mp4';
  const lease = await call(ctx, 'POST', '/api/media/asset.json', 'upload lease', { form: { filepath: basename(path), mimetype } });
  const args = lease.body?.args;
  const fields: { name: string; value: string }[] = Array.isArray(args?.fields) ? args.fields : [];
  const key = fields.find((f) => f.name === 'key')?.value;
  if (typeof args?.action !== 'string' || !key) throw new PublishError('Retryable', 'Reddit /api/media/asset.json: the answer has no upload lease');
  // "//bucket-host": the scheme of the API root (https in production).
  const action = new URL(args.action, ctx.apps.apis.reddit.apiRoot).toString().replace(/\/$/, '');
  const form = new FormData();
  for (const field of fields) form.append(field.name, field.value);
  form.append('file', await openAsBlob(path, { type: mimetype }), basename(path));
  const upload = await send(ctx, action, { method: 'POST', body: form, timeoutMs: mediaUploadTimeoutMs });
  if (upload.status >= 300) {
    const code = /<Code>([^<]+)<\/Code>/.exec(upload.text)?.[1] ?? `HTTP ${upload.status}`;
    const message = /<Message>([^<]+)<\/Message>/.exec(upload.text)?.[1] ?? '';
    if (code === 'EntityTooLarge') throw new PublishError('InvalidMedia', `Reddit's upload bucket refused the file as too large: ${message}`);
    throw new PublishError(upload.status >= 500 ? 'Retryable' : 'RejectedByPlatform', `Reddit's upload bucket refused ${basename(path)}: ${code} ${message}`.trim());
  }
  return `${action}/${key}`;
}

/** A poster frame for the video (Reddit's video posts need one; PRAW uploads a logo when given none). */
async function uploadPoster(ctx: ApiDriverContext<RedditCredentials>, post: ApiPost): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'reddit-poster-'));
  try {
    const poster = join(dir, 'poster.jpg');
    await makeThumbnail(post.videoPath, poster, post.media.durationSeconds || 1);
    return await uploadMedia(ctx, poster);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** "try again in 9 minutes" / "Take a break for 30 seconds" → milliseconds. */
export function redditRatelimitWaitMs(message: string): number | undefined {
  const match = /(\d+)\s*(millisecond|second|minute|hour)s?/i.exec(message);
  if (!match) return undefined;
  const unit = { millisecond: 1, second: 1000, minute: 60_000, hour: 3_600_000 }[match[2]!.toLowerCase() as 'second'];
  return Number(match[1]) * unit;
}

interface Plan {
  target: RedditTarget;
  title: string;
}

/** Waits for a just-submitted video to show in the account's listing (Reddit creates it once processed). */
async function waitForVideoPost(ctx: ApiDriverContext<RedditCredentials>, plan: Plan, marker: string): Promise<Listed> {
  const deadline = Date.now() + 4 * ctx.timeoutMs;
  const interval = Math.min(5000, Math.max(200, ctx.timeoutMs / 6));
  for (;;) {
    const found = (await submittedWithMarker(ctx, marker)).get(plan.target.subreddit.toLowerCase());
    if (found) return found;
    if (Date.now() + interval > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  // Reddit accepted it; posting again could make a second post once the first finishes processing.
  throw new PublishError('Unconfirmed', `Reddit accepted the video for r/${plan.target.subreddit} but it had not appeared on u/${(await ctx.credentials()).username} after ${Math.round((4 * ctx.timeoutMs) / 1000)} s (still processing, or processing failed): check the profile, then retry or cancel`);
}

async function submitOne(ctx: ApiDriverContext<RedditCredentials>, plan: Plan, post: ApiPost): Promise<Listed> {
  const { target, title } = plan;
  const form: Record<string, string> = {
    api_type: 'json', sr: target.subreddit, kind: target.kind, title, nsfw: String(post.sensitive), spoiler: 'false',
    sendreplies: 'true', resubmit: 'true', validate_on_submit: 'true',
  };
  // Reddit takes flair_text only with a flair template (flair_id).
  if (target.flairId) {
    form.flair_id = target.flairId;
    if (target.flairText) form.flair_text = target.flairText;
  }
  if (target.kind === 'link') {
    form.url = post.trackingUrl!;
  } else {
    await ctx.step('uploading');
    form.url = await uploadMedia(ctx, post.videoPath);
    form.video_poster_url = await uploadPoster(ctx, post);
  }

  await ctx.step('submitting');
  let answer: Answer;
  try {
    answer = await call(ctx, 'POST', '/api/submit', `submitting to r/${target.subreddit}`, { form, raw: true });
  } catch (error) {
    // A refresh that failed after a 401: Reddit did not take the submission.
    if (error instanceof PublishError && error.type === 'SessionExpired') await ctx.step('prepared');
    throw error;
  }
  if (answer.status >= 400) {
    // A definite refusal (4xx, 429) posted nothing; a 5xx may have, so it stays `submitting` for the marker search.
    if (answer.status < 500) await ctx.step('prepared');
    throw failure(`submitting to r/${target.subreddit}`, answer);
  }
  const errors: unknown[][] = Array.isArray(answer.body?.json?.errors) ? answer.body.json.errors : [];
  if (errors.length > 0) {
    await ctx.step('prepared');
    const [code, message, field] = errors[0]!.map((part) => (part === null || part === undefined ? '' : String(part)));
    if (code === 'RATELIMIT') {
      const wait = redditRatelimitWaitMs(message ?? '');
      throw new PublishError('Retryable', `Reddit is throttling u/${(await ctx.credentials()).username} in r/${target.subreddit}: ${message}`, undefined, wait);
    }
    const all = errors.map((e) => `${String(e[0])}: ${String(e[1])}${e[2] ? ` (${String(e[2])})` : ''}`).join('; ');
    throw new PublishError('RejectedByPlatform', `r/${target.subreddit} refused the post: ${all || `${code}: ${message} (${field})`}`);
  }
  const data = answer.body?.json?.data;
  if (target.kind === 'link') {
    if (typeof data?.name === 'string' && typeof data?.url === 'string') {
      return { name: data.name, subreddit: target.subreddit, permalink: new URL(data.url).pathname };
    }
    // An answer we cannot read: the post may exist, the listing says.
    const found = (await submittedWithMarker(ctx, post.marker)).get(target.subreddit.toLowerCase());
    if (found) return found;
    throw new PublishError('Unconfirmed', `Reddit answered the submission to r/${target.subreddit} without the post, and it is not on the account's listing`);
  }
  return waitForVideoPost(ctx, plan, post.marker);
}

// ── The driver ────────────────────────────────────────────────────────────────────────────────

function rejectedCredentials(field: string, answer: Answer): CredentialsRejected {
  return new CredentialsRejected(field, `Reddit did not accept the ${field} (HTTP ${answer.status}${answer.body?.message ? ` ${answer.body.message}` : ''})`);
}

export const redditDriver: ApiPlatformDriver<RedditCredentials> = {
  kind: 'api',
  /**
   * Per app: the Data API's free tier allows 100 queries per minute per OAuth client id (averaged over 10
   * minutes), shared by every account. Per account: Reddit documents no per-user API quota (its anti-spam
   * RATELIMIT on submissions, which depends on karma, is obeyed through the answer); 30 a minute keeps one busy
   * account to under a third of the app's budget, so others keep publishing.
   */
  rateLimits: { perAccount: { points: 30, durationSeconds: 60 }, perApp: { points: 100, durationSeconds: 60 } },

  async acceptCredentials(ctx, body) {
    const accessToken = typeof body.accessToken === 'string' ? body.accessToken.trim() : '';
    if (!accessToken) throw new CredentialsRejected('accessToken', 'accessToken is required (a Reddit OAuth access token)');
    if (body.refreshToken !== undefined && (typeof body.refreshToken !== 'string' || !body.refreshToken.trim())) {
      throw new CredentialsRejected('refreshToken', 'refreshToken must be a non-empty string when given');
    }
    if (body.expiresAt !== undefined && (typeof body.expiresAt !== 'string' || Number.isNaN(Date.parse(body.expiresAt)))) {
      throw new CredentialsRejected('expiresAt', 'expiresAt must be an ISO date-time when given');
    }
    let credentials: Omit<RedditCredentials, 'username'> = {
      accessToken,
      ...(typeof body.refreshToken === 'string' ? { refreshToken: body.refreshToken.trim() } : {}),
      ...(typeof body.expiresAt === 'string' ? { expiresAt: new Date(body.expiresAt).toISOString() } : {}),
    };
    let me = await whoIs(ctx, accessToken);
    // An expired access token with a working refresh token is still a good connection.
    if (me.status === 401 && credentials.refreshToken && ctx.apps.apis.reddit.client) {
      credentials = await redditDriver.refresh!(ctx, { ...credentials, username: '' }).catch((error: unknown) => {
        if (error instanceof PublishError && error.type === 'SessionExpired') throw new CredentialsRejected('refreshToken', 'Reddit refused the refresh token (invalid_grant: revoked or not ours)');
        throw error;
      });
      me = await whoIs(ctx, credentials.accessToken);
    }
    if (me.status === 401) throw rejectedCredentials('accessToken', me);
    if (me.status === 403) throw new CredentialsRejected('accessToken', `the token lacks the "identity" scope; it needs: ${redditScopes.join(', ')}`);
    if (me.status >= 400) throw failure('/api/v1/me', me);
    if (typeof me.body?.name !== 'string') throw new PublishError('Retryable', 'Reddit /api/v1/me: the answer has no account name');
    return { credentials: { ...credentials, username: me.body.name }, username: me.body.name };
  },

  async exchangeCode(ctx, exchange) {
    // Reddit's token endpoint takes no PKCE verifier; the service already checked the signed state.
    const answer = await tokenRequest(ctx, { grant_type: 'authorization_code', code: exchange.code, redirect_uri: exchange.redirectUri });
    if (answer.status === 401) throw new CredentialsRejected('platform', 'Reddit refused our OAuth client (HTTP 401): check REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET');
    if (typeof answer.body?.error === 'string') {
      throw new CredentialsRejected('code', `Reddit refused the authorization code (${answer.body.error}): it expired, was used already, or the redirect URI differs`);
    }
    if (answer.status >= 400) throw failure('/api/v1/access_token', answer);
    if (typeof answer.body?.access_token !== 'string') throw new PublishError('Retryable', 'Reddit /api/v1/access_token: the answer has no access token');
    if (typeof answer.body.refresh_token !== 'string') ctx.log.warn('Reddit gave no refresh token (authorize with duration=permanent): the account must reconnect when the hour is up');
    const me = await whoIs(ctx, answer.body.access_token);
    if (me.status >= 400 || typeof me.body?.name !== 'string') throw me.status === 403 ? new CredentialsRejected('code', 'the grant lacks the "identity" scope') : failure('/api/v1/me', me);
    const credentials: RedditCredentials = {
      accessToken: answer.body.access_token,
      ...(typeof answer.body.refresh_token === 'string' ? { refreshToken: answer.body.refresh_token } : {}),
      ...(expiresAt(answer.body.expires_in) ? { expiresAt: expiresAt(answer.body.expires_in)! } : {}),
      username: me.body.name,
    };
    return { credentials, username: me.body.name };
  },

  async refresh(ctx, credentials) {
    if (!credentials.refreshToken) throw sessionExpired(`the Reddit token of u/${credentials.username} expired and there is no refresh token: reconnect the account`);
    const answer = await tokenRequest(ctx, { grant_type: 'refresh_token', refresh_token: credentials.refreshToken });
    // Our client, not the account, is what Reddit refused: reconnecting the account would not help.
    if (answer.status === 401) throw new PublishError('RejectedByPlatform', 'Reddit refused our OAuth client while refreshing (HTTP 401): check REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET');
    // Reddit answers token errors as {"error": …}, often with HTTP 200.
    if (typeof answer.body?.error === 'string') {
      throw sessionExpired(`Reddit refused the refresh token of u/${credentials.username} (${answer.body.error}: revoked, or the app was removed): reconnect the account`);
    }
    if (answer.status >= 400) throw failure('/api/v1/access_token', answer);
    if (typeof answer.body?.access_token !== 'string') throw new PublishError('Retryable', 'Reddit /api/v1/access_token: the answer has no access token');
    const next: RedditCredentials = {
      ...credentials,
      accessToken: answer.body.access_token,
      // Reddit's refresh tokens do not rotate; keep ours when the answer leaves it out.
      refreshToken: typeof answer.body.refresh_token === 'string' ? answer.body.refresh_token : credentials.refreshToken,
    };
    const at = expiresAt(answer.body.expires_in);
    if (at) next.expiresAt = at;
    else delete next.expiresAt;
    return next;
  },

  async checkSession(ctx): Promise<SessionState> {
    try {
      const me = await call(ctx, 'GET', '/api/v1/me', '/api/v1/me');
      if (typeof me.body?.name !== 'string') return 'unknown';
      if (me.body.is_suspended === true) ctx.log.warn({ username: me.body.name }, 'the Reddit account is suspended');
      return 'logged_in';
    } catch (error) {
      if (error instanceof PublishError && error.type === 'SessionExpired') return 'logged_out';
      ctx.log.warn({ err: error }, 'could not check the Reddit session');
      return 'unknown';
    }
  },

  async publish(ctx, post) {
    const targets = targetsOf(ctx);
    if (targets.length === 0) {
      throw new PublishError('RejectedByPlatform', `no subreddits are configured for u/${ctx.account.username}: configure the account's subreddits (publish settings) first`);
    }
    if (targets.some((t) => t.kind === 'link') && !post.trackingUrl) {
      throw new PublishError('RejectedByPlatform', 'a Reddit link post needs a tracking URL, and this account has none');
    }
    const posted = await submittedWithMarker(ctx, post.marker);
    const pending: Plan[] = targets.filter((t) => !posted.has(t.subreddit.toLowerCase())).map((target) => ({ target, title: redditTitle(target, post) }));

    // Every subreddit's rules first: a refusal in the last one must not leave the first ones posted.
    const problems: string[] = [];
    for (const plan of pending) {
      const sub = encodeURIComponent(plan.target.subreddit);
      const about = await call(ctx, 'GET', `/r/${sub}/about`, `r/${plan.target.subreddit}/about`, { raw: true });
      if (about.status === 404 || about.status === 403) {
        problems.push(`r/${plan.target.subreddit}: ${about.status === 404 ? 'does not exist' : 'is private or banned'}`);
        continue;
      }
      if (about.status >= 400) throw failure(`r/${plan.target.subreddit}/about`, about);
      const requirements = await call(ctx, 'GET', `/api/v1/${sub}/post_requirements`, `r/${plan.target.subreddit} post requirements`);
      const found = [
        ...aboutProblems(about.body?.data, plan.target.kind),
        ...postRequirementProblems(requirements.body ?? {}, { title: plan.title, flairId: plan.target.flairId, url: plan.target.kind === 'link' ? post.trackingUrl : null }),
      ];
      if (found.length > 0) problems.push(`r/${plan.target.subreddit}: ${found.join('; ')}`);
    }
    if (problems.length > 0) throw new PublishError('RejectedByPlatform', `the post does not meet the subreddit rules, nothing was posted: ${problems.join(' | ')}`);

    for (const plan of pending) {
      posted.set(plan.target.subreddit.toLowerCase(), await submitOne(ctx, plan, post));
    }
    return postRefOf(targets, posted);
  },

  async findByMarker(ctx, post) {
    const targets = targetsOf(ctx);
    if (targets.length === 0) return null;
    const posted = await submittedWithMarker(ctx, post.marker);
    const missing = targets.filter((t) => !posted.has(t.subreddit.toLowerCase()));
    if (missing.length > 0) {
      // Some subreddits still lack the post: publish() completes them (it skips the ones found here).
      if (posted.size > 0) ctx.log.info({ missing: missing.map((t) => t.subreddit) }, 'an earlier attempt posted to some subreddits only');
      return null;
    }
    return postRefOf(targets, posted);
  },

  async readMetrics(ctx, ref): Promise<MetricsRead> {
    const names = ref.externalId.split(',').map((s) => s.trim()).filter(Boolean);
    const answer = await call(ctx, 'GET', '/api/info', '/api/info', { query: { id: names.join(','), raw_json: '1' } });
    const children: any[] = Array.isArray(answer.body?.data?.children) ? answer.body.data.children : [];
    const byName = new Map(children.map((c) => [String(c?.data?.name), c?.data]));
    // Removed by a moderator or by Reddit, or deleted by the account: gone from where people see it.
    const live = names.map((n) => byName.get(n)).filter((d) => d && !d.removed_by_category && d.author !== '[deleted]');
    if (live.length === 0) throw new PublishError('PostUnavailable', `every Reddit post of this publication is removed or deleted (${names.join(', ')})`);
    const sum = (key: string, hidden?: (d: any) => boolean) =>
      live.some((d) => typeof d[key] !== 'number' || hidden?.(d)) ? null : live.reduce((total, d) => total + (d[key] as number), 0);
    // Reddit has no view count for posts; `score` (up minus down votes) is the closest to likes, hidden on young posts in some subreddits.
    return { likes: sum('score', (d) => d.hide_score === true), comments: sum('num_comments') };
  },
};
