/**
 * Platform accounts: pause and resume (resuming releases the publications held while the account was
 * paused), session linking (import a session file, log in with credentials), on-demand session checks
 * and the account's browser profile (locale, time zone, viewport, proxy).
 */
import { Type } from '@sinclair/typebox';
import type { Client } from '@temporalio/client';
import type { FastifyPluginAsync } from 'fastify';
import type { AppConfig } from '../../config.js';
import type { Db } from '../../db/client.js';
import { pauseAccount, resumeAccount } from '../../services/publications.js';
import { accountOverview, setBrowserProfile, type BrowserProfileInput } from '../../services/accounts.js';
import { checkAccountSession, importAccountSession, loginAccount } from '../../services/sessions.js';
import { ApiError, ErrorBody } from '../views.js';

/** Session files are small (a few hundred cookies at most); anything bigger is not one. */
const maxSessionFileBytes = 2 * 1024 * 1024;

export const accountRoutes: FastifyPluginAsync<{ db: Db; temporal: Client; config: AppConfig }> = async (app, { db, temporal, config }) => {
  app.addHook('onRequest', app.requireAuth);
  const deps = { db, temporal, lifecycle: config.lifecycle };
  const sessionDeps = { db, temporal, encryptionKey: config.encryptionKey };
  const params = Type.Object({ id: Type.String({ format: 'uuid' }) });

  const nullableString = Type.Union([Type.String(), Type.Null()]);
  app.get(
    '/api/accounts',
    {
      schema: {
        response: {
          200: Type.Object({
            items: Type.Array(Type.Object({
              id: Type.String(), modelId: Type.String(), modelName: Type.String(), platformName: Type.String(), username: Type.String(),
              status: Type.String(), sessionSaved: Type.Boolean(), lastSessionState: nullableString, lastSessionCheckAt: nullableString,
              lastAuthenticatedAt: nullableString, browserProfile: Type.Record(Type.String(), Type.Unknown()),
            })),
          }),
        },
      },
    },
    async () => ({ items: await accountOverview(sessionDeps) }),
  );

  const accountReply = Type.Object({ accountId: Type.String(), held: Type.Optional(Type.Array(Type.String())), released: Type.Optional(Type.Array(Type.String())) });
  app.post(
    '/api/accounts/:id/pause',
    { schema: { params, body: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }), response: { 200: accountReply, '4xx': ErrorBody } } },
    async (request) => {
      const { id } = request.params as { id: string };
      return pauseAccount(deps, id, { actor: request.actor, reason: (request.body as { reason?: string }).reason });
    },
  );
  app.post('/api/accounts/:id/resume', { schema: { params, response: { 200: accountReply, '4xx': ErrorBody, '5xx': ErrorBody } } }, async (request) => {
    const { id } = request.params as { id: string };
    return resumeAccount(deps, id, { actor: request.actor });
  });

  const checkReply = Type.Object({
    accountId: Type.String(),
    state: Type.Union([Type.Literal('logged_in'), Type.Literal('logged_out'), Type.Literal('challenge'), Type.Literal('unknown'), Type.Literal('pending')]),
    status: Type.Optional(Type.String()),
    workflowId: Type.Optional(Type.String()),
  });

  // The session file: multipart field "file" (what the dashboard sends), or the raw file as the body.
  app.addContentTypeParser(['text/plain'], { parseAs: 'string', bodyLimit: maxSessionFileBytes }, (_request, body, done) => done(null, body));
  app.post(
    '/api/accounts/:id/session',
    {
      bodyLimit: maxSessionFileBytes,
      schema: {
        params,
        consumes: ['multipart/form-data', 'application/json', 'text/plain'],
        response: {
          200: Type.Object({
            accountId: Type.String(),
            imported: Type.Object({ format: Type.String(), cookieCount: Type.Integer(), warnings: Type.Array(Type.String()) }),
            check: Type.Union([checkReply, Type.Null()]),
            checkError: Type.Optional(Type.String()),
          }),
          '4xx': ErrorBody,
          '5xx': ErrorBody,
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      let fileText: string | undefined;
      let fileName: string | undefined;
      if (request.isMultipart()) {
        try {
          for await (const part of request.parts({ limits: { fileSize: maxSessionFileBytes, files: 1 } })) {
            if (part.type !== 'file') continue;
            if (part.fieldname !== 'file') {
              part.file.resume();
              throw new ApiError(400, 'unexpected_file', `unexpected file field "${part.fieldname}"; send the session file as "file"`);
            }
            fileName = part.filename;
            fileText = (await part.toBuffer()).toString('utf8');
          }
        } catch (error) {
          if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw new ApiError(413, 'file_too_large', 'a session file is at most 2 MB');
          throw error;
        }
      } else if (typeof request.body === 'string') {
        fileText = request.body;
      } else if (request.body && typeof request.body === 'object' && Object.keys(request.body).length > 0) {
        fileText = JSON.stringify(request.body);
      }
      if (fileText === undefined) throw new ApiError(400, 'missing_file', 'send the session file as multipart field "file" (storageState JSON, cookie JSON export or cookies.txt)');
      return importAccountSession(sessionDeps, id, { fileText, fileName, actor: request.actor });
    },
  );

  const profileFields = {
    locale: Type.Optional(Type.String({ minLength: 2, maxLength: 35 })),
    timezoneId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    viewport: Type.Optional(Type.Object({ width: Type.Integer({ minimum: 320, maximum: 3840 }), height: Type.Integer({ minimum: 320, maximum: 3840 }) }, { additionalProperties: false })),
    userAgent: Type.Optional(Type.String({ minLength: 10, maxLength: 500 })),
  };
  app.put(
    '/api/accounts/:id/browser-profile',
    {
      schema: {
        params,
        body: Type.Object({ ...profileFields, proxy: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 2000 })])) }, { additionalProperties: false }),
        response: { 200: Type.Object({ ...profileFields, proxy: Type.Union([Type.String(), Type.Null()]) }), '4xx': ErrorBody },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      return setBrowserProfile(sessionDeps, id, { ...(request.body as BrowserProfileInput), actor: request.actor });
    },
  );

  app.post('/api/accounts/:id/check', { schema: { params, response: { 200: checkReply, '4xx': ErrorBody, '5xx': ErrorBody } } }, async (request) => {
    const { id } = request.params as { id: string };
    return checkAccountSession(sessionDeps, id, { actor: request.actor });
  });

  app.post(
    '/api/accounts/:id/login',
    {
      schema: {
        params,
        body: Type.Object({ username: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), password: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }),
        response: { 200: checkReply, '4xx': ErrorBody, '5xx': ErrorBody },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const body = request.body as { username?: string; password: string };
      return loginAccount(sessionDeps, id, { ...body, actor: request.actor });
    },
  );
};
