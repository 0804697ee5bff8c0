/**
 * Auto-moderation rules: list, create, edit, delete (each change a `moderation_rule_changed` event with its actor),
 * and the server's check of a caption draft against a platform's limits and the rules that apply.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errorReplies, IdParams } from '../../contracts/api/common.js';
import {
  MODERATION_RULE_LIMIT, ModerationCheckBody, ModerationCheckResult, ModerationRule, ModerationRuleCreateBody, ModerationRuleList,
  ModerationRuleListQuery, ModerationRulePatchBody,
} from '../../contracts/api/moderation.js';
import { checkDraft, createRule, deleteRule, listRules, updateRule } from '../../services/moderation.js';
import { tags } from '../route-docs.js';

export const moderationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAuth);
  const { db } = app.deps;

  app.get(
    '/api/moderation-rules',
    {
      schema: {
        tags: [tags.moderation],
        summary: 'Every moderation rule: studio-wide first, then per platform, then per model',
        description: '`modelId` / `platformId` keep the rules that can apply to that model / platform: its own and those for every one.',
        querystring: ModerationRuleListQuery,
        response: { 200: ModerationRuleList, ...errorReplies },
      },
    },
    async (request) => listRules(db, request.query),
  );

  app.post(
    '/api/moderation-rules',
    {
      schema: {
        tags: [tags.moderation],
        summary: 'Create a moderation rule (for every platform / model unless `platformId` / `modelId` say one)',
        description:
          'The value is checked for its kind (400 `invalid_rule` with `fields.value`: an expression that does not compile or could hang ' +
          `the server, a maximum that is no whole number…); 404 \`unknown_platform\` / \`unknown_model\` naming the field; 409 \`too_many_rules\` ` +
          `past ${MODERATION_RULE_LIMIT} rules. Records \`moderation_rule_changed\` with the actor.`,
        body: ModerationRuleCreateBody,
        response: { 201: ModerationRule, ...errorReplies },
      },
    },
    async (request, reply) => reply.code(201).send(await createRule({ db }, { ...request.body, actor: request.actor })),
  );

  app.post(
    '/api/moderation-rules/check',
    {
      schema: {
        tags: [tags.moderation],
        summary: 'Check a caption draft of a model on a platform: its limits and the active rules that apply there',
        description:
          'The platform\'s effective capabilities (characters once the tracking link and marker are reserved, hashtags, links) and the ' +
          'model\'s active rules for that platform. Limits are never overridable; rule violations are, at approval. 404 naming `modelId` / `platform`.',
        body: ModerationCheckBody,
        response: { 200: ModerationCheckResult, ...errorReplies },
      },
    },
    async (request) => checkDraft(db, request.body),
  );

  app.patch(
    '/api/moderation-rules/:id',
    {
      schema: {
        tags: [tags.moderation],
        summary: 'Edit a moderation rule: fields given replace those fields (validated as on create)',
        description: '`active: false` keeps the rule but checks nothing with it; `platformId` / `modelId` null = every platform / model.',
        params: IdParams,
        body: ModerationRulePatchBody,
        response: { 200: ModerationRule, ...errorReplies },
      },
    },
    async (request) => updateRule({ db }, request.params.id, { ...request.body, actor: request.actor }),
  );

  app.delete(
    '/api/moderation-rules/:id',
    {
      schema: {
        tags: [tags.moderation],
        summary: 'Delete a moderation rule',
        description: 'Records `moderation_rule_changed` (`deleted`, with what the rule said) with the actor.',
        params: IdParams,
        response: { 204: Type.Null({ description: 'deleted' }), ...errorReplies },
      },
    },
    async (request, reply) => {
      await deleteRule({ db }, request.params.id, { actor: request.actor });
      return reply.code(204).send(null);
    },
  );
};
