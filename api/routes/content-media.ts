/**
 * GET /api/contents/:id/media and /thumbnail: a content's own video and thumbnail, to a logged-in admin or a
 * token holder only, with HTTP range requests so a <video> element seeks and streams instead of downloading the
 * whole file. Range parsing, 206/416, ETag and If-Range come from @fastify/send (the engine of @fastify/static,
 * MIT) rather than hand-written code; the path always comes from the content's own row and must lie under
 * MEDIA_DIR, so no request can name another file.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import send from '@fastify/send';
import { basename, dirname, relative, resolve, isAbsolute } from 'node:path';
import { errorReplies, IdParams } from '../../contracts/api/common.js';
import { storedMediaPath } from '../../services/contents.js';
import { mediaDeletedAt } from '../../services/storage.js';
import { documentedOnly, tags } from '../route-docs.js';
import { ApiError } from '../views.js';

const mediaTypes: Record<string, string> = {
  '.mp4': 'video/mp4', '.m4v': 'video/mp4', '.mov': 'video/quicktime', '.webm': 'video/webm', '.mkv': 'video/x-matroska',
  '.avi': 'video/x-msvideo', '.3gp': 'video/3gpp', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png',
};

const binary = (description: string) => ({ description, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } });

export const contentMediaRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAuth);
  const { db, config } = app.deps;
  const mediaRoot = resolve(config.mediaDir);

  for (const which of ['media', 'thumbnail'] as const) {
    app.get(
      `/api/contents/:id/${which}`,
      {
        // The file is streamed as is: its replies are documented, never serialized.
        config: documentedOnly({
          response: {
            200: binary(which === 'media' ? 'the whole video' : 'the thumbnail (JPEG)'),
            206: binary('the requested byte range (`Content-Range`)'),
            416: { ...errorReplies['4xx'], description: 'the range cannot be satisfied (`Content-Range: bytes */<size>`)' },
            410: { ...errorReplies['4xx'], description: 'the file is no longer stored: `media_deleted` (the retention policy deleted the video; thumbnail and facts stay) or `file_missing`' },
            '4xx': errorReplies['4xx'],
          },
        }),
        schema: {
          tags: [tags.contents],
          summary: which === 'media' ? 'The content\'s video, with range requests' : 'The content\'s thumbnail',
          description: 'Answers `Accept-Ranges: bytes`; `Range: bytes=a-b`, `a-` and `-n` give 206, an unsatisfiable range 416. Private: never cached by shared caches.',
          params: IdParams,
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const stored = await storedMediaPath(db, id, which);
        if (!stored) throw new ApiError(404, 'not_found', `content ${id} has no ${which}`);
        const path = resolve(stored);
        const inside = relative(mediaRoot, path);
        if (!inside || inside.startsWith('..') || isAbsolute(inside)) throw new ApiError(404, 'not_found', `content ${id} has no ${which}`);
        const result = await send(request.raw, basename(path), { root: dirname(path), dotfiles: 'deny', acceptRanges: true, cacheControl: false, etag: true });
        if (result.type === 'error') {
          const status = result.statusCode;
          if (status === 416) {
            const contentRange = result.headers['Content-Range'] ?? '';
            return reply.code(416).headers({ 'content-range': contentRange, 'accept-ranges': 'bytes' })
              .send({ error: 'range_not_satisfiable', message: `the requested range is outside the ${which} (${contentRange})` });
          }
          if (status === 404) {
            // The row says it had one: gone, not unknown. Retention leaves a marker saying when (contracts/storage.ts).
            const deletedAt = which === 'media' ? await mediaDeletedAt(config.mediaDir, id) : null;
            if (deletedAt) {
              throw new ApiError(410, 'media_deleted', `the video of content ${id} was deleted by the retention policy on ${deletedAt.toISOString()}; its thumbnail and facts are kept`);
            }
            throw new ApiError(410, 'file_missing', `the ${which} of content ${id} is no longer stored`);
          }
          throw new ApiError(status >= 400 && status < 500 ? status : 500, 'media_unreadable', `the ${which} could not be read`);
        }
        if (result.type !== 'file') throw new ApiError(404, 'not_found', `content ${id} has no ${which}`);
        const ext = path.slice(path.lastIndexOf('.')).toLowerCase();
        return reply
          .code(result.statusCode)
          .headers(result.headers)
          .header('content-type', mediaTypes[ext] ?? 'application/octet-stream')
          .header('cache-control', 'private, max-age=300')
          .header('x-content-type-options', 'nosniff')
          .send(result.stream);
      },
    );
  }
};
