// The Chaturbate follower's repository against the shared test PostgreSQL: a batch applied twice changes nothing the
// second time; sessions open and close in the batch's order with their lines, follows and distinct visitors; amounts
// are tokens × token value in numeric; chat and private messages leave no trace; the cursor is stored encrypted; a
// revocation writes one alert however often it is asked; Stats readings keep the peak and the followers at start/end.
import { randomBytes, randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { defaultDistributionRules } from '../core/types.js';
import { encryptJson, keyringOf, secretBindings } from '../crypto/secrets.js';
import { openDatabase, type DbHandle } from './client.js';
import {
  applyEventsBatch, deleteOldStreamEventIds, displayAmount, loadStreamSource, recordStatsSample, revokeStreamSource, sessionsChangedSince,
  type ChaturbateEvent,
} from './stream-events.js';
import { earnings, models, streamEventIds, streamSamples, streamSources, streams, systemEvents } from './schema.js';

let handle: DbHandle;
const db = () => handle.db;
const keyring = keyringOf([randomBytes(32)]);
const visitorKey = randomBytes(32);
let seq = 0;
const ev = (method: string, object: Record<string, unknown> = {}): ChaturbateEvent => ({ method, id: `${Date.now()}-${seq++}`, object });
const user = (username: string) => ({ user: { username } });

async function source(tokenUsd = '0.05') {
  const [model] = await db().insert(models).values({ name: `streams-repo-${randomUUID().slice(0, 8)}`, distribution: defaultDistributionRules }).returning();
  const id = randomUUID();
  await db().insert(streamSources).values({
    id, modelId: model!.id, site: 'chaturbate', username: `cb_${id.slice(0, 6)}`,
    eventsTokenEncrypted: encryptJson(keyring, secretBindings.streamSourceEventsToken(id), 'events-token-secret'),
  });
  const apply = (events: ChaturbateEvent[], nextUrl = `https://cb.test/events/u/events-token-secret/?i=${events.at(-1)?.id ?? 0}`, previousNextUrl: string | null = null) =>
    applyEventsBatch(db(), keyring, { sourceId: id, events, nextUrl, previousNextUrl, tokenUsd, visitorKey });
  return { id, modelId: model!.id, apply };
}

beforeAll(async () => {
  handle = await openDatabase({ databaseUrl: inject('databaseUrl') });
});
afterAll(async () => {
  await handle?.close();
});

it('applies a batch once: sessions, lines, follows, distinct visitors, exact amounts, no chat; the cursor encrypted', async () => {
  const s = await source('0.0833');
  const before = ev('tip', { tip: { tokens: 10, isAnon: false }, ...user('early') });
  const batch = [
    before,
    ev('broadcastStart', user('model')),
    ev('tip', { tip: { tokens: 7, isAnon: true, message: 'hola' }, ...user('a') }),
    ev('tip', { tip: { tokens: 3, isAnon: false }, ...user('b') }),
    ev('mediaPurchase', { media: { id: 1, type: 'video', name: 'v', tokens: 50 }, ...user('c') }),
    ev('fanclubJoin', user('d')),
    ev('follow', user('a')), ev('follow', user('b')), ev('unfollow', user('c')),
    ev('userEnter', user('a')), ev('userEnter', user('b')), ev('userEnter', user('a')), ev('userLeave', user('a')),
    ev('chatMessage', { message: { message: 'secret chat' }, ...user('a') }),
    ev('privateMessage', { message: { message: 'secret pm', fromUser: 'a', toUser: 'model' }, ...user('a') }),
    ev('roomSubjectChange', { subject: 'new subject' }),
    ev('tip', { tip: { tokens: 0 }, ...user('zero') }),
    ev('broadcastStop', user('model')),
  ];
  const first = await s.apply(batch);
  expect(first.opened).toHaveLength(1);
  expect(first.closed).toEqual(first.opened);
  const streamId = first.opened[0]!;

  const [stream] = await db().select().from(streams).where(eq(streams.id, streamId));
  // 7 + 3 + 50 tokens at 0.0833: 0.5831 + 0.2499 + 4.1650 = 4.9980 (numeric, line by line).
  expect(stream).toMatchObject({ tokens: 60, amountUsd: '4.9980', followsNet: 1, visitors: 2, origin: 'events_api', sourceId: s.id });
  expect(stream!.endedAt).not.toBeNull();
  const lines = await db().select().from(earnings).where(eq(earnings.sourceId, s.id)).orderBy(earnings.id);
  expect(lines.map((l) => [l.kind, l.tokens, l.amountUsd, l.isAnonymous, l.streamId])).toEqual([
    ['tip', 10, '0.8330', false, null],
    ['tip', 7, '0.5831', true, streamId],
    ['tip', 3, '0.2499', false, streamId],
    ['media_purchase', 50, '4.1650', false, streamId],
    ['fanclub_join', null, '0.0000', false, streamId],
  ]);
  const ids = (await db().select({ id: streamEventIds.eventId }).from(streamEventIds).where(eq(streamEventIds.sourceId, s.id))).map((r) => r.id);
  for (const e of batch) {
    const kept = !['chatMessage', 'privateMessage', 'userLeave', 'roomSubjectChange'].includes(e.method);
    expect(ids.includes(e.id), `${e.method} ${e.id}`).toBe(kept);
  }
  expect(ids.filter((id) => id.startsWith('visitor:'))).toHaveLength(2);

  const [row] = await db().select().from(streamSources).where(eq(streamSources.id, s.id));
  expect(row!.eventsNextUrlEncrypted).toMatch(/^v2\./);
  expect(JSON.stringify(row)).not.toContain('events-token-secret');
  expect((await loadStreamSource(db(), keyring, s.id))!.nextUrl).toContain('events-token-secret');
  const described = await db().select().from(systemEvents).where(eq(systemEvents.modelId, s.modelId));
  expect(described.map((e) => e.type).sort()).toEqual(['stream_ended', 'stream_started']);
  expect(described.find((e) => e.type === 'stream_ended')!.data).toMatchObject({ tokens: 60, amountUsd: '4.998' });

  // The same answer again (a crash before the cursor moved): nothing changes.
  const again = await s.apply(batch);
  expect(again).toEqual({ applied: 0, opened: [], closed: [] });
  expect(await db().select().from(earnings).where(eq(earnings.sourceId, s.id))).toHaveLength(5);
  expect((await db().select().from(streams).where(eq(streams.sourceId, s.id)))).toHaveLength(1);
  expect(await db().select().from(systemEvents).where(eq(systemEvents.modelId, s.modelId))).toHaveLength(2);
});

it('keeps one open session across batches, ignores a second start and a stop without session, and reports changes since a time', async () => {
  const s = await source();
  const since = (await loadStreamSource(db(), keyring, s.id))!.now;
  expect((await s.apply([ev('broadcastStop', user('m'))])).closed).toEqual([]);
  const opened = await s.apply([ev('broadcastStart', user('m')), ev('tip', { tip: { tokens: 1 }, ...user('x') })]);
  expect(opened.opened).toHaveLength(1);
  expect((await s.apply([ev('broadcastStart', user('m')), ev('tip', { tip: { tokens: 2 }, ...user('y') })])).opened).toEqual([]);
  const stopped = await s.apply([ev('userEnter', user('x')), ev('broadcastStop', user('m')), ev('broadcastStart', user('m'))]);
  expect(stopped.closed).toEqual(opened.opened);
  expect(stopped.opened).toHaveLength(1);
  const [first] = await db().select().from(streams).where(eq(streams.id, opened.opened[0]!));
  expect(first).toMatchObject({ tokens: 3, amountUsd: '0.1500', visitors: 1 });
  const changed = await sessionsChangedSince(db(), s.id, since);
  expect(changed.opened).toEqual([...opened.opened, ...stopped.opened]);
  expect(changed.closed).toEqual(opened.opened);
  const later = await sessionsChangedSince(db(), s.id, new Date(Date.now() + 60_000).toISOString());
  expect(later).toEqual({ opened: [], closed: [] });
});

it('records Stats readings of the open session only: peak viewers and followers at start and end', async () => {
  const s = await source();
  expect(await recordStatsSample(db(), s.id, { viewers: 5, followers: 100, tokenBalance: 0 })).toBeNull();
  const { opened: [streamId] } = await s.apply([ev('broadcastStart', user('m'))]);
  await recordStatsSample(db(), s.id, { viewers: 12, followers: 100, tokenBalance: 10 });
  await new Promise((r) => setTimeout(r, 5)); // two readings need two instants (the sample's key is the time)
  await recordStatsSample(db(), s.id, { viewers: 8, followers: 104, tokenBalance: 30 });
  const [stream] = await db().select().from(streams).where(eq(streams.id, streamId!));
  expect(stream).toMatchObject({ peakViewers: 12, followersStart: 100, followersEnd: 104 });
  expect(await db().select().from(streamSamples).where(eq(streamSamples.streamId, streamId!))).toHaveLength(2);
});

it('revokes once: one alert however often the refusal is seen', async () => {
  const s = await source();
  const loaded = (await loadStreamSource(db(), keyring, s.id))!;
  expect(await revokeStreamSource(db(), loaded, 'refused')).toBe(true);
  expect(await revokeStreamSource(db(), loaded, 'refused')).toBe(false);
  const alerts = await db().select().from(systemEvents).where(and(eq(systemEvents.modelId, s.modelId), eq(systemEvents.type, 'alert')));
  expect(alerts.map((a) => a.data)).toEqual([{ kind: 'stream_source_revoked', site: 'chaturbate', username: loaded.username, modelName: loaded.modelName }]);
  expect((await loadStreamSource(db(), keyring, s.id))!.status).toBe('revoked');
});

it('forgets applied ids older than the retention only', async () => {
  const s = await source();
  await db().insert(streamEventIds).values([
    { sourceId: s.id, eventId: 'old-1', seenAt: new Date(Date.now() - 40 * 86_400_000) },
    { sourceId: s.id, eventId: 'new-1' },
  ]);
  expect(await deleteOldStreamEventIds(db(), s.id, 30)).toBe(1);
  expect((await db().select().from(streamEventIds).where(eq(streamEventIds.sourceId, s.id))).map((r) => r.eventId)).toEqual(['new-1']);
});

it('shows amounts with at least two decimals', () => {
  expect(displayAmount('3.5000')).toBe('3.50');
  expect(displayAmount('4.9980')).toBe('4.998');
  expect(displayAmount('0.0000')).toBe('0.00');
  expect(displayAmount('12.3456')).toBe('12.3456');
});
