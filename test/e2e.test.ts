/** The walking skeleton end to end on PostgreSQL, the Temporal dev server, Chromium and ffmpeg. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { count } from 'drizzle-orm';
import { contents } from '../db/schema.js';
import { ContentIdKey, ModelNameKey, PublicationStatusKey } from '../contracts/search-attributes.js';
import { makeTestVideo } from './helpers/media.js';
import { dashboardExpressions, exportsSeries, metricNamesIn, parseExposition, readDashboard, scrape, sumOf, type Scrape } from './helpers/metrics.js';
import { startTestStack, uploadVideo, type TestStack } from './helpers/stack.js';
import { publishOneVideo } from './helpers/thin-path.js';

let stack: TestStack;
/** Its own scrape token: with METRICS_TOKEN set, the API token does not open /metrics. */
const metricsToken = 'e2e-metrics-token-0123456789';
let metricsBefore: Scrape;

beforeAll(async () => {
  stack = await startTestStack({ embedded: false, maxUploadMb: 2, env: { METRICS_TOKEN: metricsToken } });
});
afterAll(async () => {
  await stack?.close();
});

describe('GET /metrics before the first publish', () => {
  it('is refused without the metrics token (the API token is not it), and scraped with it', async () => {
    const url = `${stack.url}/metrics`;
    expect((await scrape(url, null)).status).toBe(401);
    expect((await scrape(url, 'wrong-token-0123456789')).status).toBe(401);
    const withApiToken = await scrape(url, stack.apiToken);
    expect(withApiToken.status).toBe(401);
    expect(JSON.parse(withApiToken.text)).toMatchObject({ error: 'unauthorized' });
    const ok = await scrape(url, metricsToken);
    expect(ok.status).toBe(200);
    expect(ok.contentType).toContain('text/plain');
    metricsBefore = parseExposition(ok.text);
    expect(metricsBefore.families.has('trafico_publish_duration_seconds')).toBe(true);
  });
});

describe('a video posted through the API (PostgreSQL)', () => {
  let result: Awaited<ReturnType<typeof publishOneVideo>>;

  it('ends published on the demo platform with its metrics stored', async () => {
    expect(stack.app.db.kind).toBe('postgres');
    result = await publishOneVideo(stack, 'Hola desde la prueba e2e ¿qué tal? 🎉');
    console.log(`end-to-end time of one video: ${result.elapsedMs} ms`);
  });

  it('is visible to operators in Temporal with typed search attributes', async () => {
    const temporal = stack.app.temporal;
    const content = await temporal.workflow.getHandle(`content-${result.contentId}`).describe();
    expect(content.status.name).toBe('COMPLETED');
    expect(content.typedSearchAttributes.get(ModelNameKey)).toBe('Modelo Demo');
    expect(content.typedSearchAttributes.get(ContentIdKey)).toBe(result.contentId);
    // Its last step (the metrics read) may still be closing when the metrics row appears.
    await temporal.workflow.getHandle(result.publication.workflowId).result();
    const publication = await temporal.workflow.getHandle(result.publication.workflowId).describe();
    expect(publication.status.name).toBe('COMPLETED');
    expect(publication.typedSearchAttributes.get(PublicationStatusKey)).toBe('published');

    // The Web UI serves the same workflow (its HTTP API backs the pages operators use).
    const ui = await fetch(`${inject('temporalUiUrl')}/api/v1/namespaces/default/workflows/${encodeURIComponent(result.publication.workflowId)}`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain(result.publication.workflowId);
  });

  it('reports healthy db, Temporal and workers', async () => {
    // The details are for the admin (bearer token); anyone else reads the statuses only.
    const response = await fetch(`${stack.url}/healthz`, { headers: { authorization: `Bearer ${stack.apiToken}` } });
    expect(response.status).toBe(200);
    const health = (await response.json()) as { status: string; workers: Record<string, { ok: boolean }> };
    expect(health.status).toBe('ok');
    expect(Object.keys(health.workers).sort()).toEqual(['api', 'browser', 'media', 'pipeline']);
  });

  it('shows the publication on the dashboard only after login', async () => {
    const anonymous = await fetch(`${stack.url}/publications`, { redirect: 'manual' });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toBe('/login?next=%2Fpublications');
    expect((await fetch(`${stack.url}/api/publications`)).status).toBe(401);

    const login = (password: string) =>
      fetch(`${stack.url}/api/auth/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ password, next: '/publications' }),
      });
    const wrong = await login('not-the-password');
    expect(wrong.status).toBe(303);
    expect(wrong.headers.get('location')).toContain('/login?error=1');
    expect(wrong.headers.getSetCookie()).toHaveLength(0);

    const right = await login(stack.adminPassword);
    expect(right.status).toBe(303);
    const cookie = right.headers.getSetCookie()[0]!.split(';')[0]!;
    const page = await fetch(`${stack.url}/publications`, { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('data-testid="publication-row"');
    expect(html).toContain(result.publication.postUrl);
    expect(html).toContain('Publicaciones');
  });
});

describe('bad input to POST /api/contents', () => {
  async function storedContents() {
    const [row] = await stack.app.db.db.select({ n: count() }).from(contents);
    return row!.n;
  }

  it('gets a 4xx naming the problem and stores or starts nothing', async () => {
    const before = await storedContents();
    const workflowsBefore = (await stack.app.temporal.workflow.count('WorkflowType = "contentWorkflow"')).count;
    const video = readFileSync(await makeTestVideo(join(stack.dataDir, 'bad-input.mp4'), { seconds: 1 }));
    const modelId = stack.seeded.modelId;
    const file = { data: video, name: 'clip.mp4' };

    const noToken = await uploadVideo(stack, { modelId, file }, null);
    expect(noToken).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    const wrongToken = await uploadVideo(stack, { modelId, file }, 'wrong-token-0123456789');
    expect(wrongToken).toMatchObject({ status: 401, body: { error: 'unauthorized', message: 'invalid API token (revoked, or not issued by this server)' } });

    const unknownModel = await uploadVideo(stack, { modelId: '00000000-0000-4000-8000-000000000000', file });
    expect(unknownModel).toMatchObject({ status: 404, body: { error: 'unknown_model' } });
    const malformedModel = await uploadVideo(stack, { modelId: 'not-a-uuid', file });
    expect(malformedModel).toMatchObject({ status: 400, body: { error: 'invalid_model_id' } });
    const noVideo = await uploadVideo(stack, { modelId });
    expect(noVideo).toMatchObject({ status: 400, body: { error: 'missing_video' } });

    const notVideo = await uploadVideo(stack, { modelId, file: { data: Buffer.from('just some text, not a video\n'.repeat(100)), name: 'clip.mp4' } });
    expect(notVideo).toMatchObject({ status: 415, body: { error: 'not_a_video' } });
    const png = join(stack.dataDir, 'still.png');
    writeFileSync(png, Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082', 'hex'));
    const image = await uploadVideo(stack, { modelId, file: { data: readFileSync(png), name: 'photo.png', type: 'image/png' } });
    expect(image).toMatchObject({ status: 415, body: { error: 'not_a_video' } });

    const oversized = await uploadVideo(stack, { modelId, file: { data: Buffer.alloc(3 * 1024 * 1024, 1), name: 'big.mp4' } });
    expect(oversized).toMatchObject({ status: 413, body: { error: 'file_too_large' } });
    expect(String(oversized.body.message)).toContain('2 MB');

    expect(await storedContents()).toBe(before);
    expect(readdirSync(join(stack.dataDir, 'media', 'incoming'))).toEqual([]);
    expect((await stack.app.temporal.workflow.count('WorkflowType = "contentWorkflow"')).count).toBe(workflowsBefore);
  });
});

describe('GET /metrics after the publish', () => {
  let after: Scrape;

  it('shows the publish: its duration observed, an attempt counted, one more published publication', async () => {
    after = parseExposition((await scrape(`${stack.url}/metrics`, metricsToken)).text);
    const demo = { platform: 'demo', driver: 'browser' };
    expect(sumOf(metricsBefore, 'trafico_publish_duration_seconds_count', demo)).toBe(0);
    expect(sumOf(after, 'trafico_publish_duration_seconds_count', { ...demo, outcome: 'success' })).toBeGreaterThanOrEqual(1);
    expect(sumOf(after, 'trafico_publish_duration_seconds_sum', { ...demo, outcome: 'success' })).toBeGreaterThan(0);
    expect(sumOf(after, 'trafico_publish_attempts_total', demo)).toBeGreaterThan(sumOf(metricsBefore, 'trafico_publish_attempts_total', demo));
    const published = (s: Scrape) => s.samples.find((x) => x.name === 'trafico_publications' && x.labels.status === 'published')?.value;
    expect(published(metricsBefore)).toBeTypeOf('number');
    expect(published(after)).toBeGreaterThanOrEqual(published(metricsBefore)! + 1);
    // The worker side of role `all`: its slots, each queue's backlog, and the Temporal SDK's own series.
    expect(sumOf(after, 'trafico_browser_slots')).toBe(stack.app.config.browserSlots);
    expect(after.samples.filter((x) => x.name === 'trafico_queue_backlog_tasks').map((x) => x.labels.queue).sort()).toEqual(['api', 'browser', 'media', 'pipeline']);
    expect(sumOf(after, 'trafico_temporal_worker_task_slots_available')).toBeGreaterThan(0);
  });

  it('names every series trafico_* with a HELP text', () => {
    expect(after.families.size).toBeGreaterThan(30);
    for (const [name, family] of after.families) {
      expect(name).toMatch(/^trafico_/);
      expect(family.help, name).toBeTruthy();
    }
    for (const sample of after.samples) expect(after.families.has(sample.name) || /_(bucket|sum|count)$/.test(sample.name), sample.name).toBe(true);
  });

  it('exports every series the Grafana dashboard queries (and the check catches one it does not)', () => {
    const exprs = dashboardExpressions(readDashboard());
    expect(exprs.length).toBeGreaterThan(10);
    const missingIn = (expressions: string[]) => [...new Set(expressions.flatMap(metricNamesIn))].filter((name) => !exportsSeries(after, name));
    const named = new Set(exprs.flatMap(metricNamesIn));
    for (const series of ['trafico_publications', 'trafico_publish_duration_seconds_bucket', 'trafico_publish_failures_total', 'trafico_browser_slots_busy',
      'trafico_queue_backlog_tasks', 'trafico_clicks_recorded_total', 'trafico_clicks_dropped_total', 'trafico_bot_updates_total', 'trafico_outbox_lag_seconds']) {
      expect(named, series).toContain(series);
    }
    expect([...named].some((name) => name.startsWith('trafico_temporal_'))).toBe(true);
    expect(missingIn(exprs)).toEqual([]);
    expect(missingIn([...exprs, 'sum by (platform) (rate(trafico_publish_nonexistent_total{job="worker"}[5m]))'])).toEqual(['trafico_publish_nonexistent_total']);
  });
});
