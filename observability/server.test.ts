// The worker/bot metrics server (a real node:http server on a free port): the bearer check, the text Prometheus
// reads (every family trafico_* with HELP), scrape-time sources with their deadline, and the token fallback of config.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { parseExposition, sumOf } from '../test/helpers/metrics.js';
import { countBotUpdate, provideMetricSource, publishMetrics, timePublish } from './metrics.js';
import { startMetricsServer, type MetricsServer } from './server.js';

const token = 'metrics-server-test-token-0123';
let server: MetricsServer;

beforeAll(async () => {
  server = await startMetricsServer({ host: '127.0.0.1', port: 0, token });
});
afterAll(async () => {
  await server?.close();
});

const get = (init: { token?: string | null; path?: string; method?: string; authorization?: string } = {}) =>
  fetch(server.url.replace('/metrics', init.path ?? '/metrics'), {
    method: init.method ?? 'GET',
    headers: init.authorization !== undefined ? { authorization: init.authorization } : init.token === null ? {} : { authorization: `Bearer ${init.token ?? token}` },
  });

describe('the per-role metrics server', () => {
  it('answers 401 without the bearer token or with another one, and never says more', async () => {
    for (const response of [await get({ token: null }), await get({ token: 'another-token-0123456789' }), await get({ authorization: token }), await get({ authorization: `Basic ${token}` })]) {
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      const body = await response.text();
      expect(JSON.parse(body)).toMatchObject({ error: 'unauthorized' });
      expect(body).not.toContain('trafico_');
    }
    expect((await get({ path: '/elsewhere' })).status).toBe(404);
    expect((await get({ method: 'POST' })).status).toBe(405);
  });

  it('serves the registry with the token: every family trafico_* with a HELP text, the recorded values in it', async () => {
    const labels = { platform: 'demo-server-test', driver: 'browser' as const };
    publishMetrics.attempt(labels);
    await timePublish(labels, async () => 'posted');
    await expect(timePublish(labels, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    publishMetrics.failure(labels, 'SelectorMissing');
    publishMetrics.failure(labels, 'not a type; with spaces');
    countBotUpdate({ update_id: 1, message: {} });
    countBotUpdate({ update_id: 2, forged_kind: {} });
    const removeSlots = provideMetricSource('browserSlots', () => ({ busy: 1, total: 3 }));

    const response = await get({ authorization: `bearer   ${token}` });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const scrape = parseExposition(await response.text());
    expect(scrape.families.size).toBeGreaterThan(25);
    for (const [name, family] of scrape.families) {
      expect(name).toMatch(/^trafico_/);
      expect(family.help, name).toBeTruthy();
      expect(family.type, name).toBeTruthy();
    }
    // Default Node process metrics come with the prefix too.
    expect(scrape.families.has('trafico_process_resident_memory_bytes')).toBe(true);
    expect(scrape.families.has('trafico_nodejs_eventloop_lag_p99_seconds')).toBe(true);

    expect(sumOf(scrape, 'trafico_publish_attempts_total', labels)).toBe(1);
    expect(sumOf(scrape, 'trafico_publish_duration_seconds_count', { ...labels, outcome: 'success' })).toBe(1);
    expect(sumOf(scrape, 'trafico_publish_duration_seconds_count', { ...labels, outcome: 'failure' })).toBe(1);
    expect(sumOf(scrape, 'trafico_publish_failures_total', { ...labels, error_type: 'SelectorMissing' })).toBe(1);
    // A type that is not a type becomes `Other`: the label's values stay few.
    expect(sumOf(scrape, 'trafico_publish_failures_total', { ...labels, error_type: 'Other' })).toBe(1);
    expect(sumOf(scrape, 'trafico_bot_updates_total', { type: 'message' })).toBe(1);
    expect(sumOf(scrape, 'trafico_bot_updates_total', { type: 'other' })).toBe(1);
    expect(sumOf(scrape, 'trafico_browser_slots_busy')).toBe(1);
    expect(sumOf(scrape, 'trafico_browser_slots')).toBe(3);
    // Sources this process does not own leave their families without samples.
    expect(scrape.families.has('trafico_outbox_lag_seconds')).toBe(true);
    expect(scrape.samples.some((s) => s.name === 'trafico_outbox_lag_seconds')).toBe(false);

    removeSlots();
    const after = parseExposition(await (await get()).text());
    expect(after.samples.some((s) => s.name === 'trafico_browser_slots_busy')).toBe(false);
  });

  it('leaves out a source that fails or misses its deadline, and counts it', async () => {
    const removeFailing = provideMetricSource('outbox', async () => Promise.reject(new Error('database away')));
    const removeSlow = provideMetricSource('publicationsByStatus', () => new Promise<Record<string, number>>(() => undefined));
    const started = Date.now();
    const scrape = parseExposition(await (await get()).text());
    expect(Date.now() - started).toBeLessThan(5000);
    expect(scrape.samples.some((s) => s.name === 'trafico_outbox_lag_seconds' || s.name === 'trafico_publications')).toBe(false);
    expect(sumOf(scrape, 'trafico_metrics_source_errors_total', { source: 'outbox' })).toBeGreaterThanOrEqual(1);
    expect(sumOf(scrape, 'trafico_metrics_source_errors_total', { source: 'publicationsByStatus' })).toBeGreaterThanOrEqual(1);
    removeFailing();
    removeSlow();
  });
});

describe('the metrics token', () => {
  const base = {
    DATA_DIR: '/tmp/trafico-metrics-config', API_TOKEN: 'the-api-token-0123456789', ADMIN_PASSWORD: 'admin-password',
    SESSION_SECRET: 'a-session-secret-of-at-least-32-characters', AUTH_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  };

  it('is METRICS_TOKEN when set, else API_TOKEN; the per-role server on 127.0.0.1:9464 by default', () => {
    expect(loadConfig(base).metrics).toEqual({ token: 'the-api-token-0123456789', host: '127.0.0.1', port: 9464 });
    expect(loadConfig({ ...base, METRICS_TOKEN: 'a-metrics-token-0123456789', METRICS_PORT: '0', METRICS_HOST: '0.0.0.0' }).metrics)
      .toEqual({ token: 'a-metrics-token-0123456789', host: '0.0.0.0', port: 0 });
    expect(() => loadConfig({ ...base, METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be at least 16 characters/);
  });
});
