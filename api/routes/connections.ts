/**
 * Connecting accounts of official-API platforms (services/connections.ts): a credentials body, or OAuth 2.0 with
 * PKCE — `GET /api/accounts/:id/connect` sends the admin to the provider, which sends her back to
 * `GET /oauth/callback/:platform`. Both OAuth legs run inside the admin's session (the provider's redirect is a
 * top-level navigation, so the SameSite=Lax session cookie comes along); the signed state binds the callback to
 * the account the connection started from.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CredentialsBody, OAuthCallbackQuery, SessionCheckResult } from '../../contracts/api/accounts.js';
import { errorReplies, IdParams } from '../../contracts/api/common.js';
import { platformDrivers } from '../../contracts/drivers.js';
import { connectUrl, connectWithCredentials, finishOAuth } from '../../services/connections.js';
import { ServiceError } from '../../services/errors.js';
import { tags } from '../route-docs.js';

const Redirect = Type.Null({ description: 'a redirect (Location header)' });

export const connectionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAuth);
  const { db, temporal, config } = app.deps;
  const deps = { db, temporal, config, keyring: config.keyring, lifecycle: config.lifecycle };

  app.post(
    '/api/accounts/:id/credentials',
    {
      schema: {
        tags: [tags.accounts],
        summary: 'Connect an official-API account with its credentials, checked at once; only tokens are stored (encrypted)',
        description:
          'Bluesky `{ identifier, appPassword }`, Telegram channel `{ chatId }`, X / Reddit `{ accessToken, refreshToken?, expiresAt? }`, YouTube / TikTok `{ refreshToken }`, ' +
          'Instagram `{ accessToken, igUserId?, expiresAt? }`. ' +
          'A refusal is a 400 `credentials_rejected` whose `fields` names what to fix; a connection releases publications held by an expired session.',
        params: IdParams,
        body: CredentialsBody,
        response: { 200: SessionCheckResult, ...errorReplies },
      },
    },
    async (request) => connectWithCredentials(deps, request.params.id, { body: request.body, actor: request.actor }),
  );

  app.get(
    '/api/accounts/:id/connect',
    {
      schema: {
        tags: [tags.accounts],
        summary: 'Start connecting an X or Reddit account: redirects to the provider (OAuth 2.0 authorization code + PKCE)',
        description: 'The `state` is encrypted and authenticated with the app key and expires after 10 minutes. 409 `oauth_not_configured` without the app’s client id.',
        params: IdParams,
        response: { 302: Redirect, ...errorReplies },
      },
    },
    async (request, reply) => {
      try {
        return reply.redirect(await connectUrl(deps, request.params.id, { actor: request.actor }), 302);
      } catch (error) {
        // The dashboard's "Conectar" is a top-level navigation: send the admin back to the page with the reason, not to a JSON page.
        if (!(error instanceof ServiceError) || error.kind === 'unavailable' || !request.headers.accept?.includes('text/html')) throw error;
        return reply.redirect(`/accounts?connectError=${encodeURIComponent(error.code)}`, 302);
      }
    },
  );

  app.get(
    '/oauth/callback/:platform',
    {
      schema: {
        tags: [tags.accounts],
        summary: 'Where the provider sends the admin back; exchanges the code and returns to the accounts page',
        description: 'Redirects to `/accounts?connected=<accountId>`, or `/accounts?connectError=<code>` when the provider refused or the state is wrong.',
        params: Type.Object({ platform: Type.Union(platformDrivers.map((d) => Type.Literal(d))) }),
        querystring: OAuthCallbackQuery,
        response: { 302: Redirect, ...errorReplies },
      },
    },
    async (request, reply) => {
      try {
        const { accountId } = await finishOAuth(deps, request.params.platform, request.query);
        return reply.redirect(`/accounts?connected=${encodeURIComponent(accountId)}`, 302);
      } catch (error) {
        if (!(error instanceof ServiceError) || error.kind === 'unavailable') throw error;
        request.log.warn({ code: error.code }, 'OAuth connection refused');
        return reply.redirect(`/accounts?connectError=${encodeURIComponent(error.code)}`, 302);
      }
    },
  );
};
