/** POST /api/contents (multipart upload) and GET /api/contents/:id. */
import { Type } from '@sinclair/typebox';
import type { Client } from '@temporalio/client';
import type { FastifyPluginAsync } from 'fastify';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import type { AppConfig } from '../../config.js';
import type { Db } from '../../db/client.js';
import { InvalidMediaError, probeVideo } from '../../activities/media/probe.js';
import { approveContent, getContentWithPublications, rejectContent, submitContent } from '../../services/contents.js';
import { ApiError, ErrorBody, publicationView, PublicationView } from '../views.js';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const maxContextLength = 4000;
const videoExtensions = new Set(['.mp4', '.mov', '.m4v', '.webm', '.mkv', '.avi', '.3gp']);

const ContentView = Type.Object({
  id: Type.String(),
  modelId: Type.String(),
  status: Type.String(),
  workflowId: Type.Union([Type.String(), Type.Null()]),
  receivedAt: Type.String(),
  context: Type.Union([Type.String(), Type.Null()]),
  caption: Type.Union([Type.String(), Type.Null()]),
  tags: Type.Array(Type.String()),
  sha256: Type.Union([Type.String(), Type.Null()]),
  media: Type.Object({
    durationSeconds: Type.Union([Type.Number(), Type.Null()]),
    width: Type.Union([Type.Integer(), Type.Null()]),
    height: Type.Union([Type.Integer(), Type.Null()]),
    sizeBytes: Type.Union([Type.Integer(), Type.Null()]),
    codec: Type.Union([Type.String(), Type.Null()]),
  }),
  rejectionReason: Type.Union([Type.String(), Type.Null()]),
  approvedAt: Type.Union([Type.String(), Type.Null()]),
  approvedBy: Type.Union([Type.String(), Type.Null()]),
  rejectedAt: Type.Union([Type.String(), Type.Null()]),
  rejectedBy: Type.Union([Type.String(), Type.Null()]),
  duplicateOfId: Type.Union([Type.String(), Type.Null()]),
  /** Per platform name: the caption drafted (or edited) before scheduling. */
  captions: Type.Record(Type.String(), Type.Object({ caption: Type.String(), tags: Type.Array(Type.String()), source: Type.String() })),
  publications: Type.Array(PublicationView),
});

export const contentRoutes: FastifyPluginAsync<{ db: Db; temporal: Client; config: AppConfig }> = async (app, { db, temporal, config }) => {
  app.addHook('onRequest', app.requireAuth);

  app.post(
    '/api/contents',
    {
      schema: {
        consumes: ['multipart/form-data'],
        response: { 202: Type.Object({ id: Type.String(), workflowId: Type.String() }), '4xx': ErrorBody, '5xx': ErrorBody },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) throw new ApiError(415, 'multipart_required', 'send multipart/form-data with a "video" file field');
      const incoming = join(config.mediaDir, 'incoming');
      await mkdir(incoming, { recursive: true });
      const fields: Record<string, string> = {};
      let upload: { path: string; filename: string } | undefined;
      try {
        for await (const part of request.parts({ limits: { fileSize: config.maxUploadBytes, files: 1, fields: 10, fieldSize: 64 * 1024 } })) {
          if (part.type === 'file') {
            if (part.fieldname !== 'video') {
              part.file.resume();
              throw new ApiError(400, 'unexpected_file', `unexpected file field "${part.fieldname}"; send the video as "video"`);
            }
            const ext = extname(part.filename).toLowerCase();
            upload = { path: join(incoming, `${randomUUID()}${videoExtensions.has(ext) ? ext : '.mp4'}`), filename: part.filename };
            await pipeline(part.file, createWriteStream(upload.path));
          } else {
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
        throw error;
      } finally {
        // Bad input stores nothing: the partial or rejected upload goes away.
        if (upload) await rm(upload.path, { force: true });
      }
    },
  );

  app.get(
    '/api/contents/:id',
    {
      schema: {
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 200: ContentView, '4xx': ErrorBody },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const found = await getContentWithPublications(db, id);
      if (!found) throw new ApiError(404, 'not_found', `content ${id} not found`);
      const c = found.content;
      return {
        id: c.id,
        modelId: c.modelId,
        status: c.status,
        workflowId: c.workflowId,
        receivedAt: c.receivedAt.toISOString(),
        context: c.context,
        caption: c.generatedCaption,
        tags: c.generatedTags ?? [],
        sha256: c.sha256,
        media: { durationSeconds: c.durationSeconds, width: c.width, height: c.height, sizeBytes: c.sizeBytes, codec: c.codec },
        rejectionReason: c.rejectionReason,
        approvedAt: c.approvedAt?.toISOString() ?? null,
        approvedBy: c.approvedBy,
        rejectedAt: c.rejectedAt?.toISOString() ?? null,
        rejectedBy: c.rejectedBy,
        duplicateOfId: c.duplicateOfId,
        captions: c.captionDrafts ?? {},
        publications: found.publications.map(publicationView),
      };
    },
  );

  const Decision = Type.Object({ id: Type.String(), decision: Type.Union([Type.Literal('approve'), Type.Literal('reject')]) });
  const CaptionEdit = Type.Object(
    { caption: Type.Optional(Type.String({ minLength: 1, maxLength: 10_000 })), tags: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100 })) },
    { additionalProperties: false },
  );

  app.post(
    '/api/contents/:id/approve',
    {
      schema: {
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        body: Type.Object(
          { captions: Type.Optional(Type.Record(Type.String({ minLength: 1 }), CaptionEdit)) },
          { additionalProperties: false },
        ),
        response: { 202: Decision, '4xx': ErrorBody, '5xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const body = request.body as { captions?: Record<string, { caption?: string; tags?: string[] }> };
      return reply.code(202).send(await approveContent({ db, temporal }, id, { actor: request.actor, captions: body.captions }));
    },
  );

  app.post(
    '/api/contents/:id/reject',
    {
      schema: {
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }),
        response: { 202: Decision, '4xx': ErrorBody, '5xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const { reason } = request.body as { reason: string };
      return reply.code(202).send(await rejectContent({ db, temporal }, id, { actor: request.actor, reason }));
    },
  );
};
