/**
 * Bluesky (AT Protocol): the account's PDS for sessions and the post record, Bluesky's video service for the clip.
 *
 * Connecting: the admin gives the handle (or DID/email) and an **app password** (Settings → Privacy and security →
 * App passwords, `xxxx-xxxx-xxxx-xxxx`); `com.atproto.server.createSession` runs at once and only the session's
 * JWTs are stored, never the password. A session made with the account's main password is refused (its tokens
 * carry full rights: `com.atproto.access` instead of `com.atproto.appPass`) and deleted again.
 *
 * Publishing (docs.bsky.app/docs/tutorials/video, "Recommended method"): getUploadLimits (a service token for the
 * video service), a service token for the PDS's `com.atproto.repo.uploadBlob` (30 min), the raw mp4 to
 * `app.bsky.video.uploadVideo?did=&name=`, getJobStatus with backoff until it names the blob, then
 * `com.atproto.repo.createRecord` of an `app.bsky.feed.post`: the caption (300 graphemes at most, the marker and
 * the tracking link kept), link and hashtag facets with UTF-8 byte offsets, the video embed with its aspect ratio,
 * `langs` when the caption's language is clear, and the `porn` self-label for sensitive content.
 *
 * How a retry finds an earlier post: the post's record key is a TID computed from the publication id (see
 * `recordKeyFor`), so every attempt writes to the same `at://<did>/app.bsky.feed.post/<rkey>`. `findByMarker` (and
 * `publish`, before uploading anything) reads that record; a second createRecord at the same key cannot make a
 * second post — the PDS refuses it (a bare 500 on the reference PDS) and the driver then finds the first one.
 *
 * Plain XRPC over `ctx.fetch` rather than @atproto/api's AtpAgent: the agent takes a custom fetch, but its session
 * refreshes itself in memory on ExpiredToken, while here the worker refreshes under the account's row lock and
 * saves the rotated refresh JWT before use (`ctx.refreshCredentials`); and the video service answers outside its
 * lexicon (uploadVideo returns the job status unwrapped, atproto#3026), which the docs' own tutorial reads with
 * plain fetch.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PublishError } from '../errors.js';
import {
  CredentialsRejected, type ApiCredentials, type ApiDriverContext, type ApiPlatformDriver, type ApiPost, type ApiSetupContext,
} from './api-types.js';
import { httpFailure, mediaUploadTimeoutMs, resetAtEpochHeaderMs, retryAfterHeaderMs } from './http.js';
import type { MetricsRead, PostRef, SessionState } from './types.js';

export interface BlueskyCredentials extends ApiCredentials {
  /** The session's access JWT. */
  accessToken: string;
  /** The session's refresh JWT (rotated by every refreshSession). */
  refreshToken: string;
  did: string;
  handle: string;
  /** The account's PDS as its DID document names it (Bluesky-hosted accounts: a *.host.bsky.network server). */
  pdsUrl?: string;
}

const POST = 'app.bsky.feed.post';
/** app.bsky.feed.post `text`: maxGraphemes 300, maxLength 3000 (UTF-8 bytes). */
const MAX_GRAPHEMES = 300;
const MAX_TEXT_BYTES = 3000;
/** app.bsky.embed.video `video`: maxSize 100,000,000 bytes. */
const MAX_VIDEO_BYTES = 100_000_000;
/** How long the video service may take to process a clip before this attempt gives up (a retry gets `already_exists`). */
const PROCESSING_LIMIT_MS = 10 * 60_000;
const FIRST_POLL_MS = 250;
const MAX_POLL_MS = 5000;

// ── Small helpers ──────────────────────────────────────────────────────────────────────────

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

function xrpcUrl(base: string, nsid: string, params: Record<string, string | string[] | undefined> = {}): string {
  const url = new URL(`${base.replace(/\/+$/, '')}/xrpc/${nsid}`);
  for (const [key, value] of Object.entries(params)) {
    for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) url.searchParams.append(key, item);
  }
  return url.toString();
}

/** One XRPC exchange; the body is read whatever the status (XRPC errors are `{ error, message }`). */
async function send(ctx: ApiSetupContext, url: string, init: RequestInit = {}, opts: { timeoutMs?: number } = {}): Promise<Answer> {
  const res = await ctx.fetch(url, init, opts);
  let text: string;
  try {
    text = await res.text();
  } catch (error) {
    throw new PublishError('Retryable', `${new URL(url).host}: the answer broke off (${(error as Error).message})`);
  }
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = { message: text.slice(0, 200) };
  }
  return { status: res.status, headers: res.headers, body };
}

const jsonPost = (body: unknown, token?: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: JSON.stringify(body),
});
const bearer = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });

const errorName = (answer: Answer): string | undefined => (typeof answer.body?.error === 'string' ? answer.body.error : undefined);

function reasonOf(answer: Answer): string {
  const message = typeof answer.body?.message === 'string' ? answer.body.message : undefined;
  return [errorName(answer), message].filter(Boolean).join(': ') || `HTTP ${answer.status}`;
}

/**
 * A failed answer as a typed error. 429: come back when `RateLimit-Reset` (a Unix time in seconds, per the rate
 * limits page) says; the PDS answers an expired or bad token with a 400 ExpiredToken/InvalidToken; a taken-down or
 * deactivated account cannot be fixed by reconnecting; other 4xx are the API's refusal, 5xx retryable.
 */
function failure(where: string, answer: Answer): PublishError {
  const error = errorName(answer);
  const reason = reasonOf(answer);
  if (error === 'ExpiredToken' || error === 'InvalidToken') {
    return new PublishError('SessionExpired', `Bluesky ${where}: ${reason}; connect the account again with a new app password`);
  }
  if (error === 'AccountTakedown' || error === 'AccountDeactivated' || error === 'AccountSuspended') {
    return new PublishError('ActionBlocked', `Bluesky ${where}: ${reason}`);
  }
  const retryAfterMs = answer.status === 429 ? resetAtEpochHeaderMs(answer.headers, 'ratelimit-reset') ?? retryAfterHeaderMs(answer.headers) : undefined;
  return httpFailure('Bluesky', where, answer.status, reason, retryAfterMs);
}

/** The access token was refused as a token (expired, revoked, unknown) rather than for what it asked. */
function tokenRefused(answer: Answer): boolean {
  const error = errorName(answer);
  if (answer.status === 400) return error === 'ExpiredToken' || error === 'InvalidToken';
  return answer.status === 401 && error !== 'AccountTakedown' && error !== 'AccountDeactivated' && error !== 'AccountSuspended';
}

/** A JWT's payload, unverified (only to read `exp` and `scope` of tokens the PDS just handed us). */
function jwtPayload(token: string): Record<string, unknown> | null {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof payload === 'object' && payload !== null ? payload : null;
  } catch {
    return null;
  }
}

function expiresAtOf(token: string): string | undefined {
  const exp = jwtPayload(token)?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? new Date(exp * 1000).toISOString() : undefined;
}

/** The `#atproto_pds` service endpoint of a DID document. */
function pdsOf(didDoc: unknown, did: string): string | undefined {
  const services = (didDoc as { service?: unknown } | undefined)?.service;
  if (!Array.isArray(services)) return undefined;
  const pds = services.find((s) => s && (s.id === '#atproto_pds' || s.id === `${did}#atproto_pds`) && s.type === 'AtprotoPersonalDataServer');
  const endpoint = pds?.serviceEndpoint;
  return typeof endpoint === 'string' && /^https?:\/\//.test(endpoint) ? endpoint.replace(/\/+$/, '') : undefined;
}

function credentialsOf(session: any, previous?: BlueskyCredentials): BlueskyCredentials {
  const fields = ['accessJwt', 'refreshJwt', 'did', 'handle'] as const;
  if (!session || fields.some((f) => typeof session[f] !== 'string')) {
    throw new PublishError('Retryable', 'Bluesky answered a session without accessJwt, refreshJwt, did and handle');
  }
  const expiresAt = expiresAtOf(session.accessJwt);
  const pdsUrl = pdsOf(session.didDoc, session.did) ?? previous?.pdsUrl;
  return {
    accessToken: session.accessJwt, refreshToken: session.refreshJwt, did: session.did, handle: session.handle,
    ...(expiresAt ? { expiresAt } : {}), ...(pdsUrl ? { pdsUrl } : {}),
  };
}

/** Where the account's repo lives: its PDS, else the configured service (an entryway proxies to the PDS). */
const pdsUrlOf = (ctx: ApiSetupContext, creds: BlueskyCredentials) => creds.pdsUrl ?? ctx.apps.apis.bluesky.service;
/** did:web of a service URL (the port's colon percent-encoded), as the tutorial's `did:web:${dispatchUrl.host}`. */
const didWebOf = (url: string) => `did:web:${encodeURIComponent(new URL(url).host)}`;

/**
 * An authenticated call; when the PDS refuses the access token as expired or invalid, the worker refreshes it
 * (under the account's row lock, saved first) and the call runs once more.
 */
async function authed(ctx: ApiDriverContext<BlueskyCredentials>, call: (creds: BlueskyCredentials) => Promise<Answer>): Promise<{ answer: Answer; creds: BlueskyCredentials }> {
  let creds = await ctx.credentials();
  let answer = await call(creds);
  if (tokenRefused(answer)) {
    creds = await ctx.refreshCredentials();
    answer = await call(creds);
  }
  return { answer, creds };
}

// ── Record key ─────────────────────────────────────────────────────────────────────────────

const TID_CHARS = '234567abcdefghijklmnopqrstuvwxyz';
/** 2023-01-01T00:00:00Z in microseconds: the earliest timestamp a derived key names. */
const TID_BASE_MICROS = 1_672_531_200_000_000n;

/**
 * The post's record key, a valid TID (atproto.com/specs/tid: top bit 0, 53 bits of microseconds, 10 bits of
 * clock id, 13 chars of base32-sortable) computed from the publication id alone, so every attempt of one
 * publication writes the same key. The timestamp is 2023-01-01 plus 44 bits of a SHA-256 of the id (at most
 * ~203 days later: never in the future), the clock id 10 more bits: 54 bits keep two publications of one account
 * apart, and clock-made keys of the account's own posts (current times) never meet them.
 */
export function recordKeyFor(publicationId: string): string {
  const hash = createHash('sha256').update(`100-trafico/bluesky/${publicationId}`).digest();
  const micros = TID_BASE_MICROS + (hash.readBigUInt64BE(0) >> 20n);
  let n = (micros << 10n) | BigInt(hash.readUInt16BE(8) & 0x3ff);
  let key = '';
  for (let i = 0; i < 13; i++) {
    key = TID_CHARS[Number(n & 31n)] + key;
    n >>= 5n;
  }
  return key;
}

function parseAtUri(uri: string): { did: string; collection: string; rkey: string } | null {
  const match = /^at:\/\/(did:[^/]+)\/([^/]+)\/([^/]+)$/.exec(uri);
  return match ? { did: match[1]!, collection: match[2]!, rkey: match[3]! } : null;
}

function postRef(creds: BlueskyCredentials, uri: string): PostRef {
  const rkey = parseAtUri(uri)?.rkey ?? uri.split('/').pop()!;
  // A handle that no longer verifies comes back as handle.invalid: the DID always resolves.
  const profile = creds.handle && creds.handle !== 'handle.invalid' ? creds.handle : creds.did;
  return { url: `https://bsky.app/profile/${profile}/post/${rkey}`, externalId: uri };
}

// ── The post's text ────────────────────────────────────────────────────────────────────────

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const graphemesOf = (text: string) => Array.from(segmenter.segment(text), (s) => s.segment);
const fits = (text: string) => graphemesOf(text).length <= MAX_GRAPHEMES && Buffer.byteLength(text) <= MAX_TEXT_BYTES;
const isTagLine = (line: string) => line.trim() !== '' && line.trim().split(/\s+/).every((word) => /^#\S+$/.test(word));

/**
 * The caption within Bluesky's 300 graphemes (and 3000 bytes). The scheduled caption is normally already short
 * enough; when it is not, the body gives way first (cut with '…'), then hashtags from the end; the lines holding
 * the tracking link or the marker are never touched.
 */
export function fitPostText(caption: string, keep: { marker: string; trackingUrl: string | null }): string {
  const text = caption.trim();
  if (fits(text)) return text;
  const lines = text.split('\n');
  const protectedLine = (line: string) => (keep.marker !== '' && line.includes(keep.marker)) || (!!keep.trackingUrl && line.includes(keep.trackingUrl));
  for (;;) {
    const joined = lines.join('\n');
    if (fits(joined)) break;
    const over = Math.max(graphemesOf(joined).length - MAX_GRAPHEMES, 1);
    const bodyIndex = lines.findLastIndex((line) => line.trim() !== '' && !protectedLine(line) && !isTagLine(line));
    if (bodyIndex !== -1) {
      const parts = graphemesOf(lines[bodyIndex]!);
      lines[bodyIndex] = parts.length > over + 1 ? `${parts.slice(0, parts.length - over - 1).join('').trimEnd()}…` : '';
      continue;
    }
    const tagIndex = lines.findLastIndex((line) => isTagLine(line) && !protectedLine(line));
    if (tagIndex === -1) break;
    lines[tagIndex] = lines[tagIndex]!.trim().split(/\s+/).slice(0, -1).join(' ');
  }
  const result = lines.join('\n').replace(/\n{3,}/g, '\n\n').trim();
  if (!fits(result)) throw new PublishError('RejectedByPlatform', 'the tracking link and the marker alone exceed Bluesky\'s 300-character limit');
  return result;
}

type Facet = { index: { byteStart: number; byteEnd: number }; features: Record<string, unknown>[] };

/**
 * Link and hashtag facets (app.bsky.richtext.facet) with UTF-8 byte offsets, as the lexicon requires: Bluesky shows
 * nothing as a link or tag without them. The tracking link is faceted even when written without a scheme.
 */
export function facetsFor(text: string, trackingUrl: string | null): Facet[] {
  const bytesBefore = (index: number) => Buffer.byteLength(text.slice(0, index));
  const facets: Facet[] = [];
  const taken: [number, number][] = [];
  const add = (start: number, end: number, feature: Record<string, unknown>) => {
    if (taken.some(([s, e]) => start < e && end > s)) return;
    taken.push([start, end]);
    facets.push({ index: { byteStart: bytesBefore(start), byteEnd: bytesBefore(end) }, features: [feature] });
  };
  const link = trackingUrl?.trim();
  if (link) {
    const uri = /^https?:\/\//i.test(link) ? link : `https://${link}`;
    for (let at = text.indexOf(link); at !== -1; at = text.indexOf(link, at + link.length)) {
      add(at, at + link.length, { $type: 'app.bsky.richtext.facet#link', uri });
    }
  }
  for (const match of text.matchAll(/(^|[\s(])(https?:\/\/[^\s]+)/gu)) {
    const url = match[2]!.replace(/[.,;:!?)'"\]]+$/u, '');
    const start = match.index! + match[1]!.length;
    add(start, start + url.length, { $type: 'app.bsky.richtext.facet#link', uri: url });
  }
  for (const match of text.matchAll(/(^|\s)[#＃]([^\s#＃]+)/gu)) {
    const tag = match[2]!.replace(/\p{P}+$/u, '');
    // A tag needs a letter (#2024 is not one) and at most 64 graphemes (the facet's `tag`).
    if (!tag || !/[^\d]/u.test(tag) || graphemesOf(tag).length > 64) continue;
    const start = match.index! + match[1]!.length;
    add(start, start + 1 + tag.length, { $type: 'app.bsky.richtext.facet#tag', tag });
  }
  return facets.sort((a, b) => a.index.byteStart - b.index.byteStart);
}

const spanishWords = new Set(['el', 'la', 'los', 'las', 'en', 'con', 'para', 'que', 'y', 'de', 'del', 'mi', 'tu', 'vivo', 'ahora', 'hola', 'noche', 'hoy', 'ven', 'aquí', 'está', 'estoy', 'te', 'me', 'una', 'un', 'por', 'más', 'muy', 'amor']);
const englishWords = new Set(['the', 'and', 'live', 'now', 'with', 'you', 'your', 'my', 'tonight', 'come', 'join', 'is', 'are', 'to', 'for', 'me', 'on', 'in', 'of', 'it', 'this', 'love', 'here', 'today']);

/**
 * `langs` for the post: ApiPost does not carry the model's language, so the caption's words decide (Spanish and
 * English are the two the studio writes in); unclear → no `langs` rather than a wrong one.
 */
export function languageOf(caption: string, declared?: string): string[] | undefined {
  if (declared) return [declared];
  const words = caption
    .replace(/https?:\/\/\S+|#\S+|ref:[0-9a-f]+/giu, ' ')
    .toLowerCase()
    .split(/[^\p{L}]+/u)
    .filter(Boolean);
  let es = /[ñ¿¡]/u.test(caption) ? 2 : 0;
  let en = 0;
  for (const word of words) {
    if (spanishWords.has(word)) es++;
    if (englishWords.has(word)) en++;
  }
  if (es >= 2 && es > en) return ['es'];
  if (en >= 2 && en > es) return ['en'];
  return undefined;
}

/**
 * The self-label for adult content. Bluesky's global self-labels (docs.bsky.app/docs/advanced-guides/moderation):
 * `porn` "can only be clicked through if the user is 18+ and has enabled adult content", `sexual` "behaves like
 * porn but is meant to handle less intense sexual content", `nudity` is non-sexual. Our `sensitive` flag is one bit
 * for a webcam studio's adult content and the driver cannot see how explicit a clip is, so it takes the label that
 * covers the most explicit case: under-labelling breaks the community guidelines (moderators relabel, the account
 * is at risk), over-labelling only hides the clip from people who did not opt in to adult content.
 */
export const SENSITIVE_SELF_LABEL = 'porn';

export function postRecord(post: ApiPost, blob: unknown, createdAt: Date): Record<string, unknown> {
  const text = fitPostText(post.caption, { marker: post.marker, trackingUrl: post.trackingUrl });
  const facets = facetsFor(text, post.trackingUrl);
  const langs = languageOf(text, (post as ApiPost & { language?: string }).language);
  const { width, height } = post.media;
  return {
    $type: POST,
    text,
    createdAt: createdAt.toISOString(),
    ...(facets.length > 0 ? { facets } : {}),
    embed: {
      $type: 'app.bsky.embed.video',
      video: blob,
      ...(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0 ? { aspectRatio: { width, height } } : {}),
    },
    ...(langs ? { langs } : {}),
    ...(post.sensitive ? { labels: { $type: 'com.atproto.label.defs#selfLabels', values: [{ val: SENSITIVE_SELF_LABEL }] } } : {}),
  };
}

// ── Video ──────────────────────────────────────────────────────────────────────────────────

/** The job status of an uploadVideo/getJobStatus answer: at the top level (uploadVideo) or under `jobStatus`. */
function jobStatusOf(body: any): { jobId?: string; state?: string; blob?: unknown; error?: string; message?: string } {
  const status = body && typeof body.jobStatus === 'object' && body.jobStatus !== null ? body.jobStatus : body;
  return status && typeof status === 'object' ? status : {};
}

async function serviceToken(ctx: ApiDriverContext<BlueskyCredentials>, aud: string, lxm: string, exp?: number): Promise<string> {
  const { answer } = await authed(ctx, (c) => send(ctx, xrpcUrl(pdsUrlOf(ctx, c), 'com.atproto.server.getServiceAuth', {
    aud, lxm, ...(exp ? { exp: String(exp) } : {}),
  }), bearer(c.accessToken)));
  if (answer.status !== 200 || typeof answer.body?.token !== 'string') throw failure('getServiceAuth', answer);
  return answer.body.token;
}

/** A definite refusal (nothing was posted): record `prepared`, so a retry may post, and throw it. */
async function refuse(ctx: ApiDriverContext<BlueskyCredentials>, error: PublishError): Promise<never> {
  await ctx.step('prepared');
  throw error;
}

const dailyLimitMessages = /daily|limit|exceeded/i;

async function uploadVideo(ctx: ApiDriverContext<BlueskyCredentials>, post: ApiPost): Promise<unknown> {
  const videoService = ctx.apps.apis.bluesky.videoService;
  const bytes = await readFile(post.videoPath);
  if (bytes.length > MAX_VIDEO_BYTES) {
    await refuse(ctx, new PublishError('InvalidMedia', `the clip has ${bytes.length} bytes; Bluesky takes videos up to ${MAX_VIDEO_BYTES}`));
  }

  // The official app asks first: a refusal here names the reason (daily limits, unverified email, account age).
  const limitsToken = await serviceToken(ctx, didWebOf(videoService), 'app.bsky.video.getUploadLimits');
  const limits = await send(ctx, xrpcUrl(videoService, 'app.bsky.video.getUploadLimits'), bearer(limitsToken));
  if (limits.status !== 200) await refuse(ctx, failure('getUploadLimits', limits));
  const { canUpload, remainingDailyVideos, remainingDailyBytes, message, error } = limits.body ?? {};
  const reason = [error, message].filter((s) => typeof s === 'string' && s).join(': ');
  if (canUpload === false) {
    const type = dailyLimitMessages.test(reason) ? 'DailyLimit' : 'RejectedByPlatform';
    await refuse(ctx, new PublishError(type, `Bluesky does not let @${(await ctx.credentials()).handle} upload videos now: ${reason || 'no reason given'}`));
  }
  if (remainingDailyVideos === 0 || (typeof remainingDailyBytes === 'number' && remainingDailyBytes < bytes.length)) {
    await refuse(ctx, new PublishError('DailyLimit', `Bluesky's daily video limit is used up (${remainingDailyVideos} videos, ${remainingDailyBytes} bytes left)`));
  }

  // The tutorial's token: audience the PDS (the video service stores the result there), 30 minutes.
  const creds = await ctx.credentials();
  const uploadToken = await serviceToken(ctx, didWebOf(pdsUrlOf(ctx, creds)), 'com.atproto.repo.uploadBlob', Math.floor(Date.now() / 1000) + 30 * 60);
  const upload = await send(ctx, xrpcUrl(videoService, 'app.bsky.video.uploadVideo', { did: creds.did, name: `${post.publicationId}.mp4` }), {
    method: 'POST',
    headers: { authorization: `Bearer ${uploadToken}`, 'content-type': 'video/mp4' },
    body: bytes,
  }, { timeoutMs: mediaUploadTimeoutMs });
  const job = jobStatusOf(upload.body);
  // `already_exists` (the same clip processed before) still names the earlier job, whose status has the blob.
  if (job.blob) return job.blob;
  if (!job.jobId) {
    const why = [job.error, job.message].filter(Boolean).join(': ') || reasonOf(upload);
    if (job.error === 'unconfirmed_email') {
      await refuse(ctx, new PublishError('RejectedByPlatform', `Bluesky wants the account's email verified before it posts videos (${why})`));
    }
    if (upload.status >= 500 || upload.status === 429) throw failure('uploadVideo', upload);
    await refuse(ctx, upload.status === 413 || upload.status === 400
      ? new PublishError('InvalidMedia', `Bluesky refused the video: ${why}`)
      : failure('uploadVideo', upload));
  }
  return pollJob(ctx, videoService, job.jobId!);
}

async function pollJob(ctx: ApiDriverContext<BlueskyCredentials>, videoService: string, jobId: string): Promise<unknown> {
  const deadline = Date.now() + PROCESSING_LIMIT_MS;
  let waitMs = FIRST_POLL_MS;
  for (;;) {
    const answer = await send(ctx, xrpcUrl(videoService, 'app.bsky.video.getJobStatus', { jobId }));
    if (answer.status === 200 || answer.body?.jobStatus) {
      const job = jobStatusOf(answer.body);
      if (job.blob) return job.blob;
      if (job.state === 'JOB_STATE_FAILED') {
        const why = [job.error, job.message].filter(Boolean).join(': ') || 'no reason given';
        await refuse(ctx, new PublishError('InvalidMedia', `Bluesky could not process the video (job ${jobId}): ${why}`));
      }
      if (job.state === 'JOB_STATE_COMPLETED') throw new PublishError('Retryable', `Bluesky's video job ${jobId} completed without a blob`);
    } else if (answer.status !== 429 && answer.status < 500) {
      await refuse(ctx, failure('getJobStatus', answer));
    }
    if (Date.now() + waitMs > deadline) throw new PublishError('Retryable', `Bluesky was still processing the video (job ${jobId}) after ${PROCESSING_LIMIT_MS / 60_000} min`);
    const asked = answer.status === 429 ? resetAtEpochHeaderMs(answer.headers, 'ratelimit-reset') : undefined;
    await new Promise((resolve) => setTimeout(resolve, Math.max(waitMs, asked ?? 0)));
    waitMs = Math.min(waitMs * 2, MAX_POLL_MS);
  }
}

// ── Looking up the post ────────────────────────────────────────────────────────────────────

/** The record at the publication's key, when it exists and carries this publication's marker. */
async function recordAt(ctx: ApiDriverContext<BlueskyCredentials>, post: ApiPost): Promise<PostRef | null> {
  const creds = await ctx.credentials();
  const rkey = recordKeyFor(post.publicationId);
  const answer = await send(ctx, xrpcUrl(pdsUrlOf(ctx, creds), 'com.atproto.repo.getRecord', { repo: creds.did, collection: POST, rkey }));
  if (answer.status === 400 && errorName(answer) === 'RecordNotFound') return null;
  if (answer.status !== 200) throw failure('getRecord', answer);
  const text = answer.body?.value?.text;
  if (typeof text === 'string' && text.includes(post.marker)) return postRef(creds, typeof answer.body.uri === 'string' ? answer.body.uri : `at://${creds.did}/${POST}/${rkey}`);
  // Someone else's record at our derived key (a 1-in-2^54 meeting): never overwrite it, never guess.
  throw new PublishError('Unconfirmed', `a post without marker ${post.marker} already holds record key ${rkey} of @${creds.handle}; check the account`);
}

// ── The driver ─────────────────────────────────────────────────────────────────────────────

const APP_PASSWORD = /^[a-zA-Z0-9]{4}-[a-zA-Z0-9]{4}-[a-zA-Z0-9]{4}-[a-zA-Z0-9]{4}$/;

function identifierOf(body: Record<string, unknown>): string {
  const raw = body.identifier;
  if (typeof raw !== 'string' || !raw.trim()) throw new CredentialsRejected('identifier', 'identifier is required: the account\'s handle (e.g. ana.bsky.social), DID or email');
  const identifier = raw.trim().replace(/^@/, '');
  const handle = /^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;
  const did = /^did:[a-z]+:[a-zA-Z0-9._:%-]+$/;
  const email = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  if (identifier.length > 253 || !(handle.test(identifier) || did.test(identifier) || email.test(identifier))) {
    throw new CredentialsRejected('identifier', `"${identifier.slice(0, 60)}" is not a Bluesky handle (e.g. ana.bsky.social), DID or email`);
  }
  return identifier;
}

export const blueskyDriver: ApiPlatformDriver<BlueskyCredentials> = {
  kind: 'api',
  /**
   * https://docs.bsky.app/docs/advanced-guides/rate-limits: the PDS takes 3,000 requests per 5 minutes per IP (all
   * endpoints) — one worker IP serves every account, so that is the app-wide budget; per account the binding
   * limits are 5,000 write points per hour (a post is a CREATE, 3 points: 1,666 posts/h) and, for video, the video
   * service's daily allowance (getUploadLimits). A publication takes ~10 requests (look-up, 2 service tokens,
   * limits, upload, a few polls, createRecord), so a third of the IP budget per account (1,000 per 5 min) lets one
   * account post far more than its daily video allowance while never starving the others.
   */
  rateLimits: { perAccount: { points: 1000, durationSeconds: 300 }, perApp: { points: 3000, durationSeconds: 300 } },

  async acceptCredentials(ctx, body) {
    const identifier = identifierOf(body);
    const raw = body.appPassword;
    if (typeof raw !== 'string' || !raw.trim()) {
      throw new CredentialsRejected('appPassword', 'appPassword is required: create one in Bluesky under Settings → Privacy and security → App passwords');
    }
    const appPassword = raw.trim();
    if (!APP_PASSWORD.test(appPassword)) {
      // Never the account password: it gives full rights (email, account deletion) and is never stored anyway.
      throw new CredentialsRejected('appPassword', 'this is not an app password (xxxx-xxxx-xxxx-xxxx): create one in Bluesky under Settings → Privacy and security → App passwords; the account password is never accepted');
    }
    const service = ctx.apps.apis.bluesky.service;
    const answer = await send(ctx, xrpcUrl(service, 'com.atproto.server.createSession'), jsonPost({ identifier, password: appPassword }));
    if (answer.status !== 200) {
      const error = errorName(answer);
      if (error === 'AccountTakedown') throw new CredentialsRejected('identifier', `Bluesky has taken the account ${identifier} down`);
      if (answer.status === 401) throw new CredentialsRejected('appPassword', `Bluesky refused ${identifier} with this app password (${reasonOf(answer)}): check the handle and the app password`);
      if (answer.status === 400 && error === 'InvalidRequest') throw new CredentialsRejected('identifier', `Bluesky refused the login: ${reasonOf(answer)}`);
      throw failure('createSession', answer);
    }
    const credentials = credentialsOf(answer.body);
    if (jwtPayload(credentials.accessToken)?.scope === 'com.atproto.access') {
      // An account password that happens to look like an app password: end that full-rights session at once.
      await ctx.fetch(xrpcUrl(service, 'com.atproto.server.deleteSession'), { method: 'POST', headers: { authorization: `Bearer ${credentials.refreshToken}` } }).catch(() => undefined);
      throw new CredentialsRejected('appPassword', 'this is the account password, not an app password: create an app password in Bluesky under Settings → Privacy and security → App passwords');
    }
    if (answer.body.active === false) {
      throw new CredentialsRejected('identifier', `the Bluesky account ${credentials.handle} is ${answer.body.status ?? 'not active'}`);
    }
    return { credentials, username: credentials.handle };
  },

  async refresh(ctx, credentials) {
    const answer = await send(ctx, xrpcUrl(ctx.apps.apis.bluesky.service, 'com.atproto.server.refreshSession'), {
      method: 'POST', headers: { authorization: `Bearer ${credentials.refreshToken}` },
    });
    if (answer.status === 200) return credentialsOf(answer.body, credentials);
    if (tokenRefused(answer)) {
      throw new PublishError('SessionExpired', `Bluesky ended the session of @${credentials.handle} (${reasonOf(answer)}): the app password was revoked or the session expired; connect the account again`);
    }
    throw failure('refreshSession', answer);
  },

  async checkSession(ctx): Promise<SessionState> {
    try {
      const { answer, creds } = await authed(ctx, (c) => send(ctx, xrpcUrl(pdsUrlOf(ctx, c), 'com.atproto.server.getSession'), bearer(c.accessToken)));
      if (answer.status === 200 && answer.body?.did === creds.did) {
        if (answer.body.active === false) return 'logged_out';
        if (typeof answer.body.handle === 'string' && answer.body.handle !== creds.handle) {
          // The account changed its handle: post URLs use the new one.
          await ctx.saveCredentials({ ...creds, handle: answer.body.handle });
        }
        return 'logged_in';
      }
      if (tokenRefused(answer)) return 'logged_out';
      return 'unknown';
    } catch (error) {
      if (error instanceof PublishError && error.type === 'SessionExpired') return 'logged_out';
      if (error instanceof PublishError && error.type === 'Retryable') return 'unknown';
      throw error;
    }
  },

  async publish(ctx, post) {
    // The record key is the publication's: if an earlier attempt posted, the post is there already.
    const earlier = await recordAt(ctx, post).catch((error: unknown) => {
      if (error instanceof PublishError && error.type === 'Retryable') {
        // Cannot look now: go on — createRecord at the same key cannot make a second post either.
        ctx.log.warn({ err: error.message }, 'could not look for an earlier Bluesky post; createRecord will tell');
        return null;
      }
      throw error;
    });
    if (earlier) return earlier;

    await ctx.step('uploading');
    const blob = await uploadVideo(ctx, post);
    const record = postRecord(post, blob, new Date());
    const rkey = recordKeyFor(post.publicationId);

    await ctx.step('submitting');
    let result: { answer: Answer; creds: BlueskyCredentials };
    try {
      result = await authed(ctx, (c) => send(ctx, xrpcUrl(pdsUrlOf(ctx, c), 'com.atproto.repo.createRecord'), jsonPost({ repo: c.did, collection: POST, rkey, record }, c.accessToken)));
    } catch (error) {
      // The token was refused and could not be refreshed: nothing was written.
      if (error instanceof PublishError && error.type === 'SessionExpired') return refuse(ctx, error);
      // The connection died or timed out: the record may be written. Look once; else stay `submitting` for the worker.
      const found = await recordAt(ctx, post).catch(() => null);
      if (found) return found;
      throw error;
    }
    const { answer, creds } = result;
    if (answer.status === 200 && typeof answer.body?.uri === 'string') return postRef(creds, answer.body.uri);
    if (answer.status >= 500) {
      // The reference PDS answers a record key that already exists with a bare 500: an earlier attempt (or this one,
      // before failing) posted. The key tells; if the look-up cannot run, the step stays `submitting`.
      const found = await recordAt(ctx, post);
      if (found) return found;
      await ctx.step('prepared');
      throw failure('createRecord', answer);
    }
    return refuse(ctx, failure('createRecord', answer));
  },

  async findByMarker(ctx, post) {
    return recordAt(ctx, post);
  },

  async readMetrics(ctx, ref): Promise<MetricsRead> {
    const target = parseAtUri(ref.externalId);
    if (!target) throw new PublishError('PostUnavailable', `"${ref.externalId}" is not a Bluesky post URI (at://did/app.bsky.feed.post/rkey)`);
    const { answer, creds } = await authed(ctx, (c) => send(ctx, xrpcUrl(pdsUrlOf(ctx, c), 'app.bsky.feed.getPosts', { uris: [ref.externalId] }), bearer(c.accessToken)));
    if (answer.status !== 200) throw failure('getPosts', answer);
    const view = Array.isArray(answer.body?.posts) ? answer.body.posts.find((p: any) => p?.uri === ref.externalId) : undefined;
    if (!view) {
      // getPosts leaves out what the AppView does not show: deleted, taken down, or not indexed yet. The repo tells.
      const record = await send(ctx, xrpcUrl(pdsUrlOf(ctx, creds), 'com.atproto.repo.getRecord', { repo: target.did, collection: target.collection, rkey: target.rkey }));
      if (record.status === 400 && errorName(record) === 'RecordNotFound') throw new PublishError('PostUnavailable', `the Bluesky post ${ref.url} no longer exists`);
      if (record.status !== 200) throw failure('getRecord', record);
      return { likes: null, comments: null, shares: null };
    }
    const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);
    const reposts = count(view.repostCount);
    const quotes = count(view.quoteCount);
    // Bluesky has no view counter: `views` is left out, never 0.
    return {
      likes: count(view.likeCount),
      comments: count(view.replyCount),
      shares: reposts === null && quotes === null ? null : (reposts ?? 0) + (quotes ?? 0),
    };
  },
};
