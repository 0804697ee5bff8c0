/**
 * End-to-end helpers for official-API platforms: a model that publishes at once, an account on the platform
 * created and connected through the API (as the dashboard does), and a video followed from POST /api/contents
 * to its publication's end. The test file starts the platform's fake and points the stack at it through `env`.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { findAccountWithPlatform } from '../../db/accounts.js';
import { eventsOf } from '../../db/events.js';
import { findPublication, publicationsOfContent } from '../../db/publications.js';
import { makeTestVideo } from './media.js';
import { uploadVideo, type TestStack } from './stack.js';
import { waitFor } from './wait.js';

type Stack = Pick<TestStack, 'url' | 'apiToken' | 'app' | 'dataDir'>;

export async function api<T = Record<string, unknown>>(stack: Stack, method: string, path: string, body?: unknown): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    redirect: 'manual',
    headers: { authorization: `Bearer ${stack.apiToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T, headers: response.headers };
}

export async function platformIdOf(stack: Stack, name: string): Promise<string> {
  const { body } = await api<{ items: { id: string; name: string }[] }>(stack, 'GET', '/api/platforms?limit=100');
  const found = body.items.find((p) => p.name === name);
  if (!found) throw new Error(`platform ${name} is not registered (got ${body.items.map((p) => p.name).join(', ')})`);
  return found.id;
}

/** A model that posts as soon as possible to `platform` only, and an account of hers there (not yet connected). */
export async function createApiAccount(
  stack: Stack, platform: string, opts: { username?: string; sensitive?: boolean; publishSettings?: Record<string, unknown> } = {},
): Promise<{ modelId: string; accountId: string; username: string }> {
  const run = randomBytes(3).toString('hex');
  const model = await api<{ id: string }>(stack, 'POST', '/api/models', {
    name: `${platform} ${run}`,
    distribution: { slots: [], minSpacingMinutes: 0, maxPostsPerDay: 500, approvalRequired: false, allowedPlatforms: [platform], hashtags: ['envivo'] },
  });
  if (model.status !== 201) throw new Error(`model not created: ${model.status} ${JSON.stringify(model.body)}`);
  if (opts.sensitive) await api(stack, 'PATCH', `/api/models/${model.body.id}`, { sensitive: true });
  const username = opts.username ?? `cuenta_${run}`;
  const account = await api<{ id: string }>(stack, 'POST', '/api/accounts', {
    modelId: model.body.id, platformId: await platformIdOf(stack, platform), username,
  });
  if (account.status !== 201) throw new Error(`account not created: ${account.status} ${JSON.stringify(account.body)}`);
  if (opts.publishSettings) {
    const patched = await api(stack, 'PATCH', `/api/accounts/${account.body.id}`, { publishSettings: opts.publishSettings });
    if (patched.status !== 200) throw new Error(`publish settings refused: ${patched.status} ${JSON.stringify(patched.body)}`);
  }
  return { modelId: model.body.id, accountId: account.body.id, username };
}

/**
 * OAuth round trip as the admin's browser makes it: GET /api/accounts/:id/connect → the provider's authorize URL;
 * `approve` plays the provider's consent page and returns where it redirects; the callback is then followed.
 */
export async function connectWithOAuth(stack: Stack, accountId: string, approve: (authorizeUrl: string) => Promise<string> | string) {
  const start = await api(stack, 'GET', `/api/accounts/${accountId}/connect`);
  if (start.status !== 302) throw new Error(`connect did not redirect: ${start.status} ${JSON.stringify(start.body)}`);
  const authorizeUrl = start.headers.get('location')!;
  const callback = new URL(await approve(authorizeUrl));
  const back = await api(stack, 'GET', `${callback.pathname}${callback.search}`);
  return { authorizeUrl, callbackStatus: back.status, location: back.headers.get('location') };
}

/** Sends a fresh test clip for the model and waits until its one publication ends (published, failed, held, unconfirmed). */
export async function publishClip(stack: Stack, modelId: string, context = 'Esta noche en vivo') {
  const video = readFileSync(await makeTestVideo(join(stack.dataDir, `clip-${randomBytes(3).toString('hex')}.mp4`), { seconds: 2, width: 360, height: 640 }));
  const created = await uploadVideo(stack, { modelId, context, file: { data: video, name: 'clip.mp4' } });
  if (created.status !== 202) throw new Error(`upload refused: ${created.status} ${JSON.stringify(created.body)}`);
  const contentId = created.body.id as string;
  const db = stack.app.db.db;
  const publicationId = await waitFor(async () => (await publicationsOfContent(db, contentId))[0]?.id, { what: 'the publication', timeoutMs: 60_000 });
  return { contentId, publicationId };
}

export async function waitForStatus(stack: Stack, publicationId: string, statuses: string[], timeoutMs = 90_000) {
  return waitFor(async () => {
    const publication = await findPublication(stack.app.db.db, publicationId);
    return publication && statuses.includes(publication.status) ? publication : undefined;
  }, { what: `publication ${publicationId} to be ${statuses.join(' or ')}`, timeoutMs });
}

/** The stored metrics rows of a publication (waits for at least one). */
export async function waitForMetrics(stack: Stack, publicationId: string) {
  return waitFor(async () => {
    const events = await eventsOf(stack.app.db.db, { publicationId });
    const read = events.filter((e) => e.type === 'metrics_read');
    return read.length > 0 ? read : undefined;
  }, { what: 'a metrics read', timeoutMs: 60_000 });
}

export async function alertsOf(stack: Stack, accountId: string) {
  return (await eventsOf(stack.app.db.db, { accountId })).filter((e) => e.type === 'alert');
}

/**
 * One publication out now, two more waiting for their slots an hour apart: the setting in which an account error
 * must hold what waits (and a reconnection release it). Returns the three publications.
 */
export async function oneOutTwoWaiting(stack: Stack, modelId: string) {
  const spaced = await api(stack, 'PATCH', `/api/models/${modelId}`, { distribution: { minSpacingMinutes: 60 } });
  if (spaced.status !== 200) throw new Error(`spacing refused: ${spaced.status} ${JSON.stringify(spaced.body)}`);
  const posted = await publishClip(stack, modelId, 'primera');
  const first = await waitForStatus(stack, posted.publicationId, ['published', 'failed', 'unconfirmed']);
  if (first.status !== 'published') throw new Error(`the first publication ended ${first.status}: ${first.lastError}`);
  const next = await publishClip(stack, modelId, 'segunda');
  const later = await publishClip(stack, modelId, 'tercera');
  await waitForStatus(stack, next.publicationId, ['scheduled']);
  await waitForStatus(stack, later.publicationId, ['scheduled']);
  return { posted, next, later };
}

/** After POST …/retry: waits until the publication's second (or later) attempt has ended, whatever its outcome. */
export async function waitForRetryToEnd(stack: Stack, publicationId: string) {
  return waitFor(async () => {
    const p = await findPublication(stack.app.db.db, publicationId);
    return p && p.attempts >= 2 && ['published', 'failed', 'unconfirmed'].includes(p.status) ? p : undefined;
  }, { what: 'the retried publication to end', timeoutMs: 90_000 });
}

/** A revoked grant's effects: the account `session_expired`, its waiting publication held, an `account_paused` alert naming SessionExpired. */
export async function expectHeldUntilReconnected(stack: Stack, accountId: string, waitingPublicationId: string) {
  expect((await findAccountWithPlatform(stack.app.db.db, accountId))!.account.status).toBe('session_expired');
  expect((await waitForStatus(stack, waitingPublicationId, ['held'])).status).toBe('held');
  const alerts = (await alertsOf(stack, accountId)).map((e) => e.data as { kind: string; errorType?: string });
  expect(alerts).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'account_paused', errorType: 'SessionExpired' })]));
}

/** Connecting again by OAuth: back to the accounts page, the account active, its waiting publication scheduled again. */
export async function reconnectReleases(stack: Stack, accountId: string, waitingPublicationId: string, approve: (authorizeUrl: string) => Promise<string> | string) {
  const round = await connectWithOAuth(stack, accountId, approve);
  expect(round.location).toBe(`/accounts?connected=${encodeURIComponent(accountId)}`);
  expect((await findAccountWithPlatform(stack.app.db.db, accountId))!.account.status).toBe('active');
  expect((await waitForStatus(stack, waitingPublicationId, ['scheduled'])).status).toBe('scheduled');
}

/** A person's retry (the API's) of a failed publication, which must end published. */
export async function retryPublishes(stack: Stack, publicationId: string) {
  expect(await api(stack, 'POST', `/api/publications/${publicationId}/retry`)).toMatchObject({ status: 202 });
  const retried = await waitForRetryToEnd(stack, publicationId);
  expect(retried.status, retried.lastError ?? '').toBe('published');
  return retried;
}
