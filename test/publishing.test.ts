/**
 * The browser publishing layer against the demo platform that fights back: one test per fault, each
 * asserting the typed outcome, the evidence left behind and the number of posts the platform holds.
 * Real PostgreSQL, real Chromium, the real demo site; the activities run in the SDK's activity context.
 */
import { ApplicationFailure } from '@temporalio/common';
import { eq, sql } from 'drizzle-orm';
import { unzipSync } from 'fflate';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decryptJson, encryptJson, secretBindings } from '../crypto/secrets.js';
import { eventsOf } from '../db/events.js';
import { metricsOfPublication } from '../db/publications.js';
import { capabilitiesFor } from '../core/platforms.js';
import { setBrowserProfile } from '../services/accounts.js';
import { models, platformAccounts, platforms, publicationMetrics, publications } from '../db/schema.js';
import { defaultDistributionRules } from '../core/types.js';
import {
  armFault, clearFaults, faultLog, newPublication, postsWithMarker, setAccountSession, startBrowserLayer, type BrowserLayer,
} from './helpers/browser-layer.js';
import { waitFor } from './helpers/wait.js';

let layer: BrowserLayer;
let goodSession: string;

beforeAll(async () => {
  // Every attempt traced, so each failure below can be checked for its whole evidence (the default traces from the
  // second attempt on: its own test below).
  layer = await startBrowserLayer({ waitTimeoutMs: 5000, evidenceTrace: 'always' });
  const [account] = await layer.db.db.select().from(platformAccounts).where(eq(platformAccounts.id, layer.seeded.accountId));
  goodSession = account!.authData!;
});
afterAll(async () => layer?.close());
beforeEach(async () => {
  await clearFaults(layer);
  await setAccountSession(layer, goodSession);
});

type Outcome = { ok: true; url: string; externalId: string } | { ok: false; failure: ApplicationFailure };

async function publish(publicationId: string, attempt = 1): Promise<Outcome> {
  try {
    const ref = await layer.run(layer.activities.publishPublication, [publicationId], attempt);
    return { ok: true, ...ref };
  } catch (error) {
    if (!(error instanceof ApplicationFailure)) throw error;
    return { ok: false, failure: error };
  }
}

function failureOf(outcome: Outcome): ApplicationFailure {
  if (outcome.ok) throw new Error(`expected a failure, got the post ${outcome.url}`);
  return outcome.failure;
}

const evidenceDir = (publicationId: string, attempt: number) => join(layer.config.evidenceDir, publicationId, String(attempt));

/** The four evidence files exist, info.json names the error type, and the publication links to them. */
async function expectEvidence(publicationId: string, attempt: number, errorType: string) {
  const dir = evidenceDir(publicationId, attempt);
  expect(readdirSync(dir).sort()).toEqual(['info.json', 'page.html', 'screenshot.png', 'trace.zip']);
  const info = JSON.parse(readFileSync(join(dir, 'info.json'), 'utf8')) as Record<string, unknown>;
  expect(JSON.stringify(info)).toContain(errorType);
  const zip = unzipSync(new Uint8Array(readFileSync(join(dir, 'trace.zip'))));
  expect(Object.keys(zip).some((name) => name.endsWith('.trace'))).toBe(true);
  const [row] = await layer.db.db.select().from(publications).where(eq(publications.id, publicationId));
  expect(row!.evidencePath).toBe(dir);
  expect(row!.lastError).toContain(errorType);
  return dir;
}

/** No evidence file (nor any entry inside the trace) carries a cookie value of the session. */
function expectNoSecrets(dir: string) {
  const state = decryptJson<{ cookies: { name: string; value: string }[] }>(layer.config.keyring, secretBindings.accountAuthData(layer.seeded.accountId), goodSession);
  const secrets = state.cookies.map((c) => c.value).filter((v) => v.length >= 6);
  expect(secrets.length).toBeGreaterThan(0);
  const blobs: [string, Buffer][] = [];
  for (const name of readdirSync(dir)) {
    const bytes = readFileSync(join(dir, name));
    blobs.push([name, bytes]);
    if (name.endsWith('.zip')) for (const [entry, data] of Object.entries(unzipSync(new Uint8Array(bytes)))) blobs.push([`${name}:${entry}`, Buffer.from(data)]);
  }
  for (const [name, bytes] of blobs) for (const secret of secrets) expect(bytes.includes(secret), `${name} leaks a cookie value`).toBe(false);
}

const noEvidence = (publicationId: string, attempt: number) => expect(existsSync(evidenceDir(publicationId, attempt))).toBe(false);

describe('publishing faults', () => {
  it('publishes once with no fault and keeps no evidence', async () => {
    const { publicationId, marker } = await newPublication(layer);
    const outcome = await publish(publicationId);
    expect(outcome.ok).toBe(true);
    expect(await postsWithMarker(layer, marker)).toHaveLength(1);
    noEvidence(publicationId, 1);
  });

  it('http_500: retryable, evidence, nothing posted; the retry posts once', async () => {
    const { publicationId, marker } = await newPublication(layer);
    await armFault(layer, 'http_500');
    const failure = failureOf(await publish(publicationId));
    expect(failure.type).toBe('Retryable');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain('500');
    const dir = await expectEvidence(publicationId, 1, 'Retryable');
    expectNoSecrets(dir);
    expect(await postsWithMarker(layer, marker)).toHaveLength(0);
    expect((await publish(publicationId, 2)).ok).toBe(true);
    expect(await postsWithMarker(layer, marker)).toHaveLength(1);
  });

  it('EVIDENCE_TRACE=retries (the default): a first attempt keeps screenshot, HTML and error, the retry a trace too', async () => {
    layer.config.evidenceTrace = 'retries';
    try {
      const { publicationId, marker } = await newPublication(layer);
      await armFault(layer, 'http_500');
      expect(failureOf(await publish(publicationId)).type).toBe('Retryable');
      const first = evidenceDir(publicationId, 1);
      expect(readdirSync(first).sort()).toEqual(['info.json', 'page.html', 'screenshot.png']);
      const info = JSON.parse(readFileSync(join(first, 'info.json'), 'utf8')) as Record<string, unknown>;
      expect(info).toMatchObject({ traced: false, files: ['screenshot.png', 'page.html', 'info.json'] });
      expect(info.problems).toBeUndefined();

      await armFault(layer, 'http_500');
      expect(failureOf(await publish(publicationId, 2)).type).toBe('Retryable');
      await expectEvidence(publicationId, 2, 'Retryable');
      expect(JSON.parse(readFileSync(join(evidenceDir(publicationId, 2), 'info.json'), 'utf8'))).not.toHaveProperty('traced');

      expect((await publish(publicationId, 3)).ok).toBe(true);
      expect(await postsWithMarker(layer, marker)).toHaveLength(1);
    } finally {
      layer.config.evidenceTrace = 'always';
    }
  });

  it('rate_limited: retryable and obeys Retry-After; nothing posted', async () => {
    const { publicationId, marker } = await newPublication(layer);
    await armFault(layer, 'rate_limited', { retryAfterS: 42 });
    const failure = failureOf(await publish(publicationId));
    expect(failure.type).toBe('Retryable');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(42_000);
    await expectEvidence(publicationId, 1, 'Retryable');
    expect(await postsWithMarker(layer, marker)).toHaveLength(0);
  });

  it('slow_upload: waits within the deadline and posts once', async () => {
    const { publicationId, marker } = await newPublication(layer);
    await armFault(layer, 'slow_upload', { delayMs: 2000 });
    const outcome = await publish(publicationId);
    expect(outcome.ok).toBe(true);
    expect((await faultLog(layer)).fired.map((f) => f.fault)).toContain('slow_upload');
    expect(await postsWithMarker(layer, marker)).toHaveLength(1);
    noEvidence(publicationId, 1);
  });

  it('stalled_upload: no answer → retryable and unconfirmed step; the retry finds no post and posts once', async () => {
    const { publicationId, marker } = await newPublication(layer);
    await armFault(layer, 'stalled_upload');
    const failure = failureOf(await publish(publicationId));
    expect(failure.type).toBe('Retryable');
    expect(failure.message).toMatch(/no answer/);
    await expectEvidence(publicationId, 1, 'Retryable');
    const [row] = await layer.db.db.select().from(publications).where(eq(publications.id, publicationId));
    expect(row!.publishStep).toBe('unconfirmed');
    expect(await postsWithMarker(layer, marker)).toHaveLength(0);
    expect((await publish(publicationId, 2)).ok).toBe(true);
    expect(await postsWithMarker(layer, marker)).toHaveLength(1);
  });

  it('no_confirmation: the post exists but no answer came; the retry finds it by marker and the platform holds exactly one', async () => {
    const { publicationId, marker } = await newPublication(layer);
    await armFault(layer, 'no_confirmation', { mode: 'hold' });
    const failure = failureOf(await publish(publicationId));
    expect(failure.type).toBe('Retryable');
    await expectEvidence(publicationId, 1, 'Retryable');
    const created = await postsWithMarker(layer, marker);
    expect(created).toHaveLength(1);
    const retry = await publish(publicationId, 2);
    expect(retry.ok && retry.externalId).toBe(created[0]!.id);
    expect(await postsWithMarker(layer, marker)).toHaveLength(1);
  });

  it('logged_out: SessionExpired, not retryable, nothing posted', async () => {
    const { publicationId, marker } = await newPublication(layer);
    await armFault(layer, 'logged_out');
    const failure = failureOf(await publish(publicationId));
    expect(failure.type).toBe('SessionExpired');
    expect(failure.nonRetryable).toBe(true);
    expectNoSecrets(await expectEvidence(publicationId, 1, 'SessionExpired'));
    expect(await postsWithMarker(layer, marker)).toHaveLength(0);
  });

  it('logged_out_mid_upload: SessionExpired after the click, nothing posted', async () => {
    const { publicationId, marker } = await newPublication(layer);
    await armFault(layer, 'logged_out_mid_upload');
    const failure = failureOf(await publish(publicationId));
    expect(failure.type).toBe('SessionExpired');
    expect(failure.nonRetryable).toBe(true);
    await expectEvidence(publicationId, 1, 'SessionExpired');
    expect(await postsWithMarker(layer, marker)).toHaveLength(0);
  });

  it('captcha: Challenge before uploading, not retryable, nothing posted', async () => {
    const { publicationId, marker } = await newPublication(layer);
    await armFault(layer, 'captcha');
    const failure = failureOf(await publish(publicationId));
    expect(failure.type).toBe('Challenge');
    expect(failure.nonRetryable).toBe(true);
    await expectEvidence(publicationId, 1, 'Challenge');
    const [row] = await layer.db.db.select().from(publications).where(eq(publications.id, publicationId));
    expect(row!.publishStep).toBe('prepared');
    expect(await postsWithMarker(layer, marker)).toHaveLength(0);
  });

  it('captcha_after_submit: Challenge after the click, nothing posted', async () => {
    const { publicationId, marker } = await newPublication(layer);
    await armFault(layer, 'captcha_after_submit');
    const failure = failureOf(await publish(publicationId));
    expect(failure.type).toBe('Challenge');
    expect(failure.nonRetryable).toBe(true);
    await expectEvidence(publicationId, 1, 'Challenge');
    expect(await postsWithMarker(layer, marker)).toHaveLength(0);
  });

  it('overlay: the promo is closed and the post goes out once', async () => {
    const { publicationId, marker } = await newPublication(layer);
    await armFault(layer, 'overlay');
    expect((await publish(publicationId)).ok).toBe(true);
    expect((await faultLog(layer)).fired.map((f) => f.fault)).toContain('overlay');
    expect(await postsWithMarker(layer, marker)).toHaveLength(1);
    noEvidence(publicationId, 1);
  });

  it('variant_page (with an overlay on top): the studio layout is driven and the post goes out once', async () => {
    const { publicationId, marker } = await newPublication(layer);
    await armFault(layer, 'variant_page');
    await armFault(layer, 'overlay');
    expect((await publish(publicationId)).ok).toBe(true);
    expect((await faultLog(layer)).fired.map((f) => f.fault)).toEqual(expect.arrayContaining(['variant_page', 'overlay']));
    expect(await postsWithMarker(layer, marker)).toHaveLength(1);
  });

  it('daily_limit: DailyLimit, not retryable, nothing posted', async () => {
    const { publicationId, marker } = await newPublication(layer);
    await armFault(layer, 'daily_limit');
    const failure = failureOf(await publish(publicationId));
    expect(failure.type).toBe('DailyLimit');
    expect(failure.nonRetryable).toBe(true);
    await expectEvidence(publicationId, 1, 'DailyLimit');
    expect(await postsWithMarker(layer, marker)).toHaveLength(0);
  });
});

describe('metrics faults', () => {
  async function publishedPost() {
    const publication = await newPublication(layer);
    const outcome = await publish(publication.publicationId);
    if (!outcome.ok) throw outcome.failure;
    await layer.db.db.update(publications).set({ status: 'published', postUrl: outcome.url, externalId: outcome.externalId })
      .where(eq(publications.id, publication.publicationId));
    layer.advanceClock(3 * 3600_000); // three hours of growth on the site's clock
    return { ...publication, ...outcome };
  }
  /** The counters the platform itself reports for the post right now (same seed, same clock). */
  async function platformCounters(marker: string) {
    const [post] = await postsWithMarker(layer, marker);
    return { views: post!.views, likes: post!.likes, comments: post!.comments };
  }

  it('reads exactly the counters the platform shows, as they grow', async () => {
    const { publicationId, marker } = await publishedPost();
    const first = await read(publicationId);
    expect(first.state).toBe('live');
    expect(first.metrics).toEqual(await platformCounters(marker));
    expect(first.metrics.views).toBeGreaterThan(1000); // shown abbreviated ("1,2 mil"): the exact number comes from the page
    layer.advanceClock(24 * 3600_000);
    const later = await read(publicationId);
    expect(later.metrics).toEqual(await platformCounters(marker));
    expect(later.metrics.views!).toBeGreaterThan(first.metrics.views!);
  });
  const read = (publicationId: string) => layer.run(layer.activities.readPublicationMetrics, [publicationId]);

  it('post_deleted: one unavailable read is only "missing"; two in a row declare the post deleted', async () => {
    const { publicationId, marker } = await publishedPost();
    await armFault(layer, 'post_deleted');
    expect((await read(publicationId)).state).toBe('missing');
    // The blip passed: the post is back and the streak starts over.
    expect((await read(publicationId)).state).toBe('live');
    let [row] = await layer.db.db.select().from(publications).where(eq(publications.id, publicationId));
    expect(row!.missingChecks).toBe(0);
    expect(row!.deletedAt).toBeNull();

    await armFault(layer, 'post_deleted', { count: 2 });
    expect((await read(publicationId)).state).toBe('missing');
    expect((await read(publicationId)).state).toBe('deleted');
    [row] = await layer.db.db.select().from(publications).where(eq(publications.id, publicationId));
    expect(row!.deletedAt).not.toBeNull();
    const types = (await eventsOf(layer.db.db, { publicationId })).map((e) => e.type);
    expect(types.filter((t) => t === 'post_missing')).toHaveLength(2);
    expect(types).toContain('post_deleted');
    // The platform never lost the post: the driver only believed two consecutive answers.
    expect(await postsWithMarker(layer, marker)).toHaveLength(1);
  });

  it('metrics_layout_changed: never writes zeros, keeps the last good values and raises metrics_parse_failed', async () => {
    const { publicationId, marker } = await publishedPost();
    const first = await read(publicationId);
    expect(first.state).toBe('live');
    expect(first.metrics.views).toBeGreaterThan(0);
    await layer.db.db.insert(publicationMetrics).values({ publicationId, source: first.source, ...first.metrics });

    await armFault(layer, 'metrics_layout_changed');
    const changed = await read(publicationId);
    if (changed.state !== 'live') throw new Error(`expected a live read, got ${changed.state}`);
    expect(changed.unreadable.sort()).toEqual(['comments', 'likes', 'views']);
    expect(changed.metrics).toEqual({}); // nothing learned → the workflow stores no row
    const parseFailed = (await eventsOf(layer.db.db, { publicationId })).filter((e) => e.type === 'metrics_parse_failed');
    expect(parseFailed).toHaveLength(1);
    const stored = await metricsOfPublication(layer.db.db, publicationId);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.views).toBe(first.metrics.views);
    expect((await faultLog(layer)).fired.map((f) => f.fault)).toContain('metrics_layout_changed');

    const after = await read(publicationId);
    expect(after.state === 'live' && after.metrics.views! >= first.metrics.views!).toBe(true);
    expect(await postsWithMarker(layer, marker)).toHaveLength(1);
  });
});

describe('sessions and locks', () => {
  it('a missing session gives a clear SessionExpired, without opening the site', async () => {
    const { publicationId, marker } = await newPublication(layer);
    await setAccountSession(layer, null);
    const failure = failureOf(await publish(publicationId));
    expect(failure.type).toBe('SessionExpired');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/no saved session/);
    expect(await postsWithMarker(layer, marker)).toHaveLength(0);
  });

  it('a corrupt session (garbage, or encrypted JSON that is no session) gives a clear SessionExpired', async () => {
    const { publicationId } = await newPublication(layer);
    await setAccountSession(layer, 'v1:not-base64:garbage');
    const garbage = failureOf(await publish(publicationId));
    expect(garbage.type).toBe('SessionExpired');
    expect(garbage.message).toMatch(/cannot be read/);

    await setAccountSession(layer, encryptJson(layer.config.keyring, secretBindings.accountAuthData(layer.seeded.accountId), { hello: 'world' }));
    const notASession = failureOf(await publish(publicationId, 2));
    expect(notASession.type).toBe('SessionExpired');
    expect(notASession.message).toMatch(/not a browser session/);
  });

  it('two jobs for the same account in two runtimes (two workers) run one after the other', async () => {
    const other = layer.newRuntime();
    const waitingAdvisoryLocks = async () => {
      const rows = await layer.db.db.execute(sql`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted`);
      return (rows as unknown as { n: number }[])[0]!.n;
    };
    try {
      const order: string[] = [];
      let firstRunning!: () => void;
      const firstStarted = new Promise<void>((resolve) => (firstRunning = resolve));
      const first = layer.runtime.withAccount(layer.seeded.accountId, async ({ page, platform }) => {
        order.push('first:start');
        firstRunning();
        await page.goto(new URL('/upload', platform.technicalConfig.baseUrl).toString());
        // Hold the account until the other worker is provably blocked on its lock.
        await waitFor(async () => (await waitingAdvisoryLocks()) > 0, { what: 'the second worker waiting on the account lock', timeoutMs: 20_000 });
        order.push('first:end');
      });
      await firstStarted;
      const second = other.withAccount(layer.seeded.accountId, async () => void order.push('second:start'));
      await Promise.all([first, second]);
      expect(order).toEqual(['first:start', 'first:end', 'second:start']);
    } finally {
      await other.close();
    }
  });

  it('a session imported while a job runs is not overwritten by the job\'s older one', async () => {
    const imported = encryptJson(layer.config.keyring, secretBindings.accountAuthData(layer.seeded.accountId), { cookies: [], origins: [] });
    await layer.runtime.withAccount(layer.seeded.accountId, async ({ page, platform }) => {
      await page.goto(new URL('/posts', platform.technicalConfig.baseUrl).toString());
      await setAccountSession(layer, imported);
    });
    const [account] = await layer.db.db.select().from(platformAccounts).where(eq(platformAccounts.id, layer.seeded.accountId));
    expect(account!.authData).toBe(imported);
  });

  it('a job saves the session it ends with when the platform changed it and nothing else did meanwhile', async () => {
    const stored = async () => (await layer.db.db.select().from(platformAccounts).where(eq(platformAccounts.id, layer.seeded.accountId)))[0]!.authData;
    // The same cookies and storage at the end as at the start: nothing to write (a write would re-encrypt with a fresh IV).
    await layer.runtime.withAccount(layer.seeded.accountId, async ({ page, platform }) => {
      await page.goto(new URL('/posts', platform.technicalConfig.baseUrl).toString());
    });
    expect(await stored()).toBe(goodSession);

    // A platform that rotates a cookie and keeps a token in web storage: both saved.
    const rotated = `rotated-${randomUUID()}`;
    await layer.runtime.withAccount(layer.seeded.accountId, async ({ page, context, platform }) => {
      const baseUrl = platform.technicalConfig.baseUrl;
      await page.goto(new URL('/posts', baseUrl).toString());
      await context.addCookies([{ name: 'demo_rotated', value: rotated, url: baseUrl }]);
      await page.evaluate(`localStorage.setItem('token', '${rotated}')`);
    });
    const authData = await stored();
    expect(authData).not.toBe(goodSession);
    const saved = decryptJson<{ cookies: { name: string; value: string }[]; origins: { localStorage: { name: string; value: string }[] }[] }>(
      layer.config.keyring, secretBindings.accountAuthData(layer.seeded.accountId), authData!,
    );
    expect(saved.cookies).toContainEqual(expect.objectContaining({ name: 'demo_rotated', value: rotated }));
    expect(saved.cookies.some((c) => c.name === 'demo_session'), 'the session cookie kept').toBe(true);
    expect(saved.origins.flatMap((o) => o.localStorage)).toContainEqual({ name: 'token', value: rotated });
  });

  it('checkSession: logged_in with the saved session, logged_out on the expired redirect, challenge on a captcha', async () => {
    const check = () => layer.run(layer.activities.checkAccountSession, [layer.seeded.accountId]);
    expect(await check()).toBe('logged_in');
    await armFault(layer, 'logged_out');
    expect(await check()).toBe('logged_out');
    await armFault(layer, 'captcha');
    expect(await check()).toBe('challenge');
    await armFault(layer, 'http_500');
    expect(await check()).toBe('unknown');
    await setAccountSession(layer, encryptJson(layer.config.keyring, secretBindings.accountAuthData(layer.seeded.accountId), { cookies: [], origins: [] }));
    expect(await check()).toBe('logged_out');
  });

  it('each account browses with its own stable profile and through its proxy', async () => {
    // A plain HTTP forward proxy that records what it carried.
    const carried: string[] = [];
    const proxy = createServer((req, res) => {
      carried.push(req.url ?? '');
      const upstream = httpRequest(req.url!, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as { port: number };
    const deps = { db: layer.db.db, keyring: layer.config.keyring };
    try {
      const view = await setBrowserProfile(deps, layer.seeded.accountId, {
        actor: 'test', locale: 'es-co', timezoneId: 'America/Bogota', viewport: { width: 390, height: 844 },
        proxy: `http://user:s3cret-proxy-pass@127.0.0.1:${port}`,
      });
      expect(view).toMatchObject({ locale: 'es-CO', proxy: `http://127.0.0.1:${port}` });
      const [stored] = await layer.db.db.select().from(platformAccounts).where(eq(platformAccounts.id, layer.seeded.accountId));
      expect(stored!.proxyEncrypted).not.toContain('s3cret');

      const seen = await layer.runtime.withAccount(layer.seeded.accountId, async ({ page, platform }) => {
        await page.goto(new URL('/posts', platform.technicalConfig.baseUrl).toString());
        return page.evaluate('[navigator.language, Intl.DateTimeFormat().resolvedOptions().timeZone, window.innerWidth]');
      });
      expect(seen).toEqual(['es-CO', 'America/Bogota', 390]);
      expect(carried.some((url) => url.startsWith(layer.demo.url))).toBe(true);
      await expect(setBrowserProfile(deps, layer.seeded.accountId, { actor: 'test', timezoneId: 'Mars/Olympus' })).rejects.toThrow(/timezoneId/);
    } finally {
      await setBrowserProfile(deps, layer.seeded.accountId, { actor: 'test', proxy: null });
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  describe('a platform page this driver does not know', () => {
    let server: Server;
    let accountId: string;
    let platformId: string;
    beforeAll(async () => {
      // A logged-in header but an upload page from a redesign: none of the known layouts.
      server = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<!doctype html><header><a id="account-menu" href="/u/x">@x</a></header><main><div class="new-uploader">Arrastra tu vídeo</div></main>');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      const [platform] = await layer.db.db.insert(platforms)
        .values({ name: `redesign-${port}`, capabilities: capabilitiesFor('demo'), technicalConfig: { driver: 'demo', baseUrl: `http://127.0.0.1:${port}` } })
        .returning();
      platformId = platform!.id;
      // Its own model: the demo model's other tests (sharing this database) must not gain an account.
      const [model] = await layer.db.db.insert(models).values({ name: `Rediseño ${port}`, distribution: defaultDistributionRules }).returning();
      const id = randomUUID();
      const [account] = await layer.db.db.insert(platformAccounts)
        .values({ id, modelId: model!.id, platformId: platform!.id, username: 'redesign', authData: encryptJson(layer.config.keyring, secretBindings.accountAuthData(id), { cookies: [], origins: [] }) })
        .returning();
      accountId = account!.id;
    });
    afterAll(async () => {
      await layer.db.db.update(platforms).set({ active: false }).where(eq(platforms.id, platformId));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('SelectorMissing, carrying the evidence', async () => {
      const { publicationId } = await newPublication(layer, accountId);
      const failure = failureOf(await publish(publicationId));
      expect(failure.type).toBe('SelectorMissing');
      expect(failure.message).toMatch(/none of the known layouts/);
      const dir = await expectEvidence(publicationId, 1, 'SelectorMissing');
      expect((failure.details?.[0] as { evidencePath?: string }).evidencePath).toBe(dir);
      expect(readFileSync(join(dir, 'page.html'), 'utf8')).toContain('new-uploader');
    });
  });
});
