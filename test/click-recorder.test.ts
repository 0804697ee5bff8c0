/**
 * The click pipeline against the run's PostgreSQL:
 * - the database stopped mid-test (a TCP proxy in front of PostgreSQL that the test cuts and restores): every
 *   redirect is still answered, the clicks wait in memory up to CLICK_BUFFER_MAX and arrive once the database is
 *   back, the overflow is counted, reported by /healthz and recorded as one `clicks_dropped` alert;
 * - the rollups `insertClickBatch` keeps equal a GROUP BY over the raw rows, for every dimension and granularity,
 *   after thousands of varied clicks in several batches with repeats — and so do those `rebuildClickRollups` makes.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { and, eq, gte, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { trackingRefOf } from '../core/tracking.js';
import { insertClickBatch, rebuildClickRollups, type StoredClick } from '../db/clicks.js';
import { deleteAccountRow } from '../db/accounts.js';
import { clicksByValue, rollupPieces } from '../db/analytics.js';
import { inTransaction, openDatabase, type DbHandle } from '../db/client.js';
import { clickRollups, clicks, platformAccounts, publicationStats, systemEvents } from '../db/schema.js';
import { TrackingLinks } from '../services/clicks/links.js';
import { createPublication } from './helpers/overview-seed.js';
import { click, clicksOf, createTrackedAccount, createTrackingOwner, startTrackingApp, type TrackingApp } from './helpers/tracking.js';
import { waitFor } from './helpers/wait.js';

const run = randomBytes(3).toString('hex');
const stream = `https://stream.example/rec_${run}`;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let direct: DbHandle;
let owner: { platformId: string; modelId: string };

/** Forwards TCP to PostgreSQL until cut: then, as with a stopped server, open connections drop and new ones are refused. */
interface CuttableProxy {
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

async function startProxy(target: { host: string; port: number }): Promise<CuttableProxy> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const forward = (client: Socket) => {
    const upstream = connect(target.port, target.host);
    track(client);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  };
  let server: Server | undefined;
  const listen = (port: number) => new Promise<number>((resolve, reject) => {
    const next = createServer(forward);
    next.once('error', reject);
    next.listen(port, '127.0.0.1', () => {
      server = next;
      const address = next.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
  const stop = () => new Promise<void>((resolve) => {
    const current = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (current) current.close(() => resolve());
    else resolve();
  });
  const port = await listen(0);
  return {
    port,
    cut: stop,
    restore: async () => {
      if (!server) await listen(port);
    },
    close: stop,
  };
}

beforeAll(async () => {
  direct = await openDatabase({ databaseUrl: inject('databaseUrl') });
  owner = await createTrackingOwner(direct.db, `rec-${run}`);
});

afterAll(async () => {
  await direct?.close();
});

describe('the database stopped mid-test', () => {
  let proxy: CuttableProxy;
  let viaProxy: DbHandle;
  let app: TrackingApp;

  beforeAll(async () => {
    const databaseUrl = new URL(inject('databaseUrl'));
    proxy = await startProxy({ host: databaseUrl.hostname, port: Number(databaseUrl.port || 5432) });
    databaseUrl.host = `127.0.0.1:${proxy.port}`;
    viaProxy = await openDatabase({ databaseUrl: databaseUrl.toString() });
    // Everything the app reads and writes goes through the proxy (its configuration names it too); 100 is the smallest
    // buffer CLICK_BUFFER_MAX allows.
    app = await startTrackingApp(viaProxy.db, { env: { DATABASE_URL: databaseUrl.toString(), CLICK_BUFFER_MAX: '100', CLICK_BATCH_SIZE: '25' } });
  });
  afterAll(async () => {
    await proxy?.restore();
    await app?.close();
    await viaProxy?.close();
    await proxy?.close();
  });

  it('loses no redirect; the clicks arrive once it is back, up to the buffer bound, and the overflow is counted and reported', async () => {
    const startedAt = new Date();
    const account = await createTrackedAccount(direct.db, owner, { username: `down_${run}`, streamUrl: stream });
    const publication = await createPublication(direct.db, account, { status: 'published' });
    const accountLink = `/t/${account.trackingCode}`;
    const postLink = `${accountLink}/${trackingRefOf(publication.id)}`;
    const headers = (i: number) => ({ 'user-agent': `Mozilla/5.0 (X11; Linux x86_64) Firefox/127.0 rec-${run}-${i % 7}` });

    // Up: the code is looked up (and kept), the first click written.
    expect((await click(app.url, accountLink, headers(0))).status).toBe(302);
    await app.app.clicks.flush();
    expect(app.app.clicks.stats()).toMatchObject({ buffered: 0, stored: 1, dropped: 0 });

    await proxy.cut();
    try {
      const answers: number[] = [];
      for (let i = 1; i <= 130; i++) answers.push((await click(app.url, i % 3 === 0 ? postLink : accountLink, headers(i))).status);
      expect(answers.filter((status) => status === 302)).toHaveLength(130);
      // 100 held (CLICK_BUFFER_MAX), the 30 after them dropped and counted; the retries fail and say why.
      const down = await waitFor(async () => {
        const stats = app.app.clicks.stats();
        return stats.lastError !== undefined && stats;
      }, { what: 'a failed flush while the database is away', timeoutMs: 15_000 });
      expect(down).toMatchObject({ buffered: 100, stored: 1, dropped: 30 });
      // The recorder's figures are details: the admin's (bearer token) answer carries them.
      const health = await fetch(`${app.url}/healthz`, { headers: { authorization: `Bearer ${app.config.apiToken}` } });
      expect(health.status).toBe(503);
      expect(((await health.json()) as { clicks: unknown }).clicks).toMatchObject({ buffered: 100, stored: 1, dropped: 30, lastError: expect.any(String) });
      // A code this process never saw cannot be told apart from a wrong one without the database: 503, not 404.
      const unseen = await click(app.url, `/t/${randomBytes(5).toString('hex')}`);
      expect(unseen.status).toBe(503);
      expect(unseen.headers.get('retry-after')).toBe('5');
    } finally {
      await proxy.restore();
    }
    const rows = await waitFor(async () => {
      const found = await clicksOf(direct.db, account.id);
      return found.length === 101 && found;
    }, { what: 'the buffered clicks to arrive', timeoutMs: 30_000 });
    // The first 100 after the cut, in order: every third one on the post's link.
    expect(rows.slice(1).map((r) => r.publicationId)).toEqual(Array.from({ length: 100 }, (_, k) => ((k + 1) % 3 === 0 ? publication.id : null)));
    expect(app.app.clicks.stats()).toMatchObject({ buffered: 0, stored: 101, dropped: 30 });
    expect(app.app.clicks.stats().lastError).toBeUndefined();

    const alert = await waitFor(async () => {
      const [row] = await direct.db.select().from(systemEvents)
        .where(and(eq(systemEvents.type, 'alert'), gte(systemEvents.ts, startedAt), sql`${systemEvents.data}->>'kind' = 'clicks_dropped'`));
      return row;
    }, { what: 'the clicks_dropped alert', timeoutMs: 15_000 });
    expect(alert.data).toEqual({ kind: 'clicks_dropped', count: 30, bufferMax: 100 });
  });

  it('keeps redirecting a link it has seen while the database cannot answer', async () => {
    const account = await createTrackedAccount(direct.db, owner, { username: `stale_${run}`, streamUrl: stream });
    // Every answer stale at once (TTL 0): each visit refreshes the entry behind its answer.
    const links = new TrackingLinks(viaProxy.db, { ttlMs: 0 });
    expect(await links.resolve(account.trackingCode)).toEqual({ accountId: account.id, location: stream });
    await proxy.cut();
    try {
      // Answered from the cache at once (not a promise waiting on the database), again and again.
      expect(links.resolve(account.trackingCode)).toEqual({ accountId: account.id, location: stream });
      expect(links.resolve(account.trackingCode)).toEqual({ accountId: account.id, location: stream });
      await expect(Promise.resolve(links.resolve('neverseen01'))).rejects.toThrow();
    } finally {
      await proxy.restore();
    }
  });

  it('answers an expired link at once and shows a changed stream URL from the refresh it started', async () => {
    const account = await createTrackedAccount(direct.db, owner, { username: `moved_${run}`, streamUrl: stream });
    const links = new TrackingLinks(direct.db, { ttlMs: 0 });
    expect(await links.resolve(account.trackingCode)).toEqual({ accountId: account.id, location: stream });
    const moved = 'https://chaturbate.example/moved_here';
    await direct.db.update(platformAccounts).set({ streamUrl: moved }).where(eq(platformAccounts.id, account.id));
    // The visit after the change still goes where it went (synchronously), and starts the refresh…
    expect(links.resolve(account.trackingCode)).toEqual({ accountId: account.id, location: stream });
    // …whose answer the next visits get.
    await waitFor(async () => {
      const target = links.resolve(account.trackingCode);
      return !(target instanceof Promise) && target?.location === moved;
    }, { what: 'the refreshed stream URL', timeoutMs: 5000, intervalMs: 20 });
  });
});

describe('rollups', () => {
  /** What a rollup row holds, keyed the way its primary key is. */
  type Rollups = Map<string, { total: number; unique: number; bots: number; botUnique: number }>;

  const dimensionSql: Record<string, string> = {
    all: `''`,
    publication: `coalesce(publication_id::text, '')`,
    country: `coalesce(country, '')`,
    city: `case when city is null then '' when country is null then city else city || ', ' || country end`,
    device: `coalesce(device, '')`,
    os: `coalesce(os, '')`,
    browser: `coalesce(browser, '')`,
    referrer: `coalesce(referrer_host, '')`,
  };

  /** Every granularity × dimension as a GROUP BY over the raw clicks of these accounts. */
  async function groupedRaw(accountIds: string[]): Promise<Rollups> {
    const grouped: Rollups = new Map();
    const ids = accountIds.map((id) => `'${id}'`).join(', ');
    for (const granularity of ['hour', 'day']) {
      for (const [dimension, value] of Object.entries(dimensionSql)) {
        const result = await direct.db.execute(sql.raw(`
          select date_trunc('${granularity}', ts, 'UTC') as bucket, account_id, ${value} as value,
            count(*) filter (where not is_bot) as total, count(*) filter (where not is_bot and is_unique) as "unique",
            count(*) filter (where is_bot) as bots, count(*) filter (where is_bot and is_unique) as bot_unique
          from clicks where account_id in (${ids}) group by 1, 2, 3`));
        for (const row of Array.from(result as unknown as Record<string, string | number>[])) {
          grouped.set(`${granularity}|${dimension}|${new Date(row.bucket!).toISOString()}|${row.account_id}|${row.value}`, {
            total: Number(row.total), unique: Number(row.unique), bots: Number(row.bots), botUnique: Number(row.bot_unique),
          });
        }
      }
    }
    return grouped;
  }

  async function storedRollups(accountIds: string[]): Promise<Rollups> {
    const rows = await direct.db.select().from(clickRollups).where(inArray(clickRollups.accountId, accountIds));
    return new Map(rows.map((r) => [
      `${r.granularity}|${r.dimension}|${r.bucketStart.toISOString()}|${r.accountId}|${r.value}`,
      { total: r.total, unique: r.unique, bots: r.bots, botUnique: r.botUnique },
    ]));
  }

  const sorted = (rollups: Rollups) => [...rollups.entries()].sort(([a], [b]) => a.localeCompare(b));

  /**
   * Studio-wide rollup rows that are not the sum of the per-account ones, read in one snapshot (other test files
   * flush clicks meanwhile; each flush writes both tables in one transaction).
   */
  async function studioMismatches(): Promise<unknown[]> {
    return direct.db.transaction(async (tx) => Array.from(await tx.execute(sql`
      select granularity, dimension, bucket_start, value, s.total as studio_total, a.total as sum_total
      from click_rollups_studio s
      full join (select granularity, dimension, bucket_start, value, sum(total)::int as total, sum("unique")::int as "unique",
          sum(bots)::int as bots, sum(bot_unique)::int as bot_unique
        from click_rollups where dimension <> 'publication' group by 1, 2, 3, 4) a using (granularity, dimension, bucket_start, value)
      where (s.total, s."unique", s.bots, s.bot_unique) is distinct from (a.total, a."unique", a.bots, a.bot_unique)
      limit 5`) as unknown as unknown[]), { isolationLevel: 'repeatable read' });
  }

  it('equal a GROUP BY over the raw rows, for every dimension and granularity, and so do rebuilt ones', async () => {
    const first = await createTrackedAccount(direct.db, owner, { username: `roll1_${run}`, streamUrl: stream });
    const second = await createTrackedAccount(direct.db, owner, { username: `roll2_${run}`, streamUrl: stream });
    const posts = {
      [first.id]: [(await createPublication(direct.db, first, { status: 'published' })).id, (await createPublication(direct.db, first, { status: 'published' })).id],
      [second.id]: [(await createPublication(direct.db, second, { status: 'published' })).id],
    };
    const accountIds = [first.id, second.id];

    // 3,000 clicks from the start of yesterday (UTC) until a minute ago: 40 visitors, so plenty of repeats.
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    const from = Math.floor(Date.now() / DAY) * DAY - DAY;
    const until = Date.now() - 60_000;
    const places = [['CO', 'Bogota'], ['CO', 'Medellin'], ['CO', null], ['US', 'Miami'], ['GB', 'London'], [null, null]] as const;
    const visitors = Array.from({ length: 40 }, () => randomBytes(16).toString('hex'));
    const generated: StoredClick[] = Array.from({ length: 3000 }, () => {
      const accountId = pick(accountIds);
      const [country, city] = pick(places);
      return {
        ts: new Date(from + Math.floor(random() * (until - from))),
        accountId,
        publicationId: pick([null, ...posts[accountId]!]),
        visitorHash: pick(visitors),
        country, city,
        referrerHost: pick(['t.co', 'instagram.com', 'reddit.com', null]),
        device: pick(['mobile', 'desktop', 'tablet', 'bot', null]),
        os: pick(['iOS', 'Android', 'Windows', null]),
        browser: pick(['Safari', 'Chrome', 'Firefox', null]),
        isBot: random() < 0.15,
      };
    }).sort((a, b) => a.ts.getTime() - b.ts.getTime());
    for (const size of [1, 499, 500, 700, 300, 1000]) await insertClickBatch(direct.db, generated.splice(0, size));

    // is_unique: the first click of a visitor on a link (account + post; people and bots apart) that UTC day.
    const rows = await direct.db.select().from(clicks).where(inArray(clicks.accountId, accountIds)).orderBy(clicks.ts, clicks.id);
    expect(rows).toHaveLength(3000);
    const seen = new Set<string>();
    const expectedUnique = rows.map((r) => {
      const key = `${r.ts.toISOString().slice(0, 10)}|${r.accountId}|${r.publicationId}|${r.isBot}|${r.visitorHash}`;
      return !seen.has(key) && !!seen.add(key);
    });
    expect(rows.map((r) => r.isUnique)).toEqual(expectedUnique);
    expect(expectedUnique.filter(Boolean).length).toBeLessThan(3000 / 2);

    const raw = await groupedRaw(accountIds);
    expect(raw.size).toBeGreaterThan(500);
    expect(sorted(await storedRollups(accountIds))).toEqual(sorted(raw));
    // The studio-wide rows (what unscoped charts read) are the per-account ones summed.
    expect(await studioMismatches()).toEqual([]);

    // Per-publication totals: people's clicks and uniques, bots apart.
    for (const publicationId of Object.values(posts).flat()) {
      const [stats] = await direct.db.select().from(publicationStats).where(eq(publicationStats.publicationId, publicationId));
      const mine = rows.filter((r) => r.publicationId === publicationId);
      expect(stats).toMatchObject({
        clicks: mine.filter((r) => !r.isBot).length, uniqueClicks: mine.filter((r) => !r.isBot && r.isUnique).length, botClicks: mine.filter((r) => r.isBot).length,
      });
    }

    // The repair: a few hours in the middle (their days follow from the hours), then the whole range.
    const middle = Math.floor((from + DAY + 3 * HOUR) / HOUR) * HOUR;
    await direct.db.delete(clickRollups).where(and(inArray(clickRollups.accountId, accountIds), eq(clickRollups.dimension, 'country')));
    await rebuildClickRollups(direct.db, { from: new Date(middle - 5 * HOUR), to: new Date(middle) });
    const partial = await storedRollups(accountIds);
    expect([...partial.keys()].some((key) => key.includes('|country|'))).toBe(true);
    await rebuildClickRollups(direct.db, { from: new Date(from), to: new Date(Math.ceil(Date.now() / HOUR) * HOUR) });
    expect(sorted(await storedRollups(accountIds))).toEqual(sorted(raw));
    expect(await studioMismatches()).toEqual([]);

    // Deleting an account (one without posts may be deleted) takes its clicks out of the studio-wide rows too.
    const doomed = await createTrackedAccount(direct.db, owner, { username: `roll3_${run}`, streamUrl: stream });
    await insertClickBatch(direct.db, Array.from({ length: 50 }, (_, i) => ({
      ts: new Date(until - i * 60_000), accountId: doomed.id, publicationId: null, visitorHash: visitors[i % 7]!,
      country: 'ZZ', city: `Solo ${run}`, referrerHost: null, device: 'mobile', os: 'iOS', browser: 'Safari', isBot: i % 10 === 0,
    })));
    const lonelyCity = async () => Array.from(await direct.db.execute(sql`
      select sum(total)::int as total from click_rollups_studio where dimension = 'city' and value = ${`Solo ${run}, ZZ`}`) as unknown as { total: number | null }[])[0];
    expect(await lonelyCity()).toEqual({ total: 45 * 2 }); // people only, in hour and day rows
    // An unscoped breakdown reads those studio-wide rows.
    const allCities = await clicksByValue(direct.db, 'city', rollupPieces(new Date(from), new Date(Math.ceil(Date.now() / HOUR) * HOUR)), {}, 'exclude', 100_000);
    expect(allCities.find((row) => row.value === `Solo ${run}, ZZ`)).toMatchObject({ total: 45, bots: 5 });
    expect(await clicksOf(direct.db, doomed.id)).toHaveLength(50);
    await inTransaction(direct.db, (tx) => deleteAccountRow(tx, doomed.id));
    expect(await lonelyCity()).toEqual({ total: null }); // its rows left at zero are gone
    expect(await clicksOf(direct.db, doomed.id)).toEqual([]); // its raw clicks too (`clicks` has no foreign keys)
    expect(await studioMismatches()).toEqual([]);
    await expect(rebuildClickRollups(direct.db, { from: new Date(from + 1), to: new Date(from + HOUR) })).rejects.toThrow(/whole UTC hours/);
  });

  it('leaves out clicks of an account deleted meanwhile instead of failing the batch', async () => {
    const account = await createTrackedAccount(direct.db, owner, { username: `gone_${run}`, streamUrl: stream });
    const click = (accountId: string): StoredClick => ({
      ts: new Date(), accountId, publicationId: randomUUID(), visitorHash: randomBytes(16).toString('hex'),
      country: null, city: null, referrerHost: null, device: null, os: null, browser: null, isBot: false,
    });
    // An unknown publication becomes an account click; an unknown account is left out.
    await insertClickBatch(direct.db, [click(account.id), click(randomUUID())]);
    const rows = await clicksOf(direct.db, account.id);
    expect(rows.map((r) => r.publicationId)).toEqual([null]);
  });
});

describe('the app’s database connections', () => {
  it('run without JIT and without parallel workers, on every pooled connection (db/client.ts sessionSettings)', async () => {
    // Several statements at once, so the pool opens more than one connection and each is checked.
    const settings = await Promise.all(Array.from({ length: 4 }, () => direct.db.execute(sql`
      select current_setting('jit') as jit, current_setting('max_parallel_workers_per_gather') as workers, pg_backend_pid() as pid, pg_sleep(0.05)`)));
    const rows = settings.map((result) => (result as unknown as { jit: string; workers: string; pid: number }[])[0]!);
    expect(new Set(rows.map((r) => r.pid)).size).toBeGreaterThan(1);
    for (const row of rows) expect({ jit: row.jit, workers: row.workers }).toEqual({ jit: 'off', workers: '0' });
  });
});
