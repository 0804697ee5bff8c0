/**
 * Evergreen reposts and live-aware posting (issue 17): mark a content reusable, repost it, its family's results, the
 * analytics page's suggestions, and a model's "en vivo ahora" setting. Service errors map as everywhere (server.ts).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorReplies, IdParams } from '../../contracts/api/common.js';
import {
  LivePostingBody, LivePostingView, RepostBody, RepostCreated, RepostFamily, ReusableBody, ReusableReply, ReusableSuggestions, SuggestionsQuery,
} from '../../contracts/api/reposts.js';
import { contentReposts, getLivePosting, markReusable, repostContent, setLivePosting, suggestReusable } from '../../services/reposts.js';
import { tags } from '../route-docs.js';

export const repostRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAuth);
  const { db, temporal, config } = app.deps;
  const deps = { db, temporal, lifecycle: config.lifecycle, mediaDir: config.mediaDir, cooldownDays: config.streams.repostCooldownDays };

  app.post(
    '/api/contents/:id/reusable',
    {
      schema: {
        tags: [tags.contents],
        summary: 'Mark a published content reusable (offered for reposts, its video kept), or back to approved',
        description: '409 `not_published` without a published publication, `media_deleted` once retention deleted its video, `is_repost` for a repost (mark its origin).',
        params: IdParams,
        body: ReusableBody,
        response: { 200: ReusableReply, ...errorReplies },
      },
    },
    async (request) => markReusable(deps, request.params.id, request.body.reusable, request.actor),
  );

  app.post(
    '/api/contents/:id/reposts',
    {
      schema: {
        tags: [tags.contents],
        summary: 'Repost a reusable content: a new content linked to it, on the accounts out of cooldown, with a new caption draft',
        description:
          'The new content runs its own workflow from the start (ingest reuses the video, caption, approval as her rules say, schedule on ' +
          `its target accounts only). An account is in cooldown while the origin or a repost of it was published there within ` +
          '`REPOST_COOLDOWN_DAYS` or is still to go out; those are left out, and when none is left → 409 `cooldown` naming them. ' +
          '409 `not_reusable`, `origin_media_missing`, `accounts_unavailable`, `no_accounts`; 400 `unknown_accounts` for accounts not hers. ' +
          'Without `caption` a fresh draft is made from the origin\'s context; `{link}` in a caption becomes the post\'s tracking link.',
        params: IdParams,
        body: RepostBody,
        response: { 201: RepostCreated, ...errorReplies },
      },
    },
    async (request, reply) => reply.code(201).send(await repostContent(deps, request.params.id, {
      accountIds: request.body.accountIds, caption: request.body.caption, actor: request.actor,
    })),
  );

  app.get(
    '/api/contents/:id/reposts',
    {
      schema: {
        tags: [tags.contents],
        summary: 'The origin and its reposts with their publications\' results (views, likes, clicks) together, and each account\'s cooldown',
        params: IdParams,
        response: { 200: RepostFamily, ...errorReplies },
      },
    },
    async (request) => contentReposts(deps, request.params.id),
  );

  app.get(
    '/api/analytics/reusable-suggestions',
    {
      schema: {
        tags: [tags.analytics],
        summary: 'Published contents with the best clicks and views not marked reusable yet (candidates for evergreen reposts)',
        querystring: SuggestionsQuery,
        response: { 200: ReusableSuggestions, ...errorReplies },
      },
    },
    async (request) => suggestReusable(deps, request.query),
  );

  app.get(
    '/api/models/:id/live-posting',
    {
      schema: {
        tags: [tags.models],
        summary: 'Her live-aware posting setting ("en vivo ahora" post when a session starts), with the clips and accounts it may use',
        params: IdParams,
        response: { 200: LivePostingView, ...errorReplies },
      },
    },
    async (request) => getLivePosting(deps, request.params.id),
  );

  app.put(
    '/api/models/:id/live-posting',
    {
      schema: {
        tags: [tags.models],
        summary: 'Set her live-aware posting: the clip (hers, reusable or published), the accounts (hers) and the caption (`{link}` allowed)',
        description: 'A wrong field → 400 `invalid_live_posting` naming it. At most one post per session, through the normal content workflow. Records `model_updated`.',
        params: IdParams,
        body: LivePostingBody,
        response: { 200: LivePostingView, ...errorReplies },
      },
    },
    async (request) => setLivePosting(deps, request.params.id, request.body, request.actor),
  );
};
