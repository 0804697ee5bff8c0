/**
 * Tracking links `/t/<code>[/<ref>]`: public, no auth, no cookies — the product's hot path (README "Traffic").
 *
 * The 302 goes out first, to the account's stream URL (else its profile URL); then the click is handed to the
 * recorder (`app.clicks`, services/clicks/), which enriches and writes it later, in batches. The code → target
 * look-up is cached in this process (services/clicks/links.ts), so a redirect normally touches no database. A `ref`
 * that cannot be a publication's is ignored for attribution (the click counts for the account); an unknown or
 * malformed code, or an account with nowhere to send visitors, gets the same bare 404 page, so nothing can be
 * learnt by probing codes.
 *
 * Two doors, one answer (`TrackingRedirects`):
 * - the **fast path**: the HTTP server hands a plain `GET|HEAD /t/<code>[/<ref>]` to `handleRaw` before Fastify sees
 *   it (api/server.ts `serverFactory`, the pattern Fastify documents for this). Fastify's per-request work — a
 *   request and reply object, a child logger, the routing, hook chains, the params validation — was most of what a
 *   redirect cost: 180–240 µs of CPU per redirect against ~100 µs for a bare `node:http` 302 on the benchmark's
 *   2-core machine (bench/redirect.ts). None of it does anything here: no hook acts on a public GET without cookies
 *   (the CSRF check looks at unsafe methods only; helmet is off for these routes, see below), and no request log
 *   may be written (it would carry the address);
 * - the **Fastify routes** below: the OpenAPI document, `app.inject`, and every request the fast path leaves alone
 *   (percent-encoded paths, a trailing slash, other methods…), answered by the same code.
 *
 * What the hot path leaves out, and why:
 * - helmet: its hooks and a dozen headers (CSP, HSTS, frame options…) are for pages and the API; a 302 has nothing
 *   to frame or run. The few headers that matter here are constants below.
 * - request logging: Fastify's per-request lines carry the client address, which must never be logged for a click.
 *
 * Headers of every answer: `Cache-Control: private, no-store` (every click must reach us: no browser or shared cache
 * may answer a 302 for us), `X-Robots-Tag: noindex` (links are not pages), and `Referrer-Policy: no-referrer`: a
 * redirect's own policy replaces that of the page the link was clicked on, so any other value could tell the stream
 * site more than the page itself allowed (a page that sends no referrer would suddenly send its origin); with
 * `no-referrer` the hop never adds information, and the stream site learns nothing of which post, or which social
 * site, a visitor came from — the studio measures that itself, here.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Redirect } from '../../contracts/api/common.js';
import { isPrefetchOrPreview, trackingCodePattern, trackingRefPattern } from '../../core/tracking.js';
import type { ClickRecorder } from '../../services/clicks/recorder.js';
import { TrackingLinks, type TrackingLinkTarget } from '../../services/clicks/links.js';
import { publicRoute, tags } from '../route-docs.js';

const baseHeaders = { 'cache-control': 'private, no-store', 'referrer-policy': 'no-referrer', 'x-robots-tag': 'noindex' };
const pageOnly = {
  'content-type': 'text/html; charset=utf-8',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};
/** The same bare page for every code that leads nowhere: it says nothing about why. */
const notFoundPage = '<!doctype html><html><head><meta charset="utf-8"><title>404</title></head><body><h1>404</h1></body></html>';
const unavailablePage = '<!doctype html><html><head><meta charset="utf-8"><title>503</title></head><body><h1>503</h1></body></html>';

/** A user agent or referrer longer than this is cut (kept in memory until the flush; the hash reads the cut one). */
const maxHeaderLength = 1024;
const cut = (value: string | undefined) => (value !== undefined && value.length > maxHeaderLength ? value.slice(0, maxHeaderLength) : value);

/** One answer, as both doors send it. */
interface Answer {
  status: 302 | 404 | 503;
  headers: Record<string, string>;
  body: string;
}

interface Warner {
  warn(obj: object, msg: string): void;
}

/** The client address as Fastify's `request.ip` says it for the same `trustProxy` (its getTrustProxyFn). */
function clientAddressOf(trustProxy: boolean | string[]): (req: IncomingMessage) => string {
  if (trustProxy === false) return (req) => req.socket.remoteAddress ?? '';
  const trust = trustProxy === true ? () => true : proxyAddr.compile(trustProxy);
  return (req) => proxyAddr(req, trust);
}

/** `/t/<code>` or `/t/<code>/<ref>` in its plain form (no percent-encoding, no empty segment), else null. */
function plainLink(url: string): { code: string; ref: string | undefined } | null {
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  if (path.includes('%')) return null;
  const slash = path.indexOf('/', 3);
  const code = slash === -1 ? path.slice(3) : path.slice(3, slash);
  const ref = slash === -1 ? undefined : path.slice(slash + 1);
  if (!trackingCodePattern.test(code) || ref === '' || ref?.includes('/')) return null;
  return { code, ref };
}

/** The tracking links' answers and click recording, shared by the fast path and the Fastify routes. */
export class TrackingRedirects {
  private readonly common: Record<string, string>;
  private readonly notFound: Answer;
  private readonly unavailable: Answer;
  /** The 302 of each target, built once (a target object lives as long as its cache entry). */
  private readonly redirects = new WeakMap<TrackingLinkTarget, Answer>();
  private readonly clientAddress: (req: IncomingMessage) => string;

  constructor(private readonly opts: { links: TrackingLinks; clicks: ClickRecorder; https: boolean; trustProxy: boolean | string[]; log: Warner }) {
    // HSTS as helmet would send it (security.ts), where the links are https.
    this.common = opts.https ? { ...baseHeaders, 'strict-transport-security': 'max-age=15552000; includeSubDomains' } : baseHeaders;
    const page = (status: 404 | 503, body: string, extra: Record<string, string> = {}): Answer =>
      ({ status, body, headers: { ...this.common, ...pageOnly, ...extra, 'content-length': String(Buffer.byteLength(body)) } });
    this.notFound = page(404, notFoundPage);
    this.unavailable = page(503, unavailablePage, { 'retry-after': '5' });
    this.clientAddress = clientAddressOf(opts.trustProxy);
  }

  /** The answer for `code`: synchronous when the link cache knows it (the usual case). */
  answer(code: string): { answer: Answer; target: TrackingLinkTarget | null } | Promise<{ answer: Answer; target: TrackingLinkTarget | null }> {
    let found: ReturnType<TrackingLinks['resolve']>;
    try {
      found = this.opts.links.resolve(code);
    } catch (error) {
      return { answer: this.lookupFailed(error), target: null };
    }
    if (found instanceof Promise) {
      return found.then((target) => this.answerFor(target), (error: unknown) => ({ answer: this.lookupFailed(error), target: null }));
    }
    return this.answerFor(found);
  }

  notFoundAnswer(): Answer {
    return this.notFound;
  }

  /** Hands the click to the recorder (after the answer went out). */
  record(target: TrackingLinkTarget, method: string, ref: string | undefined, headers: IncomingHttpHeaders, address: string): void {
    this.opts.clicks.record({
      ts: Date.now(),
      accountId: target.accountId,
      ref: ref !== undefined && trackingRefPattern.test(ref) ? ref : null,
      address,
      userAgent: cut(headers['user-agent']) ?? '',
      referer: cut(headers.referer),
      preview: isPrefetchOrPreview(method, (name) => {
        const value = headers[name];
        return typeof value === 'string' ? value : undefined;
      }),
    });
  }

  /**
   * The fast path: answers a plain `GET|HEAD /t/<code>[/<ref>]` straight on the socket and returns true; anything
   * else returns false untouched, for Fastify.
   */
  handleRaw(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url;
    const method = req.method;
    if (url === undefined || !url.startsWith('/t/') || (method !== 'GET' && method !== 'HEAD')) return false;
    const link = plainLink(url);
    if (!link) return false;
    const decided = this.answer(link.code);
    if (decided instanceof Promise) {
      decided.then(({ answer, target }) => this.sendRaw(req, res, answer, target, link.ref), () => this.sendRaw(req, res, this.unavailable, null, link.ref));
    } else {
      this.sendRaw(req, res, decided.answer, decided.target, link.ref);
    }
    return true;
  }

  private sendRaw(req: IncomingMessage, res: ServerResponse, answer: Answer, target: TrackingLinkTarget | null, ref: string | undefined): void {
    try {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
      if (target) this.record(target, req.method!, ref, req.headers, this.clientAddress(req));
    } catch (error) {
      // Nothing may escape a request listener (it would stop the process): the visitor's connection goes instead.
      this.opts.log.warn({ err: String((error as Error).message).slice(0, 200) }, 'tracking redirect could not be sent');
      res.destroy();
    }
  }

  private answerFor(target: TrackingLinkTarget | null): { answer: Answer; target: TrackingLinkTarget | null } {
    if (!target) return { answer: this.notFound, target: null };
    let answer = this.redirects.get(target);
    if (!answer) {
      answer = { status: 302, body: '', headers: { ...this.common, location: target.location, 'content-length': '0' } };
      this.redirects.set(target, answer);
    }
    return { answer, target };
  }

  private lookupFailed(error: unknown): Answer {
    let cause = error as Error;
    while (cause.cause instanceof Error) cause = cause.cause; // drizzle's own message repeats the statement
    this.opts.log.warn({ err: String(cause.message).slice(0, 200) }, 'tracking link look-up failed (database unreachable?)');
    return this.unavailable;
  }
}

const CodeParam = Type.String({ pattern: trackingCodePattern.source, description: 'the account\'s tracking code (current or retired)' });
const RefParam = Type.String({ description: 'a publication\'s ref (12 hex characters, its idempotency marker); anything else counts for the account' });

const description =
  '302 to the account\'s stream URL (its profile URL when it has none); the click is recorded after the answer (country, ' +
  'city, device, OS, browser, referrer host, bot flag, a daily-salted visitor hash — never the address). An unknown or ' +
  'malformed code, or an account with neither URL, gets the same bare 404 page (text/html); 503 with Retry-After when ' +
  'the database cannot say and the code was never seen by this process. No cookies; `Cache-Control: private, no-store`.';

/** Where api/server.ts's HTTP server finds the fast path once the routes are registered. */
export interface TrackingFastPath {
  handle?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export const trackingRoutes: FastifyPluginAsyncTypebox<{ fastPath?: TrackingFastPath }> = async (app, options) => {
  const redirects = new TrackingRedirects({
    links: new TrackingLinks(app.deps.db), clicks: app.clicks, https: app.deps.config.http.publicUrl.startsWith('https://'),
    trustProxy: app.deps.config.traffic.trustProxy, log: app.log,
  });
  if (options.fastPath) options.fastPath.handle = (req, res) => redirects.handleRaw(req, res);

  // A 302 has no body: send('') would make Fastify add a text/plain Content-Type the fast path does not send.
  const send = (reply: FastifyReply, answer: Answer) => {
    reply.code(answer.status).headers(answer.headers);
    return answer.body === '' ? reply.send() : reply.send(answer.body);
  };

  async function redirect(request: FastifyRequest<{ Params: { code: string; ref?: string } }>, reply: FastifyReply) {
    if (request.validationError) return send(reply, redirects.notFoundAnswer());
    const decided = redirects.answer(request.params.code);
    const { answer, target } = decided instanceof Promise ? await decided : decided;
    send(reply, answer);
    if (target) redirects.record(target, request.method, request.params.ref, request.headers, request.ip);
    return reply;
  }

  // Warnings only (never more than the app logs): no per-request lines, which would carry the address.
  const stricter = ['error', 'fatal', 'silent'] as const;
  const logLevel: (typeof stricter)[number] | 'warn' = stricter.find((level) => level === app.log.level) ?? 'warn';
  const routeOptions = { helmet: false as const, logLevel, attachValidation: true };
  app.route({
    method: ['GET', 'HEAD'],
    url: '/t/:code',
    ...routeOptions,
    schema: {
      tags: [tags.tracking], summary: 'An account\'s tracking link: 302 to its stream', description, security: publicRoute,
      params: Type.Object({ code: CodeParam }),
      response: { 302: Redirect('to the stream (or profile) URL; the click counts for the account') },
    },
    handler: redirect,
  });
  app.route({
    method: ['GET', 'HEAD'],
    url: '/t/:code/:ref',
    ...routeOptions,
    schema: {
      tags: [tags.tracking], summary: 'A publication\'s tracking link: 302 to the stream, the click attributed to the post', description, security: publicRoute,
      params: Type.Object({ code: CodeParam, ref: RefParam }),
      response: { 302: Redirect('to the stream (or profile) URL; the click counts for the publication whose ref it is (of that account), else for the account') },
    },
    handler: redirect,
  });
  // Anything else under /t/ is the same 404, not the dashboard's login redirect.
  app.route({
    method: ['GET', 'HEAD'],
    url: '/t/*',
    ...routeOptions,
    schema: { hide: true },
    handler: async (_request, reply) => send(reply, redirects.notFoundAnswer()),
  });
};
