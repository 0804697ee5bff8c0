/**
 * GET /api/publications/:id against the real stack: a clip published on the demo platform comes back with the list's
 * view, its workflow link in the configured namespace, the timeline of its events (and its content's, from before it
 * was scheduled), its metrics oldest first (the workflow's own read plus rows stored here), and its attempt; a failed
 * publication (rows and evidence files written here) lists every attempt with its error and evidence and the controls
 * its status allows; a long metrics history keeps the newest reads; unknown ids answer 404, malformed ones 400.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicationDetailLimits, type PublicationDetail } from '../contracts/api/publications.js';
import { metricsOfPublication } from '../db/publications.js';
import { publicationMetrics } from '../db/schema.js';
import { publicationOf, setModelRules, uploadClip } from './helpers/lifecycle.js';
import { createAccount, createModel, createPublication } from './helpers/overview-seed.js';
import { startTestStack, type TestStack } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

let stack: TestStack;
const run = randomUUID().slice(0, 6);

beforeAll(async () => {
  stack = await startTestStack({ embedded: false });
  await setModelRules(stack);
});
afterAll(async () => stack?.close());

const db = () => stack.app.db.db;

async function detail(id: string, auth = true) {
  const response = await fetch(`${stack.url}/api/publications/${id}`, { headers: auth ? { authorization: `Bearer ${stack.apiToken}` } : {} });
  return { status: response.status, body: (await response.json()) as PublicationDetail & { error?: string; fields?: Record<string, string> } };
}

const hour = 3_600_000;

describe('GET /api/publications/:id', () => {
  let published: { id: string; contentId: string; workflowId: string; postUrl: string | null };

  it('a published clip: the list’s view, the workflow link, the timeline and the metrics oldest first', async () => {
    const created = await uploadClip(stack, `Detalle ${run}`);
    expect(created.status).toBe(202);
    const contentId = created.body.id as string;
    const publication = await publicationOf(stack, contentId, ['published']);
    // The workflow reads the metrics once (METRICS_POLL_SCHEDULE=0s) and ends: its read is stored by then.
    await stack.app.temporal.workflow.getHandle(publication.workflowId).result();
    published = { ...publication, contentId };

    // Reads stored out of order: the answer sorts them by time.
    const base = Date.now();
    for (const [offset, views] of [[3, 300], [1, 100], [2, 200]] as const) {
      await db().insert(publicationMetrics).values({
        publicationId: publication.id, ts: new Date(base + offset * hour), views, likes: views / 10, comments: 3, shares: 1, reach: views / 2, saves: 2, platformFollowers: 1000 + views, source: 'test',
      });
    }
    const stored = await metricsOfPublication(db(), publication.id);
    expect(stored.length).toBe(4);

    const { status, body } = await detail(publication.id);
    expect(status).toBe(200);
    const { items } = (await (await fetch(`${stack.url}/api/publications?contentId=${contentId}`, {
      headers: { authorization: `Bearer ${stack.apiToken}` },
    })).json()) as { items: unknown[] };
    expect(body.publication).toEqual(items[0]);
    expect(body.publication).toMatchObject({ id: publication.id, status: 'published', postUrl: publication.postUrl, attempts: 1 });
    expect(body.publication.postUrl).toMatch(/^http/);

    const { uiUrl, namespace } = stack.app.config.temporal;
    expect(body.workflowUrl).toBe(`${uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(publication.workflowId)}`);
    // Its own tracking link, and the clicks it brings (recorded after the 302, flushed within about a second).
    expect(body.tracking).toMatchObject({ clicks: 0, uniqueClicks: 0, botClicks: 0 });
    expect(body.tracking.link).toMatch(/\/t\/[0-9a-f]{10}\/[0-9a-f]{12}$/);
    const phone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
    const click = await fetch(`${stack.url}${new URL(body.tracking.link!).pathname}`, { redirect: 'manual', headers: { 'user-agent': phone } });
    expect(click.status).toBe(302);
    const counted = await waitFor(async () => {
      const again = await detail(publication.id);
      return again.body.tracking.clicks > 0 ? again.body.tracking : undefined;
    }, { what: 'the click in the detail', timeoutMs: 15_000 });
    expect(counted).toEqual({ link: body.tracking.link, clicks: 1, uniqueClicks: 1, botClicks: 0 });
    expect(body.model).toMatchObject({ id: stack.seeded.modelId, name: 'Modelo Demo', timezone: expect.any(String) });
    expect(body.account).toMatchObject({ id: stack.seeded.accountId, username: 'modelo_demo', platform: 'demo' });
    expect(body.content).toMatchObject({ id: contentId, status: 'approved', context: `Detalle ${run}`, width: expect.any(Number), height: expect.any(Number) });
    expect(body.tags.length).toBeGreaterThan(0);
    expect(body.publication.caption).toContain(`#${body.tags[0]}`);

    // Timeline: oldest first, the publication's own events and its content's from before it was scheduled.
    const kinds = body.timeline.map((e) => e.kind);
    for (const kind of ['publication_scheduled', 'publication_started', 'publication_published', 'metrics_read'] as const) {
      expect(kinds, kind).toContain(kind);
      expect(body.timeline.find((e) => e.kind === kind)?.scope).toBe('publication');
    }
    expect(body.timeline.find((e) => e.kind === 'content_received')).toMatchObject({ scope: 'content', actor: 'api' });
    expect(body.timeline.find((e) => e.kind === 'content_approved')?.scope).toBe('content');
    expect(kinds.indexOf('content_received')).toBeLessThan(kinds.indexOf('publication_scheduled'));
    expect(kinds.indexOf('publication_scheduled')).toBeLessThan(kinds.indexOf('publication_published'));
    const times = body.timeline.map((e) => Date.parse(e.ts));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(body.timeline.find((e) => e.kind === 'publication_published')).toMatchObject({
      actor: 'system', data: { url: publication.postUrl }, description: expect.stringContaining(publication.postUrl!),
    });
    expect(body.timelineTruncated).toBe(false);

    // Metrics: every stored read, oldest first.
    expect(body.metrics).toHaveLength(stored.length);
    expect(body.metrics.map((m) => m.ts)).toEqual(stored.map((m) => m.ts.toISOString()));
    expect(body.metrics.slice(-3)).toEqual([100, 200, 300].map((views, i) => ({
      ts: new Date(base + (i + 1) * hour).toISOString(), views, likes: views / 10, comments: 3, shares: 1, reach: views / 2, saves: 2, platformFollowers: 1000 + views, source: 'test',
    })));
    expect(body.metricsTruncated).toBe(false);

    expect(body.attempts).toEqual([{ attempt: 1, error: null, files: [], info: null }]);
    expect(body.actions).toEqual({ publishNow: false, reschedule: false, cancel: false, retry: false });
  });

  it('a failed publication: every attempt with its error and evidence, and the controls its status allows', async () => {
    const model = await createModel(db(), `Detalle ${run}`);
    const account = await createAccount(db(), { modelId: model.id, platformId: stack.seeded.platformId, username: `detalle_${run}` });
    const failed = await createPublication(db(), account, { status: 'failed', attempts: 2, lastError: 'RateLimited: slow down' });
    // The first attempt left evidence (as activities/publishing/evidence.ts writes it); the second none.
    const dir = join(stack.app.config.evidenceDir, failed.id, '1');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'info.json'), JSON.stringify({
      url: 'http://demo.invalid/upload', error: { type: 'SelectorMissing', name: 'PublishError', message: 'no upload button' }, at: '2030-01-02T03:04:05.000Z', files: ['info.json', 'screenshot.png'],
    }));
    writeFileSync(join(dir, 'screenshot.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));

    const { status, body } = await detail(failed.id);
    expect(status).toBe(200);
    expect(body.attempts).toEqual([
      {
        attempt: 1,
        error: 'SelectorMissing: no upload button',
        files: [
          { name: 'screenshot.png', size: 4, url: `/api/publications/${failed.id}/evidence/1/screenshot.png` },
          { name: 'info.json', size: expect.any(Number), url: `/api/publications/${failed.id}/evidence/1/info.json` },
        ],
        info: expect.objectContaining({ at: '2030-01-02T03:04:05.000Z' }),
      },
      { attempt: 2, error: 'RateLimited: slow down', files: [], info: null },
    ]);
    // The evidence route serves the same listing (one service behind both).
    const evidence = await fetch(`${stack.url}/api/publications/${failed.id}/evidence`, { headers: { authorization: `Bearer ${stack.apiToken}` } });
    expect(((await evidence.json()) as { attempts: { attempt: number }[] }).attempts.map((a) => a.attempt)).toEqual([1]);

    expect(body.actions).toEqual({ publishNow: true, reschedule: true, cancel: true, retry: true });
    expect(body.workflowUrl).toBeNull();
    expect(body.metrics).toEqual([]);
    expect(body.timeline).toEqual([]);
    expect(body.model).toMatchObject({ id: model.id, name: `Detalle ${run}` });
  });

  it('keeps the newest reads of a long metrics history, oldest first', async () => {
    const extra = publicationDetailLimits.metrics;
    const start = Date.now() + 10 * hour;
    await db().insert(publicationMetrics).values(Array.from({ length: extra }, (_, i) => ({
      publicationId: published.id, ts: new Date(start + i * 60_000), views: 1000 + i, source: 'bulk',
    })));
    const { body } = await detail(published.id);
    expect(body.metricsTruncated).toBe(true);
    expect(body.metrics).toHaveLength(publicationDetailLimits.metrics);
    expect(body.metrics[0]!.views).toBe(1000);
    expect(body.metrics.at(-1)).toMatchObject({ views: 1000 + extra - 1, ts: new Date(start + (extra - 1) * 60_000).toISOString() });
  });

  it('404 for an unknown id, 400 for one that is no UUID, 401 without a token', async () => {
    expect(await detail(randomUUID())).toMatchObject({ status: 404, body: { error: 'not_found' } });
    const malformed = await detail('not-a-uuid');
    expect(malformed).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(malformed.body.fields).toHaveProperty('id');
    expect((await detail(published.id, false)).status).toBe(401);
  });
});
