/** POST /api/contents (multipart upload), GET /api/contents/:id and the approve / reject decisions. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { InvalidMediaError, probeVideo } from '../../activities/media/probe.js';
import { errorReplies, IdParams } from '../../contracts/api/common.js';
import {
  ApproveBody, Content, ContentList, ContentListQuery, ContentSubmitted, ContentUpload, Decision, maxContextLength, RejectBody,
} from '../../contracts/api/contents.js';
import { approveContent, getContentWithPublications, listContentsPage, rejectContent, submitContent } from '../../services/contents.js';
import { diskTooFull, mediaDeletedAt } from '../../services/storage.js';
import { messagesFor } from '../../messages/index.js';
import { assertWholeField, multipartLimitError, multipartLimits } from '../multipart.js';
import { documentedOnly, tags } from '../route-docs.js';
import { ApiError, contentListItemView, contentView } from '../views.js';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const videoExtensions = new Set(['.mp4', '.mov', '.m4v', '.webm', '.mkv', '.avi', '.3gp']);

export const contentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAuth);
  const { db, temporal, config } = app.deps;

  app.post(
    '/api/contents',
    {
      config: documentedOnly({ body: ContentUpload }),
      schema: {
        tags: [tags.contents],
        summary: 'Send a video',
        description:
          'multipart/form-data with `video`, `modelId` and an optional `context`. Bad input stores nothing: ' +
          '400 names the field, 404 unknown model, 413 too large (MAX_UPLOAD_MB) or over a form limit (`too_many_fields`, ' +
          '`field_too_large`, `too_many_files`…, named in the message), 415 not a video, 507 when the server\'s disk would ' +
          'fall below MIN_FREE_DISK_MB (refused before anything is read or written; the message in Spanish, English with ' +
          '`Accept-Language: en`).',
        consumes: ['multipart/form-data'],
        response: { 202: ContentSubmitted, ...errorReplies },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) throw new ApiError(415, 'multipart_required', 'send multipart/form-data with a "video" file field');
      // Refused before the body is read: no file, no row, no workflow. The declared size counts against the room left.
      const declared = Number(request.headers['content-length']);
      const full = await diskTooFull(config.dataDir, config.storage.minFreeDiskBytes, Number.isFinite(declared) ? declared : 0);
      if (full) throw storageFull(request.headers['accept-language'], full.freeBytes, config.storage.minFreeDiskBytes);
      const incoming = join(config.mediaDir, 'incoming');
      await mkdir(incoming, { recursive: true });
      const fields: Record<string, string> = {};
      let upload: { path: string; filename: string } | undefined;
      try {
        for await (const part of request.parts({ limits: { ...multipartLimits, fileSize: config.maxUploadBytes } })) {
          if (part.type === 'file') {
            if (part.fieldname !== 'video') {
              part.file.resume();
              throw new ApiError(400, 'unexpected_file', `unexpected file field "${part.fieldname}"; send the video as "video"`);
            }
            const ext = extname(part.filename).toLowerCase();
            upload = { path: join(incoming, `${randomUUID()}${videoExtensions.has(ext) ? ext : '.mp4'}`), filename: part.filename };
            await pipeline(part.file, createWriteStream(upload.path));
          } else {
            assertWholeField(part);
            fields[part.fieldname] = String(part.value);
          }
        }
        const modelId = fields.modelId?.trim();
        if (!modelId) throw new ApiError(400, 'missing_model_id', 'field "modelId" is required');
        if (!uuidPattern.test(modelId)) throw new ApiError(400, 'invalid_model_id', 'field "modelId" must be a UUID');
        if (!upload) throw new ApiError(400, 'missing_video', 'file field "video" is required');
        const context = fields.context?.trim() || null;
        if (context && context.length > maxContextLength) {
          throw new ApiError(400, 'context_too_long', `field "context" exceeds ${maxContextLength} characters`);
        }
        try {
          await probeVideo(upload.path);
        } catch (error) {
          if (error instanceof InvalidMediaError) throw new ApiError(415, 'not_a_video', `"video" is not a usable video: ${error.message}`);
          throw error;
        }
        const created = await submitContent({ db, temporal, lifecycle: config.lifecycle }, {
          modelId, filePath: upload.path, originalFilename: upload.filename || null, context, sentBy: request.actor,
        });
        upload = undefined; // the workflow owns the file now
        return reply.code(202).send(created);
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'FST_REQ_FILE_TOO_LARGE') {
          throw new ApiError(413, 'file_too_large', `"video" exceeds the upload limit of ${Math.round(config.maxUploadBytes / 1024 / 1024)} MB`);
        }
        // The disk filled up while the video was being written: the partial file goes (finally), the answer says why.
        if (code === 'ENOSPC') throw storageFull(request.headers['accept-language'], 0, config.storage.minFreeDiskBytes);
        throw multipartLimitError(error);
      } finally {
        // Bad input stores nothing: the partial or rejected upload goes away.
        if (upload) await rm(upload.path, { force: true });
      }
    },
  );

  app.get(
    '/api/contents',
    {
      schema: {
        tags: [tags.contents],
        summary: 'Contents: the approval queue (status=new, oldest first) or any status (newest first), searchable',
        description: '`q` matches part of the model name, the context, the file name or a caption draft. Keyset-paged: pass `nextCursor` as `cursor`.',
        querystring: ContentListQuery,
        response: { 200: ContentList, '4xx': errorReplies['4xx'] },
      },
    },
    async (request) => {
      const page = await listContentsPage(db, request.query);
      return { items: page.items.map(contentListItemView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/contents/:id',
    {
      schema: {
        tags: [tags.contents],
        summary: 'One content: status, media facts, captions per platform, decision and publications',
        params: IdParams,
        response: { 200: Content, '4xx': errorReplies['4xx'] },
      },
    },
    async (request) => {
      const { id } = request.params;
      const found = await getContentWithPublications(db, id);
      if (!found) throw new ApiError(404, 'not_found', `content ${id} not found`);
      return { ...contentView(found), mediaDeletedAt: (await mediaDeletedAt(config.mediaDir, id))?.toISOString() ?? null };
    },
  );

  app.post(
    '/api/contents/:id/approve',
    {
      schema: {
        tags: [tags.contents],
        summary: 'Approve, optionally with edited captions per platform',
        description:
          'Each platform\'s caption (as edited) is checked against its limits and the moderation rules: 400 `caption_violations` ' +
          'names every `captions.<platform>` still in breach. Moderation violations pass for the platforms listed in `overrides` ' +
          '(recorded with who); limits never do. 409 when already decided; 400 for a platform the content has no caption for.',
        params: IdParams,
        body: ApproveBody,
        response: { 202: Decision, ...errorReplies },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      return reply.code(202).send(await approveContent({ db, temporal }, id, { actor: request.actor, captions: request.body.captions, overrides: request.body.overrides }));
    },
  );

  app.post(
    '/api/contents/:id/reject',
    {
      schema: {
        tags: [tags.contents],
        summary: 'Reject with a reason the model reads',
        params: IdParams,
        body: RejectBody,
        response: { 202: Decision, ...errorReplies },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      return reply.code(202).send(await rejectContent({ db, temporal }, id, { actor: request.actor, reason: request.body.reason }));
    },
  );
};

/** 507 with what the uploader reads: Spanish (the product language) unless the client asks for English first. */
function storageFull(acceptLanguage: string | undefined, freeBytes: number, minFreeBytes: number): ApiError {
  const language = acceptLanguage?.trim().toLowerCase().startsWith('en') ? 'en' : 'es';
  const mb = (bytes: number) => Math.floor(bytes / 1_048_576);
  return new ApiError(507, 'insufficient_storage', messagesFor(language).media.storageFull(mb(freeBytes), mb(minFreeBytes)));
}
