/**
 * Platform accounts: pause and resume (resuming releases the publications held while the account was
 * paused), session linking (import a session file, log in with credentials), on-demand session checks
 * and the account's browser profile (locale, time zone, viewport, proxy).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AccountList, AccountStatusChange, BrowserProfileBody, BrowserProfileView, LoginBody, PauseBody, SessionCheckResult,
  SessionFileUpload, SessionImportResult,
} from '../../contracts/api/accounts.js';
import { errorReplies, IdParams } from '../../contracts/api/common.js';
import { accountOverview, setBrowserProfile } from '../../services/accounts.js';
import { pauseAccount, resumeAccount } from '../../services/publications.js';
import { checkAccountSession, importAccountSession, loginAccount } from '../../services/sessions.js';
import { documentedOnly, tags } from '../route-docs.js';
import { ApiError } from '../views.js';

/** Session files are small (a few hundred cookies at most); anything bigger is not one. */
const maxSessionFileBytes = 2 * 1024 * 1024;

export const accountRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAuth);
  const { db, temporal, config } = app.deps;
  const deps = { db, temporal, lifecycle: config.lifecycle };
  const sessionDeps = { db, temporal, encryptionKey: config.encryptionKey, lifecycle: config.lifecycle };

  app.get(
    '/api/accounts',
    {
      schema: {
        tags: [tags.accounts],
        summary: 'Every account with model, platform, status, last session check, last login and browser profile (never the session)',
        response: { 200: AccountList, '4xx': errorReplies['4xx'] },
      },
    },
    async () => ({ items: await accountOverview(sessionDeps) }),
  );

  app.post(
    '/api/accounts/:id/pause',
    {
      schema: {
        tags: [tags.accounts], summary: 'Pause: its publications are held when their time comes',
        params: IdParams, body: PauseBody, response: { 200: AccountStatusChange, '4xx': errorReplies['4xx'] },
      },
    },
    async (request) => pauseAccount(deps, request.params.id, { actor: request.actor, reason: request.body.reason }),
  );
  app.post(
    '/api/accounts/:id/resume',
    {
      schema: {
        tags: [tags.accounts], summary: 'Resume: releases the publications held while paused',
        params: IdParams, response: { 200: AccountStatusChange, ...errorReplies },
      },
    },
    async (request) => resumeAccount(deps, request.params.id, { actor: request.actor }),
  );

  // The session file: multipart field "file" (what the dashboard sends), or the raw file as the body.
  app.addContentTypeParser(['text/plain'], { parseAs: 'string', bodyLimit: maxSessionFileBytes }, (_request, body, done) => done(null, body));
  app.post(
    '/api/accounts/:id/session',
    {
      bodyLimit: maxSessionFileBytes,
      config: documentedOnly({ body: SessionFileUpload }),
      schema: {
        tags: [tags.accounts],
        summary: 'Link a saved session from a file, then check it at once',
        description:
          'multipart field `file` (or the file as the raw body): a Playwright storageState JSON, a cookie export or cookies.txt. ' +
          'Stored encrypted. A file that is no session → 400 `session_*` naming why, and the stored session stays.',
        params: IdParams,
        consumes: ['multipart/form-data', 'application/json', 'text/plain'],
        response: { 200: SessionImportResult, ...errorReplies },
      },
    },
    async (request) => {
      const { id } = request.params;
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

  app.put(
    '/api/accounts/:id/browser-profile',
    {
      schema: {
        tags: [tags.accounts],
        summary: 'Set how the account’s browser presents itself (locale, time zone, viewport, user agent, proxy)',
        description: 'Replaces the profile; `proxy` left out keeps it, null removes it. The proxy is stored encrypted and answered as scheme + host only.',
        params: IdParams,
        body: BrowserProfileBody,
        response: { 200: BrowserProfileView, '4xx': errorReplies['4xx'] },
      },
    },
    async (request) => setBrowserProfile(sessionDeps, request.params.id, { ...request.body, actor: request.actor }),
  );

  app.post(
    '/api/accounts/:id/check',
    {
      schema: {
        tags: [tags.accounts],
        summary: 'Check the saved session now',
        description: 'logged out / challenge marks the account session_expired and holds its publications; 409 `no_session` without a saved session.',
        params: IdParams,
        response: { 200: SessionCheckResult, ...errorReplies },
      },
    },
    async (request) => checkAccountSession(sessionDeps, request.params.id, { actor: request.actor }),
  );

  app.post(
    '/api/accounts/:id/login',
    {
      schema: {
        tags: [tags.accounts],
        summary: 'Log in with a password where the driver can; only the resulting session is stored',
        params: IdParams,
        body: LoginBody,
        response: { 200: SessionCheckResult, ...errorReplies },
      },
    },
    async (request) => loginAccount(sessionDeps, request.params.id, { ...request.body, actor: request.actor }),
  );
};
