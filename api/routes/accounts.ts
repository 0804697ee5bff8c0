/**
 * Platform accounts: the list (grouped by model, keyset-paged, with session health), create, edit, deactivate /
 * reactivate, delete (only without publications, else deactivate), pause and resume (resuming releases the
 * publications held while the account was paused), session linking (import a session file, log in with
 * credentials), on-demand session checks and the account's browser profile (locale, time zone, viewport, proxy).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  Account, AccountCreateBody, AccountDeleteResult, AccountList, AccountListQuery, AccountPatchBody, AccountStatusChange, AccountUpdate,
  BrowserProfileBody, BrowserProfileView, LoginBody, PauseBody, SessionCheckResult, SessionFileUpload, SessionImportResult, TrackingLinkIssued,
} from '../../contracts/api/accounts.js';
import { errorReplies, IdParams } from '../../contracts/api/common.js';
import { createAccount, deleteAccount, listAccounts, issueTrackingLink, setBrowserProfile, updateAccount } from '../../services/accounts.js';
import { pauseAccount, resumeAccount } from '../../services/publications.js';
import { checkAccountSession, importAccountSession, loginAccount } from '../../services/sessions.js';
import { documentedOnly, tags } from '../route-docs.js';
import { assertWholeField, multipartLimitError, multipartLimits } from '../multipart.js';
import { ApiError } from '../views.js';

/** Session files are small (a few hundred cookies at most); anything bigger is not one. */
const maxSessionFileBytes = 2 * 1024 * 1024;

export const accountRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAuth);
  const { db, temporal, config } = app.deps;
  const deps = { db, temporal, lifecycle: config.lifecycle };
  const sessionDeps = { db, temporal, keyring: config.keyring, lifecycle: config.lifecycle, platformApis: config.platformApis,
    publicUrl: config.http.publicUrl, log: app.log,
  };

  app.get(
    '/api/accounts',
    {
      schema: {
        tags: [tags.accounts],
        summary: 'Accounts with model, platform, status, links, publication count, session health and browser profile (never the session)',
        description:
          'Ordered by model name, platform, username; keyset-paged (`cursor` = the `nextCursor` of the page before). `q` searches the ' +
          'username, model and platform names. `summary` counts every account matching the filters but `health` (all pages) by session health.',
        querystring: AccountListQuery,
        response: { 200: AccountList, ...errorReplies },
      },
    },
    async (request) => listAccounts(sessionDeps, request.query),
  );

  app.post(
    '/api/accounts',
    {
      schema: {
        tags: [tags.accounts],
        summary: 'Create an account of a model on a platform (link its session afterwards)',
        description:
          '`username` is trimmed and loses a leading @; URLs must be http(s). 404 `unknown_model` / `unknown_platform`, ' +
          '409 `duplicate_account` when the platform already has that username (case ignored).',
        body: AccountCreateBody,
        response: { 201: Account, ...errorReplies },
      },
    },
    async (request, reply) => reply.code(201).send(await createAccount(sessionDeps, { ...request.body, actor: request.actor })),
  );

  app.patch(
    '/api/accounts/:id',
    {
      schema: {
        tags: [tags.accounts],
        summary: 'Edit an account: username, links, deactivate (`disabled`) or reactivate (`active`)',
        description:
          'Fields left out stay; null clears a URL. `disabled` holds its scheduled publications; `active` releases its held ones whose ' +
          'model is not paused and platform active, like resume. Answers the account with `held` / `released` ids.',
        params: IdParams,
        body: AccountPatchBody,
        response: { 200: AccountUpdate, ...errorReplies },
      },
    },
    async (request) => updateAccount(sessionDeps, request.params.id, { ...request.body, actor: request.actor }),
  );

  app.post(
    '/api/accounts/:id/tracking-link',
    {
      schema: {
        tags: [tags.accounts],
        summary: 'Issue a new tracking link for the account (the old codes keep redirecting and counting)',
        description:
          'The account’s `trackingUrl` becomes `PUBLIC_URL/t/<new code>`; publications scheduled from now on carry it. Posts already out ' +
          'keep their links: every earlier code still redirects to this account and its clicks still count here.',
        params: IdParams,
        response: { 200: TrackingLinkIssued, ...errorReplies },
      },
    },
    async (request) => issueTrackingLink(sessionDeps, request.params.id, request.actor),
  );

  app.delete(
    '/api/accounts/:id',
    {
      schema: {
        tags: [tags.accounts],
        summary: 'Delete an account without publications; one with publications is deactivated instead',
        params: IdParams,
        response: { 200: AccountDeleteResult, ...errorReplies },
      },
    },
    async (request) => deleteAccount(sessionDeps, request.params.id, { actor: request.actor }),
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
          for await (const part of request.parts({ limits: { ...multipartLimits, fileSize: maxSessionFileBytes } })) {
            if (part.type !== 'file') {
              assertWholeField(part);
              continue;
            }
            if (part.fieldname !== 'file') {
              part.file.resume();
              throw new ApiError(400, 'unexpected_file', `unexpected file field "${part.fieldname}"; send the session file as "file"`);
            }
            fileName = part.filename;
            fileText = (await part.toBuffer()).toString('utf8');
          }
        } catch (error) {
          if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw new ApiError(413, 'file_too_large', 'a session file is at most 2 MB');
          throw multipartLimitError(error);
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
