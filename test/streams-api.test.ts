/**
 * The live streams API on the whole stack (PostgreSQL, Temporal, workers, the fake Chaturbate API): stream sources
 * (Chaturbate with encrypted tokens and its workflow started and stopped; CSV-only sites without tokens; tokens never
 * answered; bad input refused naming the field with nothing written), the session and earnings lists with keyset
 * cursors exact to the stored microsecond, and the CSV import: a preview with good and bad rows that stores nothing,
 * the confirmed import storing exactly the good rows, and a re-import storing nothing twice.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptJson, secretBindings } from '../crypto/secrets.js';
import { streamSourceWorkflowId } from '../contracts/workflows.js';
import { earnings, streams, streamSources, systemEvents } from '../db/schema.js';
import { startFakeChaturbate, type FakeChaturbate } from './fakes/chaturbate-server.js';
import { startTestStack, type TestStack } from './helpers/stack.js';

let stack: TestStack;
let cb: FakeChaturbate;
const run = randomBytes(3).toString('hex');

beforeAll(async () => {
  cb = await startFakeChaturbate();
  stack = await startTestStack({
    embedded: false,
    env: { CHATURBATE_EVENTS_ROOT: cb.eventsRoot, CHATURBATE_STATS_ROOT: cb.statsRoot, CHATURBATE_EVENTS_TIMEOUT_SECONDS: '1' },
  });
});
afterAll(async () => {
  await stack?.close();
  await cb?.close();
});

const db = () => stack.app.db.db;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; text: string }> {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.apiToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, text };
}

/** A fresh model in Mexico City's zone (UTC−6 all year since 2022). */
async function newModel(label: string): Promise<string> {
  const created = await api('POST', '/api/models', { name: `Streams ${label} ${run}`, preset: 'MX' });
  expect(created.status).toBe(201);
  expect(created.body.timezone).toBe('America/Mexico_City');
  return created.body.id as string;
}

const sourceRows = (modelId: string) => db().select().from(streamSources).where(eq(streamSources.modelId, modelId));
const eventsOf = (modelId: string) =>
  db().select({ type: systemEvents.type, data: systemEvents.data, actor: systemEvents.actor }).from(systemEvents)
    .where(eq(systemEvents.modelId, modelId)).orderBy(asc(systemEvents.id));

async function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('stream sources', () => {
  it('adds a Chaturbate source with its tokens encrypted and never answered, and starts its workflow', async () => {
    const modelId = await newModel('cb');
    const room = cb.addBroadcaster(`lola_${run}`);
    const created = await api('POST', `/api/models/${modelId}/stream-sources`, {
      site: 'chaturbate', username: `  Lola_${run} `, eventsToken: room.eventsToken, statsToken: room.statsToken,
    });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual([
      'createdAt', 'feed', 'hasEventsToken', 'hasStatsToken', 'id', 'lastError', 'lastEventAt', 'modelId', 'site', 'status', 'username',
    ]);
    expect(created.body).toMatchObject({ site: 'chaturbate', username: `lola_${run}`, feed: 'api', hasEventsToken: true, hasStatsToken: true, status: 'active' });
    expect(created.text).not.toContain(room.eventsToken);
    expect(created.text).not.toContain(room.statsToken);

    const [row] = await sourceRows(modelId);
    expect(row!.eventsTokenEncrypted).toMatch(/^v2\./);
    expect(row!.eventsTokenEncrypted).not.toContain(room.eventsToken);
    expect(row!.statsTokenEncrypted).not.toContain(room.statsToken);
    const keyring = stack.app.config.keyring;
    expect(decryptJson(keyring, secretBindings.streamSourceEventsToken(row!.id), row!.eventsTokenEncrypted!)).toBe(room.eventsToken);
    expect(decryptJson(keyring, secretBindings.streamSourceStatsToken(row!.id), row!.statsTokenEncrypted!)).toBe(room.statsToken);
    // Bound to its column: the events envelope does not open as the stats token.
    expect(() => decryptJson(keyring, secretBindings.streamSourceStatsToken(row!.id), row!.eventsTokenEncrypted!)).toThrow();

    const listed = await api('GET', `/api/models/${modelId}/stream-sources`);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([created.body]);
    expect(listed.text).not.toContain(room.eventsToken);

    const handle = stack.app.temporal.workflow.getHandle(streamSourceWorkflowId(created.body.id));
    expect((await handle.describe()).status.name).toBe('RUNNING');
    // The workflow follows the feed with the stored token.
    await until('the first Events API poll', async () => cb.requestCount(`lola_${run}`, 'events'), (n) => n > 0);
    expect(await eventsOf(modelId)).toEqual([
      { type: 'model_created', data: expect.anything(), actor: 'api' },
      { type: 'stream_source_created', data: { site: 'chaturbate', username: `lola_${run}` }, actor: 'api' },
    ]);

    // Deleting it: the workflow is told to stop (and ends), the row goes, the event says so.
    const deleted = await api('DELETE', `/api/models/${modelId}/stream-sources/${created.body.id}`);
    expect(deleted).toMatchObject({ status: 200, body: { id: created.body.id, deleted: true } });
    expect(await sourceRows(modelId)).toEqual([]);
    const history = await handle.fetchHistory();
    expect(history.events?.some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'stopStreamSource')).toBe(true);
    await until('the workflow to end', async () => (await handle.describe()).status.name, (s) => s !== 'RUNNING', 60_000);
    expect((await eventsOf(modelId)).at(-1)).toEqual({ type: 'stream_source_deleted', data: { site: 'chaturbate', username: `lola_${run}` }, actor: 'api' });
    expect((await api('DELETE', `/api/models/${modelId}/stream-sources/${created.body.id}`)).status).toBe(404);
  });

  it('adds CSV-only sites without tokens, and refuses bad input naming the field with nothing written', async () => {
    const modelId = await newModel('csv');
    const csvOnly = await api('POST', `/api/models/${modelId}/stream-sources`, { site: 'stripchat', username: 'Luna.Star', eventsToken: '' });
    expect(csvOnly.status).toBe(201);
    expect(csvOnly.body).toMatchObject({ site: 'stripchat', username: 'Luna.Star', feed: 'csv', hasEventsToken: false, hasStatsToken: false });
    const [row] = await sourceRows(modelId);
    expect(row).toMatchObject({ eventsTokenEncrypted: null, statsTokenEncrypted: null });
    // No workflow for a CSV-only source.
    await expect(stack.app.temporal.workflow.getHandle(streamSourceWorkflowId(csvOnly.body.id)).describe()).rejects.toThrow();

    const refusals: [Record<string, unknown>, number, string][] = [
      [{ site: 'chaturbate', username: 'mia' }, 400, 'eventsToken'],
      [{ site: 'chaturbate', username: 'mia', eventsToken: 'short' }, 400, 'eventsToken'],
      [{ site: 'chaturbate', username: 'mia', eventsToken: 'a'.repeat(24), statsToken: 'has spaces in it' }, 400, 'statsToken'],
      [{ site: 'chaturbate', username: 'mía/../x', eventsToken: 'a'.repeat(24) }, 400, 'username'],
      [{ site: 'bongacams', username: 'mia', eventsToken: 'a'.repeat(24) }, 400, 'eventsToken'],
      [{ site: 'camsoda', username: '   ' }, 400, 'username'],
      [{ site: 'camsoda', username: 'two\nlines' }, 400, 'username'],
      [{ site: 'onlyfans', username: 'mia' }, 400, 'site'],
      [{ site: 'camsoda', username: 'x'.repeat(101) }, 400, 'username'],
      [{ site: 'stripchat', username: 'Luna.Star' }, 409, 'username'],
    ];
    for (const [body, status, field] of refusals) {
      const answer = await api('POST', `/api/models/${modelId}/stream-sources`, body);
      expect([JSON.stringify(body), answer.status]).toEqual([JSON.stringify(body), status]);
      expect(Object.keys(answer.body.fields ?? {})).toEqual([field]);
      expect(answer.text).not.toContain('a'.repeat(24));
    }
    expect((await sourceRows(modelId)).map((r) => r.site)).toEqual(['stripchat']);
    expect((await eventsOf(modelId)).filter((e) => e.type === 'stream_source_created')).toHaveLength(1);

    expect((await api('POST', `/api/models/${randomUUID()}/stream-sources`, { site: 'camsoda', username: 'mia' })).status).toBe(404);
    expect((await api('GET', `/api/models/${randomUUID()}/stream-sources`)).status).toBe(404);
    expect((await api('DELETE', `/api/models/${modelId}/stream-sources/${randomUUID()}`)).status).toBe(404);
    const unauthenticated = await fetch(`${stack.url}/api/models/${modelId}/stream-sources`);
    expect(unauthenticated.status).toBe(401);

    expect((await api('DELETE', `/api/models/${modelId}/stream-sources/${csvOnly.body.id}`)).status).toBe(200);
    expect(await sourceRows(modelId)).toEqual([]);
  });
});

describe('GET /api/streams and /api/earnings', () => {
  it('pages newest first with cursors exact to the microsecond, filters by model and range, refuses bad ranges', async () => {
    const modelId = await newModel('lists');
    const other = await newModel('lists-other');
    // Five sessions, two of them at the same microsecond (the id breaks the tie), stored with microseconds.
    const starts = ['2026-02-01 10:00:00.123456+00', '2026-02-02 10:00:00.000001+00', '2026-02-02 10:00:00.000001+00', '2026-02-03 09:30:00+00', '2026-02-04 22:00:00.999999+00'];
    for (const [i, start] of starts.entries()) {
      await db().execute(sql`insert into streams (model_id, site, started_at, ended_at, tokens, amount_usd, origin, external_id)
        values (${modelId}, 'stripchat', ${start}::timestamptz, ${start}::timestamptz + interval '2 hours', ${i * 10}, ${`${i}.5`}, 'csv', ${`s-${i}`})`);
    }
    await db().execute(sql`insert into streams (model_id, site, started_at, origin) values (${other}, 'camsoda', '2026-02-03 00:00+00', 'csv')`);
    for (let i = 0; i < 5; i++) {
      await db().execute(sql`insert into earnings (model_id, site, ts, kind, tokens, amount_usd, origin, external_id)
        values (${modelId}, 'stripchat', ${`2026-02-0${i + 1} 12:00:00.00000${i}+00`}::timestamptz, 'tip', ${i}, ${`${i}.25`}, 'csv', ${`e-${i}`})`);
    }

    const seen: any[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: any } = await api('GET', `/api/streams?modelId=${modelId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen.map((s) => s.id)).size).toBe(5);
    expect(seen.map((s) => s.start)).toEqual([
      '2026-02-04T22:00:00.999Z', '2026-02-03T09:30:00.000Z', '2026-02-02T10:00:00.000Z', '2026-02-02T10:00:00.000Z', '2026-02-01T10:00:00.123Z',
    ]);
    expect(Object.keys(seen[0]).sort()).toEqual([
      'amountUsd', 'end', 'followersEnd', 'followersStart', 'id', 'modelId', 'origin', 'peakViewers', 'showType', 'site', 'start', 'tokens',
    ]);
    expect(seen[0]).toMatchObject({ modelId, site: 'stripchat', end: '2026-02-05T00:00:00.999Z', showType: 'public', tokens: 40, amountUsd: '4.5000', origin: 'csv' });

    const ranged = await api('GET', `/api/streams?modelId=${modelId}&from=2026-02-02T10:00:00.000001Z&to=2026-02-04T00:00:00Z`);
    expect(ranged.body.items.map((s: { start: string }) => s.start)).toEqual(['2026-02-03T09:30:00.000Z', '2026-02-02T10:00:00.000Z', '2026-02-02T10:00:00.000Z']);

    const lines: any[] = [];
    cursor = null;
    do {
      const page: { status: number; body: any } = await api('GET', `/api/earnings?modelId=${modelId}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      lines.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(lines.map((l) => [l.time, l.amountUsd, l.tokens])).toEqual([4, 3, 2, 1, 0].map((i) => [`2026-02-0${i + 1}T12:00:00.000Z`, `${i}.2500`, i]));
    expect(lines[0]).toMatchObject({ modelId, kind: 'tip', site: 'stripchat', origin: 'csv', sourceId: null, streamId: null, isAnonymous: false, id: expect.any(String) });

    for (const [query, field] of [['from=yesterday', 'from'], ['to=2026-13-45T00:00:00Z', 'to'], ['from=2026-02-02T00:00:00Z&to=2026-02-01T00:00:00Z', 'to'], ['cursor=bm9wZQ', 'cursor'], ['limit=0', 'limit'], ['modelId=nope', 'modelId']]) {
      for (const path of ['/api/streams', '/api/earnings']) {
        const bad = await api('GET', `${path}?${query}`);
        expect([path, query, bad.status]).toEqual([path, query, 400]);
        expect(Object.keys(bad.body.fields)).toEqual([field]);
      }
    }
    // A sessions cursor is not an earnings cursor.
    const first = await api('GET', `/api/streams?modelId=${modelId}&limit=1`);
    expect((await api('GET', `/api/earnings?cursor=${first.body.nextCursor}`)).body.error).toBe('invalid_cursor');
  });
});

describe('CSV import', () => {
  const header = 'type,start,end,show_type,peak_viewers,followers_start,followers_end,time,kind,tokens,amount_usd,external_id';
  // Mexico City is UTC−6: 2026-03-10 20:00 local is 2026-03-11T02:00Z.
  const file = [
    header,
    'session,2026-03-10 20:00,2026-03-10 23:00,public,140,2000,2065,,,,,',
    'earning,,,,,,,2026-03-10 20:30,tip,100,5.00,',
    'earning,,,,,,,2026-03-10 20:30,tip,100,5.00,',
    'earning,,,,,,,2026-03-10 21:00,private_show,,30.5,pv-1',
    'earning,,,,,,,2026-03-10 21:00,gift,10,1,',
    'session,2026-03-10 22:00,2026-03-11 01:00,,,,,,,,,',
    'session,2026-03-11T18:00:00Z,2026-03-11T19:30:00Z,private,,,,,,250,12.5,sc-2',
    '"earning",,,,,,,2026-03-12 10:00,other,,"7.25","nota',
    'con salto"',
    'earning,,,,,,,2026-03-12 10:00,tip,abc,1,',
    'earning,,,,,,,2026-03-13 10:00,fanclub_join,,9.99,',
  ].join('\n');

  it('previews good and bad rows storing nothing, then confirms exactly the good rows, and stores nothing twice', async () => {
    const modelId = await newModel('import');
    const source = await api('POST', `/api/models/${modelId}/stream-sources`, { site: 'stripchat', username: 'luna' });
    expect(source.status).toBe(201);

    const preview = await api('POST', `/api/models/${modelId}/stream-imports/preview`, { site: 'stripchat', csv: file, fileName: 'marzo.csv' });
    expect(preview.status).toBe(200);
    expect(preview.body.timeZone).toBe('America/Mexico_City');
    expect(preview.body.sessions).toEqual([
      {
        line: 2, externalId: 'csv:s:2026-03-11T02:00:00.000Z', start: '2026-03-11T02:00:00.000Z', end: '2026-03-11T05:00:00.000Z', showType: 'public',
        peakViewers: 140, followersStart: 2000, followersEnd: 2065, alreadyStored: false,
      },
      {
        line: 8, externalId: 'sc-2', start: '2026-03-11T18:00:00.000Z', end: '2026-03-11T19:30:00.000Z', showType: 'private',
        peakViewers: null, followersStart: null, followersEnd: null, alreadyStored: false,
      },
    ]);
    expect(preview.body.earnings.map((e: any) => [e.line, e.kind, e.tokens, e.amountUsd, e.sessionLine, e.alreadyStored])).toEqual([
      [3, 'tip', 100, '5.0000', 2, false],
      [4, 'tip', 100, '5.0000', 2, false],
      [5, 'private_show', null, '30.5000', 2, false],
      [8, 'other', 250, '12.5000', 8, false],
      [9, 'other', null, '7.2500', null, false],
      [12, 'fanclub_join', null, '9.9900', null, false],
    ]);
    expect(preview.body.earnings[3].externalId).toBe('sc-2:total');
    expect(preview.body.badRows.map((r: any) => [r.line, r.field, r.code])).toEqual([
      [6, 'kind', 'bad_kind'],
      [7, 'start', 'overlaps_session'],
      [11, 'tokens', 'bad_count'],
    ]);
    expect(preview.body.badRows[0].reason).toBe('kind: "gift" is not one of tip, media_purchase, fanclub_join, private_show, other');
    expect(preview.body.badRows[1].reason).toBe('start: overlaps the session on line 2');
    expect(preview.body.counts).toEqual({ sessions: 2, earnings: 6, skipped: 0, badRows: 3 });
    // Nothing stored by a preview.
    expect(await db().select().from(streams).where(eq(streams.modelId, modelId))).toEqual([]);
    expect(await db().select().from(earnings).where(eq(earnings.modelId, modelId))).toEqual([]);
    expect((await eventsOf(modelId)).map((e) => e.type)).not.toContain('earnings_imported');

    const unconfirmed = await api('POST', `/api/models/${modelId}/stream-imports`, { site: 'stripchat', csv: file });
    expect(unconfirmed.status).toBe(400);
    expect(Object.keys(unconfirmed.body.fields)).toEqual(['confirm']);

    const imported = await api('POST', `/api/models/${modelId}/stream-imports`, { site: 'stripchat', csv: file, fileName: 'marzo.csv', confirm: true });
    expect(imported.status).toBe(200);
    expect(imported.body).toMatchObject({ site: 'stripchat', stored: { sessions: 2, earnings: 6 }, skipped: { sessions: 0, earnings: 0 } });
    expect(imported.body.badRows.map((r: any) => r.line)).toEqual([6, 7, 11]);

    const stored = await db().select().from(streams).where(eq(streams.modelId, modelId)).orderBy(asc(streams.startedAt));
    expect(stored.map((s) => [s.startedAt.toISOString(), s.endedAt?.toISOString(), s.showType, s.peakViewers, s.followersStart, s.followersEnd, s.tokens, s.amountUsd, s.origin, s.sourceId])).toEqual([
      ['2026-03-11T02:00:00.000Z', '2026-03-11T05:00:00.000Z', 'public', 140, 2000, 2065, 200, '40.5000', 'csv', source.body.id],
      ['2026-03-11T18:00:00.000Z', '2026-03-11T19:30:00.000Z', 'private', null, null, null, 250, '12.5000', 'csv', source.body.id],
    ]);
    // Each touched session was attributed (revenue attribution ran in the same transaction).
    expect(stored.every((s) => s.attributedAt !== null)).toBe(true);
    const lines = await db().select().from(earnings).where(eq(earnings.modelId, modelId)).orderBy(asc(earnings.ts), asc(earnings.id));
    expect(lines.map((l) => [l.ts.toISOString(), l.kind, l.tokens, l.amountUsd, l.streamId])).toEqual([
      ['2026-03-11T02:30:00.000Z', 'tip', 100, '5.0000', stored[0]!.id],
      ['2026-03-11T02:30:00.000Z', 'tip', 100, '5.0000', stored[0]!.id],
      ['2026-03-11T03:00:00.000Z', 'private_show', null, '30.5000', stored[0]!.id],
      ['2026-03-11T18:00:00.000Z', 'other', 250, '12.5000', stored[1]!.id],
      ['2026-03-12T16:00:00.000Z', 'other', null, '7.2500', null],
      ['2026-03-13T16:00:00.000Z', 'fanclub_join', null, '9.9900', null],
    ]);
    expect(lines.every((l) => l.origin === 'csv' && l.site === 'stripchat' && l.sourceId === source.body.id)).toBe(true);
    expect((await eventsOf(modelId)).filter((e) => e.type === 'earnings_imported')).toEqual([
      { type: 'earnings_imported', data: { site: 'stripchat', fileName: 'marzo.csv', streams: 2, earnings: 6, skipped: 0 }, actor: 'api' },
    ]);

    // The same file again: everything is already stored, nothing is stored twice.
    const again = await api('POST', `/api/models/${modelId}/stream-imports/preview`, { site: 'stripchat', csv: file });
    expect(again.body.counts).toEqual({ sessions: 0, earnings: 0, skipped: 8, badRows: 3 });
    expect([...again.body.sessions, ...again.body.earnings].every((r: any) => r.alreadyStored)).toBe(true);
    const reimported = await api('POST', `/api/models/${modelId}/stream-imports`, { site: 'stripchat', csv: file, confirm: true });
    expect(reimported.body).toMatchObject({ stored: { sessions: 0, earnings: 0 }, skipped: { sessions: 2, earnings: 6 } });
    expect(await db().select({ n: sql<number>`count(*)::int` }).from(streams).where(eq(streams.modelId, modelId))).toEqual([{ n: 2 }]);
    expect(await db().select({ n: sql<number>`count(*)::int` }).from(earnings).where(eq(earnings.modelId, modelId))).toEqual([{ n: 6 }]);
    expect((await eventsOf(modelId)).filter((e) => e.type === 'earnings_imported').at(-1)!.data).toEqual({ site: 'stripchat', fileName: null, streams: 0, earnings: 0, skipped: 8 });

    // A later file, semicolon-separated (a Spanish-locale spreadsheet): a tip inside the stored session links to it and
    // moves its totals; a session overlapping a stored one is a bad row.
    const later = [
      'type;time;kind;tokens;amount_usd;start;end',
      'earning;2026-03-10 22:15;tip;20;1.00;;',
      'session;;;;;2026-03-11T04:00:00Z;2026-03-11T06:00:00Z',
    ].join('\r\n');
    const laterPreview = await api('POST', `/api/models/${modelId}/stream-imports/preview`, { site: 'stripchat', csv: later });
    expect(laterPreview.body.earnings.map((e: any) => [e.line, e.sessionLine, e.streamId])).toEqual([[2, null, stored[0]!.id]]);
    expect(laterPreview.body.badRows.map((r: any) => [r.line, r.field, r.code, r.params.start])).toEqual([[3, 'start', 'overlaps_stored_session', '2026-03-11T02:00:00.000Z']]);
    expect((await api('POST', `/api/models/${modelId}/stream-imports`, { site: 'stripchat', csv: later, confirm: true })).body.stored).toEqual({ sessions: 0, earnings: 1 });
    const [first] = await db().select().from(streams).where(eq(streams.id, stored[0]!.id));
    expect([first!.tokens, first!.amountUsd]).toEqual([220, '41.5000']);

    // The lists show what was imported.
    const listed = await api('GET', `/api/streams?modelId=${modelId}`);
    expect(listed.body.items.map((s: any) => [s.start, s.tokens, s.amountUsd, s.origin])).toEqual([
      ['2026-03-11T18:00:00.000Z', 250, '12.5000', 'csv'], ['2026-03-11T02:00:00.000Z', 220, '41.5000', 'csv'],
    ]);
  });

  it('refuses a file it cannot read, a site followed by API and too large a body, naming the field', async () => {
    const modelId = await newModel('import-refused');
    const refusals: [Record<string, unknown>, string, RegExp][] = [
      [{ site: 'stripchat', csv: 'type,amount\nearning,1' }, 'csv', /line 1: unknown column "amount"/],
      [{ site: 'stripchat', csv: 'start,end\n2026-01-01 10:00,2026-01-01 11:00' }, 'csv', /no type column/],
      [{ site: 'stripchat', csv: `${header}\nearning,"unterminated` }, 'csv', /line 2: cannot be read as CSV/],
      [{ site: 'stripchat', csv: '\n\n' }, 'csv', /empty/],
      [{ site: 'chaturbate', csv: `${header}\n` }, 'site', /./],
      [{ site: 'stripchat', csv: '' }, 'csv', /./],
      [{ site: 'stripchat', csv: 'x'.repeat(1_000_001) }, 'csv', /./],
      [{ site: 'stripchat' }, 'csv', /./],
    ];
    for (const [body, field, message] of refusals) {
      for (const path of ['stream-imports/preview', 'stream-imports']) {
        const answer = await api('POST', `/api/models/${modelId}/${path}`, { ...body, confirm: true });
        expect([path, field, answer.status]).toEqual([path, field, 400]);
        expect(Object.keys(answer.body.fields)).toEqual([field]);
        expect(answer.body.fields[field]).toMatch(message);
      }
    }
    const tooMany = `${header}\n${Array.from({ length: 5001 }, (_, i) => `earning,,,,,,,2026-01-01 10:00,tip,${i},1,`).join('\n')}`;
    const many = await api('POST', `/api/models/${modelId}/stream-imports/preview`, { site: 'stripchat', csv: tooMany });
    expect(many.body.fields.csv).toMatch(/line 5002: more than 5000 rows/);
    expect((await api('POST', `/api/models/${randomUUID()}/stream-imports/preview`, { site: 'stripchat', csv: `${header}\n` })).status).toBe(404);
    expect(await db().select().from(earnings).where(and(eq(earnings.modelId, modelId)))).toEqual([]);
  });
});
