/**
 * Models: the paged list, create (optionally from a regional preset), read and edit with the distribution rules,
 * the next free slots per account (also for a draft of the rules), and the one-time Telegram link code the admin
 * hands to a model (she sends `/start CODE` to the bot, or opens the deep link).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorReplies, IdParams } from '../../contracts/api/common.js';
import {
  CreateModelBody, ModelDetail, ModelList, ModelListQuery, SlotsPreview, SlotsPreviewQuery, TelegramLinkBody, TelegramLinkCode, UpdateModelBody,
} from '../../contracts/api/models.js';
import {
  createModel, getModelDetail, listModelSummaries, previewSlots, updateModel, type ModelSummaryView,
} from '../../services/models.js';
import { createTelegramLinkCode } from '../../services/telegram.js';
import { tags } from '../route-docs.js';

const iso = (date: Date | null): string | null => date?.toISOString() ?? null;

function summaryView(m: ModelSummaryView) {
  return { ...m, lastPublishedAt: iso(m.lastPublishedAt) };
}

function detailView(m: Awaited<ReturnType<typeof getModelDetail>>): ModelDetail {
  return { ...m, lastPublishedAt: iso(m.lastPublishedAt), createdAt: m.createdAt.toISOString(), updatedAt: m.updatedAt.toISOString() };
}

export const modelRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAuth);
  const { db, temporal, config } = app.deps;
  const deps = { db, temporal, lifecycle: config.lifecycle };

  app.get(
    '/api/models',
    {
      schema: {
        tags: [tags.models],
        summary: 'Models by name, keyset-paged, searchable by name and filterable by status',
        querystring: ModelListQuery,
        response: { 200: ModelList, ...errorReplies },
      },
    },
    async (request) => {
      const page = await listModelSummaries(db, request.query);
      return { items: page.items.map(summaryView), nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/api/models',
    {
      schema: {
        tags: [tags.models],
        summary: 'Create a model (a regional preset fills the rules; fields in `distribution` override it). 409 duplicate_model_name',
        body: CreateModelBody,
        response: { 201: ModelDetail, ...errorReplies },
      },
    },
    async (request, reply) => reply.code(201).send(detailView(await createModel(db, request.body, { actor: request.actor }))),
  );

  app.get(
    '/api/models/:id',
    {
      schema: {
        tags: [tags.models],
        summary: 'A model with its effective rules, accounts, Telegram link and every platform\'s limits',
        params: IdParams,
        response: { 200: ModelDetail, ...errorReplies },
      },
    },
    async (request) => detailView(await getModelDetail(db, request.params.id)),
  );

  app.patch(
    '/api/models/:id',
    {
      schema: {
        tags: [tags.models],
        summary: 'Edit name, status and rules (each rules field given replaces it); all checked before anything is written',
        params: IdParams,
        body: UpdateModelBody,
        response: { 200: ModelDetail, ...errorReplies },
      },
    },
    async (request) => detailView(await updateModel(deps, request.params.id, request.body, { actor: request.actor })),
  );

  app.get(
    '/api/models/:id/slots-preview',
    {
      schema: {
        tags: [tags.models],
        summary: 'The next free slots per account under the rules, or under a draft of their scheduling fields',
        params: IdParams,
        querystring: SlotsPreviewQuery,
        response: { 200: SlotsPreview, ...errorReplies },
      },
    },
    async (request) => {
      const { count, ...draft } = request.query;
      const preview = await previewSlots(db, request.params.id, draft, count ?? 10);
      return {
        ...preview,
        now: preview.now.toISOString(),
        accounts: preview.accounts.map((a) => ({ ...a, taken: a.taken.map((t) => t.toISOString()), slots: a.slots.map((s) => s.toISOString()) })),
      };
    },
  );

  app.post(
    '/api/models/:id/telegram-link',
    {
      schema: {
        tags: [tags.models],
        summary: 'A one-time code the model sends to the bot as /start CODE (replaces an unused one), with the t.me deep link and its QR code when a bot is configured',
        params: IdParams,
        body: TelegramLinkBody,
        response: { 201: TelegramLinkCode, ...errorReplies },
      },
    },
    async (request, reply) => {
      const { ttlHours } = request.body;
      const ttlMs = ttlHours !== undefined ? ttlHours * 3_600_000 : config.telegram.linkCodeTtlMs;
      return reply.code(201).send(await createTelegramLinkCode(db, request.params.id, { ttlMs, actor: request.actor, sessionSecret: config.sessionSecret, bot: config.telegram }));
    },
  );
};
