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
 * What the hot path leaves out, and why:
 * - helmet (`helmet: false`): its hooks and a dozen headers (CSP, HSTS, frame options…) are for pages and the API;
 *   a 302 has nothing to frame or run. Measured on a bare Fastify with our helmet options (server CPU per redirect,
 *   keep-alive load from another process, 2 cores): ≈ 17 µs without it, 20–33 µs with it — up to half the cost of
 *   the redirect. The few headers that matter here are constants below. The CSRF hook looks at unsafe methods only
 *   and returns at once for GET/HEAD, and the cookie parser does nothing without a Cookie header: both stay.
 * - request logging (route `logLevel` warn, or the app's own when stricter): Fastify's per-request lines carry the
 *   client address, which must never be logged for a click, and would be two log lines per redirect.
 *
 * Headers of every answer: `Cache-Control: private, no-store` (every click must reach us: no browser or shared cache
 * may answer a 302 for us), `X-Robots-Tag: noindex` (links are not pages), and `Referrer-Policy: no-referrer`: a
 * redirect's own policy replaces that of the page the link was clicked on, so any other value could tell the stream
 * site more than the page itself allowed (a page that sends no referrer would suddenly send its origin); with
 * `no-referrer` the hop never adds information, and the stream site learns nothing of which post, or which social
 * site, a visitor came from — the studio measures that itself, here.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Redirect } from '../../contracts/api/common.js';
import { isPrefetchOrPreview, trackingCodePattern, trackingRefPattern } from '../../core/tracking.js';
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

const CodeParam = Type.String({ pattern: trackingCodePattern.source, description: 'the account\'s tracking code (current or retired)' });
const RefParam = Type.String({ description: 'a publication\'s ref (12 hex characters, its idempotency marker); anything else counts for the account' });

const description =
  '302 to the account\'s stream URL (its profile URL when it has none); the click is recorded after the answer (country, ' +
  'city, device, OS, browser, referrer host, bot flag, a daily-salted visitor hash — never the address). An unknown or ' +
  'malformed code, or an account with neither URL, gets the same bare 404 page (text/html); 503 with Retry-After when ' +
  'the database cannot say and the code was never seen by this process. No cookies; `Cache-Control: private, no-store`.';

export const trackingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const links = new TrackingLinks(app.deps.db);
  const clicks = app.clicks;
  // HSTS as helmet would send it (security.ts), where the links are https.
  const https = app.deps.config.http.publicUrl.startsWith('https://');
  const common = https ? { ...baseHeaders, 'strict-transport-security': 'max-age=15552000; includeSubDomains' } : baseHeaders;
  const pageHeaders = { ...common, ...pageOnly };

  const notFound = (reply: FastifyReply) => reply.code(404).headers(pageHeaders).send(notFoundPage);

  async function redirect(request: FastifyRequest<{ Params: { code: string; ref?: string } }>, reply: FastifyReply) {
    if (request.validationError) return notFound(reply);
    const { code, ref } = request.params;
    let target: TrackingLinkTarget | null;
    try {
      const found = links.resolve(code);
      target = found instanceof Promise ? await found : found;
    } catch (error) {
      let cause = error as Error;
      while (cause.cause instanceof Error) cause = cause.cause; // drizzle's own message repeats the statement
      request.log.warn({ err: cause.message.slice(0, 200) }, 'tracking link look-up failed (database unreachable?)');
      return reply.code(503).headers(pageHeaders).header('retry-after', '5').send(unavailablePage);
    }
    if (!target) return notFound(reply);
    reply.code(302).headers(common).header('location', target.location).send();
    const headers = request.headers;
    clicks.record({
      ts: Date.now(),
      accountId: target.accountId,
      ref: ref !== undefined && trackingRefPattern.test(ref) ? ref : null,
      address: request.ip,
      userAgent: cut(headers['user-agent']) ?? '',
      referer: cut(headers.referer),
      preview: isPrefetchOrPreview(request.method, (name) => {
        const value = headers[name];
        return typeof value === 'string' ? value : undefined;
      }),
    });
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
    handler: async (_request, reply) => notFound(reply),
  });
};
