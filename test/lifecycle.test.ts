/**
 * The durable lifecycle against the real stack (PostgreSQL, Temporal dev server, Chromium, demo platform):
 * approval wait / reject / caption edit / reminders, the publication controls, account errors that pause
 * the account and hold its publications, and metrics polling across continueAsNew.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DistributionRules } from '../core/types.js';
import { encryptJson, secretBindings } from '../crypto/secrets.js';
import { findAccountWithPlatform } from '../db/accounts.js';
import { eventsOf } from '../db/events.js';
import { metricsOfPublication } from '../db/publications.js';
import { platformAccounts, publications } from '../db/schema.js';
import {
  postJson, publicationOf, setModelRules, slotFarAway, uploadClip, type PublicationJson,
} from './helpers/lifecycle.js';
import { getJson, startTestStack, type TestStack } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ embedded: false });
});
afterAll(async () => stack?.close());

const db = () => stack.app.db.db;

const setRules = (patch: Partial<DistributionRules> = {}) => setModelRules(stack, patch);

beforeEach(async () => {
  // A test that failed half-way must not leave demo faults armed for the next one.
  await fetch(`${stack.demo.url}/__admin/faults`, { method: 'DELETE' });
  await setRules({});
  await db().update(platformAccounts).set({ status: 'active' }).where(eq(platformAccounts.id, stack.seeded.accountId));
});

const post = (path: string, body?: unknown) => postJson(stack, path, body);

async function upload(context: string): Promise<string> {
  const created = await uploadClip(stack, context);
  expect(created.status).toBe(202);
  return created.body.id as string;
}

const content = (id: string) => getJson<Record<string, any>>(stack, `/api/contents/${id}`);

/** Published, and its workflow closed: the closing metrics read saves the account's session back, which must not race the next test. */
async function publishedAndSettled(contentId: string) {
  const publication = await publicationOf(stack, contentId, ['published']);
  await stack.app.temporal.workflow.getHandle(publication.workflowId).result();
  return publication;
}

async function waitForEvent(filter: Parameters<typeof eventsOf>[1], type: string) {
  return waitFor(async () => (await eventsOf(db(), filter)).find((e) => e.type === type), { what: `a ${type} event`, timeoutMs: 60_000 });
}

async function demoPostsWith(marker: string) {
  const { posts } = (await (await fetch(`${stack.demo.url}/__admin/posts`)).json()) as { posts: { id: string; caption: string }[] };
  return posts.filter((p) => p.caption.includes(marker));
}
const markerOf = (p: PublicationJson) => p.caption.split('\n').at(-1)!;

describe('approval', () => {
  it('waits for a person, reminds, and publishes the edited caption once approved', async () => {
    // A reminder every ~2 s so the test sees one without waiting hours.
    await setRules({ approvalRequired: true, approvalReminderHours: 2 / 3600 });
    const id = await upload('Necesita aprobación');
    await waitForEvent({ contentId: id }, 'approval_requested');
    await waitForEvent({ contentId: id }, 'approval_reminder');
    expect((await content(id)).status).toBe('new');
    expect((await getJson<{ items: unknown[] }>(stack, `/api/publications?contentId=${id}`)).items).toHaveLength(0);

    const drafts = (await content(id)).captions as Record<string, { caption: string }>;
    expect(Object.keys(drafts)).toEqual(['demo']);
    expect(await post(`/api/contents/${id}/approve`, { captions: { tiktok: { caption: 'x' } } })).toMatchObject({ status: 400, body: { error: 'unknown_platform' } });
    expect(await post(`/api/contents/${id}/approve`, { captions: { demo: { caption: 'Texto editado por la admin', tags: ['editado'] } } }))
      .toMatchObject({ status: 202, body: { id, decision: 'approve' } });

    const publication = await publishedAndSettled(id);
    expect(publication.caption).toContain('Texto editado por la admin');
    expect(publication.caption).toContain('#editado');
    const approved = await content(id);
    expect(approved).toMatchObject({ status: 'approved', approvedBy: 'api' });
    expect(approved.captions.demo.source).toBe('edited');
    const decision = (await eventsOf(db(), { contentId: id })).find((e) => e.type === 'content_approved');
    expect(decision).toMatchObject({ actor: 'api' });
    expect(await demoPostsWith(markerOf(publication))).toHaveLength(1);
    // Decided once: a second decision is a conflict, not a silent change.
    expect(await post(`/api/contents/${id}/reject`, { reason: 'tarde' })).toMatchObject({ status: 409, body: { error: 'already_decided' } });
  });

  it('rejects with a reason, recorded with actor and time, and never schedules', async () => {
    await setRules({ approvalRequired: true });
    const id = await upload('Será rechazado');
    await waitForEvent({ contentId: id }, 'approval_requested');
    expect(await post(`/api/contents/${id}/reject`, {})).toMatchObject({ status: 400 });
    expect(await post(`/api/contents/${id}/reject`, { reason: '   ' })).toMatchObject({ status: 400, body: { error: 'missing_reason' } });
    expect(await post(`/api/contents/${id}/reject`, { reason: 'Iluminación insuficiente' })).toMatchObject({ status: 202 });
    const workflow = stack.app.temporal.workflow.getHandle(`content-${id}`);
    expect(await workflow.result()).toMatchObject({ status: 'rejected', reason: 'Iluminación insuficiente' });
    const rejected = await content(id);
    expect(rejected).toMatchObject({ status: 'rejected', rejectionReason: 'Iluminación insuficiente', rejectedBy: 'api' });
    expect(Date.parse(rejected.rejectedAt)).toBeGreaterThan(Date.now() - 120_000);
    expect(rejected.publications).toHaveLength(0);
    expect(await post(`/api/contents/${crypto.randomUUID()}/approve`, {})).toMatchObject({ status: 404 });
  });
});

describe('scheduling', () => {
  it('invalid rules stop scheduling at once with an alert that says what to fix', async () => {
    await setRules({ slots: ['25:00'], timezone: 'Marte/Olympus' });
    const id = await upload('Reglas inválidas');
    const alert = await waitFor(async () => (await eventsOf(db(), { contentId: id })).find((e) => e.type === 'alert'), { what: 'an alert' });
    expect(alert.description).toMatch(/distribution rules of Modelo Demo are invalid/);
    expect(alert.description).toMatch(/Marte\/Olympus/);
    await expect(stack.app.temporal.workflow.getHandle(`content-${id}`).result()).rejects.toThrow();
    expect((await content(id)).publications).toHaveLength(0);
  });
});

describe('publication controls', () => {
  /** Slots far from now, so the publication waits on its durable timer. */
  async function uploadScheduledLater(context: string) {
    await setRules(slotFarAway());
    const id = await upload(context);
    const publication = await publicationOf(stack, id, ['scheduled']);
    expect(Date.parse(publication.scheduledTime!)).toBeGreaterThan(Date.now() + 3_600_000);
    return { id, publication };
  }

  it('reschedules, then publishes now', async () => {
    const { id, publication } = await uploadScheduledLater('Reprogramar y publicar ya');
    const later = new Date(Date.now() + 5 * 3_600_000).toISOString();
    expect(await post(`/api/publications/${publication.id}/reschedule`, { scheduledTime: new Date(Date.now() - 60_000).toISOString() }))
      .toMatchObject({ status: 400, body: { error: 'time_in_past' } });
    expect(await post(`/api/publications/${publication.id}/reschedule`, { scheduledTime: 'mañana' })).toMatchObject({ status: 400 });
    const moved = await post(`/api/publications/${publication.id}/reschedule`, { scheduledTime: later });
    expect(moved.status).toBe(202);
    // The rules only allow the one slot, so the admin's time is accepted with a warning.
    expect(moved.body.warnings[0]).toMatch(/slot/);
    await waitFor(async () => {
      const { items } = await getJson<{ items: PublicationJson[] }>(stack, `/api/publications?contentId=${id}`);
      return items[0]?.scheduledTime === later ? true : undefined;
    }, { what: 'the new time to be stored' });
    await waitForEvent({ publicationId: publication.id }, 'publication_rescheduled');

    expect(await post(`/api/publications/${publication.id}/publish-now`)).toMatchObject({ status: 202 });
    const published = await publishedAndSettled(id);
    expect(await demoPostsWith(markerOf(published))).toHaveLength(1);
    expect(await post(`/api/publications/${publication.id}/cancel`)).toMatchObject({ status: 409, body: { error: 'invalid_state' } });
  });

  it('cancels a scheduled publication: its workflow ends and nothing is posted', async () => {
    const { id, publication } = await uploadScheduledLater('Cancelar');
    expect(await post(`/api/publications/${publication.id}/cancel`, { reason: 'ya no' })).toMatchObject({ status: 202 });
    expect(await stack.app.temporal.workflow.getHandle(publication.workflowId).result()).toMatchObject({ status: 'canceled' });
    expect((await publicationOf(stack, id, ['canceled'])).status).toBe('canceled');
    expect(await demoPostsWith(markerOf(publication))).toHaveLength(0);
    const canceled = await waitForEvent({ publicationId: publication.id }, 'publication_canceled');
    expect(canceled).toMatchObject({ actor: 'api', description: 'ya no' });
    expect(await post(`/api/publications/${publication.id}/retry`)).toMatchObject({ status: 409 });
  });

  it('never re-posts when an earlier click may have posted and the look-up fails: unconfirmed until a person retries', async () => {
    const { id, publication } = await uploadScheduledLater('Resultado desconocido');
    // As if an earlier attempt had clicked publish and died before seeing the answer.
    await db().update(publications).set({ publishStep: 'submitting', attempts: 1 }).where(eq(publications.id, publication.id));
    // The platform then fails the look-up (its post list answers 500 for the next 3 requests).
    const armed = await fetch(`${stack.demo.url}/__admin/faults`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fault: 'http_500', count: 3 }),
    });
    expect(armed.status).toBe(201);
    expect(await post(`/api/publications/${publication.id}/publish-now`)).toMatchObject({ status: 202 });

    const unconfirmed = await publicationOf(stack, id, ['unconfirmed']);
    expect(unconfirmed.lastError).toMatch(/^Unconfirmed: could not look for an earlier post/);
    expect(await demoPostsWith(markerOf(publication))).toHaveLength(0);
    // The status and its alert are written in one transaction: whoever reads the status finds the alert.
    const alert = (await eventsOf(db(), { publicationId: publication.id })).find((e) => e.type === 'alert');
    expect(alert?.data).toMatchObject({ kind: 'publication_unconfirmed' });

    // The admin checked the platform and retries: the look-up runs first, finds nothing, and posts once.
    await fetch(`${stack.demo.url}/__admin/faults`, { method: 'DELETE' });
    expect(await post(`/api/publications/${publication.id}/retry`)).toMatchObject({ status: 202 });
    const published = await publishedAndSettled(id);
    expect(await demoPostsWith(markerOf(published))).toHaveLength(1);
  });

  it('an expired session pauses the account, holds its other publications, and retry + resume finish both', async () => {
    const account = (await findAccountWithPlatform(db(), stack.seeded.accountId))!.account;
    const goodSession = account.authData;
    // A session the platform no longer accepts (as if the cookie had expired).
    await db().update(platformAccounts)
      .set({ authData: encryptJson(stack.app.config.keyring, secretBindings.accountAuthData(account.id), { cookies: [], origins: [] }) })
      .where(eq(platformAccounts.id, account.id));
    try {
      const { publication: waiting } = await uploadScheduledLater('Queda retenida');
      await setRules({});
      const id = await upload('Sesión caducada');
      const failed = await publicationOf(stack, id, ['failed']);
      expect(failed.lastError).toMatch(/^SessionExpired/);
      expect((await findAccountWithPlatform(db(), account.id))!.account.status).toBe('session_expired');
      await waitForEvent({ publicationId: failed.id }, 'session_expired');
      // Its alerts are written right after the status: wait until both are there.
      const alertKinds = async () => (await eventsOf(db(), { publicationId: failed.id }))
        .filter((e) => e.type === 'alert').map((e) => (e.data as { kind: string }).kind);
      await waitFor(async () => (await alertKinds()).length >= 2, { what: 'both alerts', timeoutMs: 30_000 });
      expect(await alertKinds()).toEqual(expect.arrayContaining(['publication_failed', 'account_paused']));
      // The account error stopped at once (no retries burnt) and held the other scheduled publication.
      expect(failed.attempts).toBe(1);
      expect((await getJson<{ items: PublicationJson[] }>(stack, `/api/publications?contentId=${waiting.contentId}`)).items[0]!.status).toBe('held');

      // The admin links the session again and resumes the account; then retries the failed one.
      await db().update(platformAccounts).set({ authData: goodSession }).where(eq(platformAccounts.id, account.id));
      const resumed = await post(`/api/accounts/${account.id}/resume`);
      expect(resumed).toMatchObject({ status: 200, body: { released: [waiting.id] } });
      expect((await getJson<{ items: PublicationJson[] }>(stack, `/api/publications?contentId=${waiting.contentId}`)).items[0]!.status).toBe('scheduled');
      expect(await post(`/api/publications/${failed.id}/retry`)).toMatchObject({ status: 202 });
      const published = await publishedAndSettled(id);
      expect(published.attempts).toBe(2);
      expect(await demoPostsWith(markerOf(published))).toHaveLength(1);
      await waitForEvent({ publicationId: failed.id }, 'retry');
      expect(await post(`/api/publications/${waiting.id}/cancel`)).toMatchObject({ status: 202 });
    } finally {
      await db().update(platformAccounts).set({ authData: goodSession, status: 'active' }).where(eq(platformAccounts.id, account.id));
    }
  });
});

describe('metrics polling', () => {
  it('reads metrics on the schedule and continues as new when the history grows', async () => {
    const lifecycle = stack.app.config.lifecycle;
    const saved = { ...lifecycle };
    // Four reads a second apart; a tiny history limit forces continueAsNew between reads.
    Object.assign(lifecycle, { metricsPollOffsetsMs: [0, 1000, 2000, 3000], historyLimit: 10 });
    try {
      const id = await upload('Métricas');
      const publication = await publishedAndSettled(id);
      const handle = stack.app.temporal.workflow.getHandle(publication.workflowId);
      expect(await handle.result()).toMatchObject({ status: 'published' });
      const rows = await metricsOfPublication(db(), publication.id);
      expect(rows).toHaveLength(4);
      expect(rows.map((r) => r.views!)).toEqual([...rows.map((r) => r.views!)].sort((a, b) => a - b));
      const runs = [];
      for await (const wf of stack.app.temporal.workflow.list({ query: `WorkflowId = '${publication.workflowId}'` })) runs.push(wf);
      expect(runs.length).toBeGreaterThan(1);
    } finally {
      Object.assign(lifecycle, saved);
    }
  });
});
