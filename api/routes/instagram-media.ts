/**
 * GET|HEAD /media/instagram/<publicationId>/<expiresAt>/<signature>.mp4: public, for Meta's servers, which fetch a
 * Reel's video themselves (`video_url`) when an account cannot use the resumable upload
 * (activities/publishing/drivers/instagram.ts `signedInstagramVideoUrl` makes these URLs under PUBLIC_URL).
 *
 * - The URL is the credential: an HMAC of the publication id and the expiry (crypto/media-url.ts, key derived from
 *   AUTH_ENCRYPTION_KEY), checked in constant time before any database read (services/instagram-media.ts).
 * - It serves only that publication's own file (the variant the driver publishes), and only under MEDIA_DIR.
 * - Every refusal — malformed, bad or expired signature, unknown publication, a platform other than Instagram, a
 *   file no longer stored — is the same bare 404 with no body, so probing learns nothing.
 * - Range requests (206/416, ETag, If-Range) come from @fastify/send, as for the dashboard's videos (content-media.ts).
 * - `Cache-Control: private, no-store` (no shared cache keeps the video past the URL's life), `X-Robots-Tag: noindex`,
 *   no cookies. No per-request log lines (route `logLevel` warn or stricter): they would carry the URL, and so the
 *   signature, into the logs.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import send from '@fastify/send';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { errorReplies } from '../../contracts/api/common.js';
import { instagramVideoFiles } from '../../services/instagram-media.js';
import { documentedOnly, publicRoute, tags } from '../route-docs.js';

const baseHeaders = { 'cache-control': 'private, no-store', 'x-robots-tag': 'noindex', 'x-content-type-options': 'nosniff' };

const binary = (description: string) => ({ description, content: { 'video/mp4': { schema: { type: 'string', format: 'binary' } } } });

const Params = Type.Object({
  publicationId: Type.String({ format: 'uuid', description: 'the publication whose video this is' }),
  // Digits as signed (no sign, no leading zero, no exponent): one expiry has one spelling.
  expiresAt: Type.String({ pattern: '^[1-9][0-9]{0,11}$', description: 'when the URL stops working, Unix seconds' }),
  signature: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$', description: 'HMAC-SHA256 of the publication id and expiry, base64url' }),
});

const description =
  'Public: the URL is the credential (signed by the server, valid for a few hours). The publication\'s own prepared ' +
  'video, `Accept-Ranges: bytes` (`Range` gives 206, an unsatisfiable range 416). Anything wrong — signature, expiry, ' +
  'publication, platform, file — is the same bare 404 with no body. `Cache-Control: private, no-store`, no cookies.';

type MediaRequest = FastifyRequest<{ Params: { publicationId: string; expiresAt: string; signature: string } }>;

/**
 * Sends the stored file at `path` with range support; false (nothing sent) when it is not a file under `root`, for
 * the caller's 404. A boolean, not the reply: a reply is thenable, and awaiting it would wait for the answer to end.
 */
async function sendStoredFile(request: FastifyRequest, reply: FastifyReply, path: string, root: string): Promise<boolean> {
  const file = resolve(path);
  const inside = relative(root, file);
  if (!inside || inside.startsWith('..') || isAbsolute(inside)) return false;
  // send() decodes its path argument like a URL path: encode the name so a `%` in it stays itself.
  const result = await send(request.raw, encodeURIComponent(basename(file)), {
    root: dirname(file), dotfiles: 'deny', acceptRanges: true, cacheControl: false, etag: true, index: false,
  });
  if (result.type === 'error') {
    if (result.statusCode === 416) {
      const contentRange = result.headers['Content-Range'] ?? '';
      reply.code(416).headers({ ...baseHeaders, 'content-range': contentRange, 'accept-ranges': 'bytes' })
        .send({ error: 'range_not_satisfiable', message: `the requested range is outside the video (${contentRange})` });
      return true;
    }
    if (result.statusCode !== 404) request.log.warn({ status: result.statusCode }, 'signed Instagram video could not be read');
    return false;
  }
  if (result.type !== 'file') return false;
  reply.code(result.statusCode).headers(result.headers).headers(baseHeaders);
  if (result.statusCode !== 304) reply.header('content-type', 'video/mp4');
  reply.send(result.stream);
  return true;
}

export const instagramMediaRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config } = app.deps;
  const files = instagramVideoFiles(db, config.keyring.current.key);
  const mediaRoot = resolve(config.mediaDir);

  const notFound = (reply: FastifyReply) => reply.code(404).headers(baseHeaders).send();

  async function serve(request: MediaRequest, reply: FastifyReply) {
    if (request.validationError) return notFound(reply);
    const { publicationId, expiresAt, signature } = request.params;
    const path = await files.find({ publicationId, expiresAt: Number(expiresAt), signature });
    if (path === null) return notFound(reply);
    if (!(await sendStoredFile(request, reply, path, mediaRoot))) return notFound(reply);
    return reply;
  }

  // Warnings only (never more than the app logs): a per-request line would carry the signature.
  const stricter = ['error', 'fatal', 'silent'] as const;
  const logLevel: (typeof stricter)[number] | 'warn' = stricter.find((level) => level === app.log.level) ?? 'warn';
  app.route({
    method: ['GET', 'HEAD'],
    url: '/media/instagram/:publicationId/:expiresAt/:signature.mp4',
    logLevel,
    attachValidation: true,
    // The file is streamed as is: its replies are documented, never serialized.
    config: documentedOnly({
      response: {
        200: binary('the whole video'),
        206: binary('the requested byte range (`Content-Range`)'),
        416: { ...errorReplies['4xx'], description: 'the range cannot be satisfied (`Content-Range: bytes */<size>`)' },
      },
    }),
    schema: {
      tags: [tags.publications],
      summary: 'A publication\'s video for Instagram to fetch, by a signed URL that expires',
      description,
      security: publicRoute,
      params: Params,
    },
    handler: serve,
  });
  // Anything else under this prefix is the same bare 404, not the dashboard's login redirect.
  app.route({
    method: ['GET', 'HEAD'],
    url: '/media/instagram/*',
    logLevel,
    schema: { hide: true },
    handler: async (_request, reply) => notFound(reply),
  });
};
