/**
 * Named API tokens: create (the token is in this answer only; the server keeps its SHA-256), list (never the
 * values) and revoke (the next request with it gets 401). Requests with a named token act under its name.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorReplies, IdParams } from '../../contracts/api/common.js';
import { TokenCreate, TokenCreated, TokenList, TokenListQuery, TokenView } from '../../contracts/api/tokens.js';
import type { ApiToken } from '../../db/schema.js';
import { createApiToken, listApiTokenPage, revokeApiTokenById } from '../../services/auth.js';
import { tags } from '../route-docs.js';

const iso = (date: Date | null) => date?.toISOString() ?? null;

function tokenView(token: ApiToken): TokenView {
  return { id: token.id, name: token.name, createdAt: token.createdAt.toISOString(), lastUsedAt: iso(token.lastUsedAt), revokedAt: iso(token.revokedAt) };
}

export const tokenRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAuth);
  const { db } = app.deps;

  app.post(
    '/api/tokens',
    {
      schema: {
        tags: [tags.tokens],
        summary: 'Create a named API token; the answer is the only time the token is shown',
        description: 'Use it as `Authorization: Bearer <token>`; events it causes name it as their actor. 409 while an active token has the name.',
        body: TokenCreate,
        response: { 201: TokenCreated, ...errorReplies },
      },
    },
    async (request, reply) => {
      const { token, row } = await createApiToken({ db }, request.body.name, request.actor);
      return reply.code(201).send({ id: row.id, name: row.name, token, createdAt: row.createdAt.toISOString() });
    },
  );

  app.get(
    '/api/tokens',
    {
      schema: {
        tags: [tags.tokens],
        summary: 'Every named token (revoked ones too), newest first, without its value',
        querystring: TokenListQuery,
        response: { 200: TokenList, ...errorReplies },
      },
    },
    async (request) => {
      const page = await listApiTokenPage({ db }, request.query);
      return { items: page.items.map(tokenView), nextCursor: page.nextCursor };
    },
  );

  app.delete(
    '/api/tokens/:id',
    {
      schema: {
        tags: [tags.tokens],
        summary: 'Revoke a named token: the next request with it gets 401',
        description: 'Answers the token with its `revokedAt`; revoking one already revoked changes nothing.',
        params: IdParams,
        response: { 200: TokenView, ...errorReplies },
      },
    },
    async (request) => tokenView(await revokeApiTokenById({ db }, request.params.id, request.actor)),
  );
};
