/**
 * A model's watermark (branding burned into her platform variants by the media worker): read, set, remove, her
 * PNG logo, and a still preview of one frame with it.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { watermarkLimits } from '../../core/watermark.js';
import { errorReplies, IdParams } from '../../contracts/api/common.js';
import { WatermarkBody, WatermarkLogoUpload, WatermarkPreviewQuery, WatermarkView } from '../../contracts/api/watermark.js';
import { ServiceError } from '../../services/errors.js';
import { getWatermark, removeWatermark, renderWatermarkPreview, setWatermark, storeWatermarkLogo } from '../../services/watermark.js';
import { documentedOnly, tags } from '../route-docs.js';
import { assertWholeField, multipartLimitError, multipartLimits } from '../multipart.js';
import { ApiError } from '../views.js';

/** Room for multipart framing around a logo of the maximum size. */
const logoBodyLimit = watermarkLimits.logoMaxBytes + 64 * 1024;
const logoMb = watermarkLimits.logoMaxBytes / 1024 / 1024;

export const watermarkRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAuth);
  const { db, config } = app.deps;
  const deps = { db, mediaDir: config.mediaDir };

  // The logo as the raw body, whatever its type says (it is checked by its bytes); scoped to this plugin.
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: logoBodyLimit }, (_request, body, done) => done(null, body));

  app.get(
    '/api/models/:id/watermark',
    {
      schema: {
        tags: [tags.models],
        summary: 'Her watermark: kind (none, logo, text), text, position, size, opacity, and whether a logo is stored',
        params: IdParams,
        response: { 200: WatermarkView, ...errorReplies },
      },
    },
    async (request) => getWatermark(db, request.params.id),
  );

  app.put(
    '/api/models/:id/watermark',
    {
      schema: {
        tags: [tags.models],
        summary: 'Set her watermark; her next platform variants carry it (a changed watermark makes new variants)',
        description: 'Kind `logo` needs a stored logo; kind `text` its text. A wrong field → 400 `invalid_watermark` naming it. Records `model_updated` with `watermark`.',
        params: IdParams,
        body: WatermarkBody,
        response: { 200: WatermarkView, ...errorReplies },
      },
    },
    async (request) => setWatermark(deps, request.params.id, request.body, { actor: request.actor }),
  );

  app.delete(
    '/api/models/:id/watermark',
    {
      schema: {
        tags: [tags.models],
        summary: 'No watermark: her next variants are made without one (the stored logo is removed)',
        params: IdParams,
        response: { 200: WatermarkView, ...errorReplies },
      },
    },
    async (request) => removeWatermark(deps, request.params.id, { actor: request.actor }),
  );

  app.put(
    '/api/models/:id/watermark/logo',
    {
      bodyLimit: logoBodyLimit,
      config: documentedOnly({ body: WatermarkLogoUpload }),
      schema: {
        tags: [tags.models],
        summary: 'Store her PNG logo; her watermark becomes kind `logo` (keeping position, size and opacity)',
        description:
          `The PNG as the raw body (\`image/png\`) or as multipart field \`file\`; at most ${logoMb} MB and ${watermarkLimits.logoMaxSide} px a side. ` +
          'It must really be a PNG (its signature, then ffprobe and a decode): anything else → 415 `not_png`, and nothing changes.',
        params: IdParams,
        consumes: ['image/png', 'multipart/form-data'],
        response: { 200: WatermarkView, ...errorReplies },
      },
    },
    async (request) => {
      let bytes: Buffer | undefined;
      if (request.isMultipart()) {
        try {
          for await (const part of request.parts({ limits: { ...multipartLimits, fileSize: watermarkLimits.logoMaxBytes } })) {
            if (part.type !== 'file') {
              assertWholeField(part);
              continue;
            }
            if (part.fieldname !== 'file') {
              part.file.resume();
              throw new ApiError(400, 'unexpected_file', `unexpected file field "${part.fieldname}"; send the logo as "file"`);
            }
            bytes = await part.toBuffer();
          }
        } catch (error) {
          if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw new ApiError(413, 'file_too_large', `a logo is at most ${logoMb} MB`);
          throw multipartLimitError(error);
        }
      } else if (Buffer.isBuffer(request.body)) {
        bytes = request.body;
      }
      if (!bytes || bytes.length === 0) throw new ApiError(415, 'not_png', 'send the logo as a PNG: the raw body (image/png) or multipart field "file"');
      try {
        return await storeWatermarkLogo(deps, request.params.id, bytes, { actor: request.actor });
      } catch (error) {
        if (error instanceof ServiceError && error.code === 'not_png') throw new ApiError(415, 'not_png', error.message);
        if (error instanceof ServiceError && error.code === 'file_too_large') throw new ApiError(413, 'file_too_large', error.message);
        throw error;
      }
    },
  );

  app.get(
    '/api/models/:id/watermark/preview',
    {
      schema: {
        tags: [tags.models],
        summary: 'A still frame (PNG) of her latest video with her watermark, or with a draft given in the query',
        description:
          'Her latest video (a generated test pattern when she has none), fitted as her variant for `platform` would be, ' +
          'with the saved watermark, or with the draft in the query when `kind` is given (`none`: without any). A bad draft → 400 naming the field.',
        params: IdParams,
        querystring: WatermarkPreviewQuery,
      },
      // The picture is sent as is: its reply is documented, never serialized.
      config: documentedOnly({
        response: {
          200: { description: 'the frame', content: { 'image/png': { schema: { type: 'string', format: 'binary' } } } },
          '4xx': errorReplies['4xx'],
        },
      }),
    },
    async (request, reply) => {
      const png = await renderWatermarkPreview(deps, request.params.id, request.query);
      return reply.type('image/png').header('cache-control', 'private, no-store').header('x-content-type-options', 'nosniff').send(png);
    },
  );
};
