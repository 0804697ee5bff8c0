/**
 * The Chaturbate follower's repository (activities/streams): a source with its decrypted tokens and cursor, one Events
 * API batch applied in one transaction (event ids, sessions, earnings lines, followers/visitors, the next cursor), Stats
 * API readings of the open session, and the revocation of a source whose token the site refused.
 *
 * Exactly once: the ids of the events a batch applies are inserted into `stream_event_ids` first (ON CONFLICT DO
 * NOTHING): only the ids that went in are applied, and the `nextUrl` moves in the same transaction. A batch replayed
 * after a crash (the cursor had not moved) therefore changes nothing. Chat messages, private messages, userLeave and
 * roomSubjectChange are neither applied nor remembered. Amounts are `tokens × token value` computed by PostgreSQL in
 * `numeric` (never a float), rounded to the column's 4 decimals; a session's totals are the sums of its lines.
 */
import { createHmac } from 'node:crypto';
import { and, desc, eq, gte, isNull, sql } from 'drizzle-orm';
import type { EventPayloads } from '../contracts/events.js';
import type { LivePostingSettings } from '../core/streams.js';
import { decryptJson, encryptJson, secretBindings, type Keyring } from '../crypto/secrets.js';
import type { Db } from './client.js';
import { inTransaction } from './client.js';
import { recordEvent } from './events.js';
import { earnings, models, streamEventIds, streamSamples, streamSources, streams } from './schema.js';

/** One item of an Events API answer, as documented: `{ method, id, object }`. */
export interface ChaturbateEvent {
  method: string;
  id: string;
  object?: Record<string, unknown> | null;
}

export interface LoadedStreamSource {
  id: string;
  modelId: string;
  modelName: string;
  site: string;
  username: string;
  status: 'active' | 'revoked' | 'paused';
  eventsToken: string | null;
  statsToken: string | null;
  /** The last `nextUrl` stored (it carries the token): null before the first batch. */
  nextUrl: string | null;
  /** The database's clock when the source was read (ISO). */
  now: string;
}

/** Methods a batch applies; every other method (chat, private messages, userLeave, roomSubjectChange…) is ignored. */
const appliedMethods = new Set(['broadcastStart', 'broadcastStop', 'tip', 'mediaPurchase', 'fanclubJoin', 'follow', 'unfollow', 'userEnter']);

export const streamOriginEventsApi = 'events_api';

export async function loadStreamSource(db: Db, keyring: Keyring, sourceId: string): Promise<LoadedStreamSource | null> {
  const [row] = await db
    .select({ source: streamSources, modelName: models.name, now: sql<string>`now()::text` })
    .from(streamSources)
    .innerJoin(models, eq(models.id, streamSources.modelId))
    .where(eq(streamSources.id, sourceId));
  if (!row) return null;
  const { source } = row;
  const open = (envelope: string | null, binding: ReturnType<typeof secretBindings.streamSourceEventsToken>) =>
    envelope ? decryptJson<string>(keyring, binding, envelope) : null;
  return {
    id: source.id,
    modelId: source.modelId,
    modelName: row.modelName,
    site: source.site,
    username: source.username,
    status: source.status,
    eventsToken: open(source.eventsTokenEncrypted, secretBindings.streamSourceEventsToken(source.id)),
    statsToken: open(source.statsTokenEncrypted, secretBindings.streamSourceStatsToken(source.id)),
    nextUrl: open(source.eventsNextUrlEncrypted, secretBindings.streamSourceEventsNextUrl(source.id)),
    now: new Date(row.now).toISOString(),
  };
}

export interface BatchResult {
  /** Events applied now (not seen before, of an applied method). */
  applied: number;
  opened: string[];
  closed: string[];
}

interface PendingLine {
  streamId: string | null;
  eventId: string;
  kind: 'tip' | 'media_purchase' | 'fanclub_join';
  tokens: number | null;
  isAnonymous: boolean;
}

const positiveTokens = (value: unknown): number | null =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : null;

/** `3.5000` → `3.50`: a stored amount for a sentence. */
export function displayAmount(amount: string): string {
  const [whole, fraction = ''] = amount.split('.');
  return `${whole}.${fraction.replace(/0+$/, '').padEnd(2, '0')}`;
}

/**
 * Applies one Events API answer for the source in one transaction, then stores `nextUrl` (encrypted) as the source's
 * cursor. `tokenUsd` is the decimal string of one token's value; `visitorKey` keys the hash that counts each viewer once
 * per session (visitors are counted exactly, by a keyed hash of the username kept with the event ids, never the name).
 */
export async function applyEventsBatch(
  db: Db,
  keyring: Keyring,
  input: { sourceId: string; events: readonly ChaturbateEvent[]; nextUrl: string; previousNextUrl: string | null; tokenUsd: string; visitorKey: Buffer },
): Promise<BatchResult> {
  return inTransaction(db, async (tx) => {
    // One applier at a time per source (a retried activity may overlap a dying one): sessions open and close in order.
    const [source] = await tx.select({ id: streamSources.id, modelId: streamSources.modelId, site: streamSources.site, username: streamSources.username })
      .from(streamSources).where(eq(streamSources.id, input.sourceId)).for('update');
    if (!source) return { applied: 0, opened: [], closed: [] };

    const candidates = new Map<string, ChaturbateEvent>();
    for (const event of input.events) if (appliedMethods.has(event.method) && !candidates.has(event.id)) candidates.set(event.id, event);
    let fresh = new Set<string>();
    if (candidates.size > 0) {
      const inserted = await tx.insert(streamEventIds)
        .values([...candidates.keys()].map((eventId) => ({ sourceId: source.id, eventId })))
        .onConflictDoNothing()
        .returning({ eventId: streamEventIds.eventId });
      fresh = new Set(inserted.map((r) => r.eventId));
    }

    const result: BatchResult = { applied: fresh.size, opened: [], closed: [] };
    const [open] = await tx.select({ id: streams.id }).from(streams)
      .where(and(eq(streams.sourceId, source.id), isNull(streams.endedAt), eq(streams.origin, streamOriginEventsApi)))
      .orderBy(desc(streams.startedAt)).limit(1);
    let openId = open?.id ?? null;
    let lines: PendingLine[] = [];
    let followsDelta = 0;
    let visitorKeys: string[] = [];

    /** Writes what the open session has gathered (lines, follows, visitors) and its totals. */
    const flush = async () => {
      if (lines.length > 0) {
        await tx.insert(earnings).values(lines.map((line) => ({
          modelId: source.modelId, streamId: line.streamId, sourceId: source.id, site: source.site, ts: sql`now()`, kind: line.kind,
          tokens: line.tokens,
          amountUsd: line.tokens === null ? '0' : sql`round(${line.tokens}::numeric * ${input.tokenUsd}::numeric, 4)`,
          isAnonymous: line.isAnonymous, origin: streamOriginEventsApi, externalId: line.eventId,
        }))).onConflictDoNothing({ target: [earnings.modelId, earnings.site, earnings.externalId] });
      }
      let visitorsDelta = 0;
      if (visitorKeys.length > 0) {
        const inserted = await tx.insert(streamEventIds).values(visitorKeys.map((eventId) => ({ sourceId: source.id, eventId })))
          .onConflictDoNothing().returning({ eventId: streamEventIds.eventId });
        visitorsDelta = inserted.length;
      }
      const touched = openId !== null && (lines.some((l) => l.streamId === openId) || followsDelta !== 0 || visitorsDelta !== 0);
      if (touched) {
        await tx.update(streams).set({
          tokens: sql`(select coalesce(sum(${earnings.tokens}), 0)::int from ${earnings} where ${earnings.streamId} = ${openId})`,
          amountUsd: sql`(select coalesce(sum(${earnings.amountUsd}), 0) from ${earnings} where ${earnings.streamId} = ${openId})`,
          followsNet: sql`${streams.followsNet} + ${followsDelta}`,
          visitors: sql`coalesce(${streams.visitors}, 0) + ${visitorsDelta}`,
          attributedAt: null,
        }).where(eq(streams.id, openId!));
      }
      lines = [];
      followsDelta = 0;
      visitorKeys = [];
    };

    for (const event of input.events) {
      if (!fresh.delete(event.id)) continue;
      const object = event.object ?? {};
      switch (event.method) {
        case 'broadcastStart': {
          if (openId !== null) break;
          await flush();
          const [row] = await tx.insert(streams).values({
            modelId: source.modelId, sourceId: source.id, site: source.site, startedAt: sql`now()`, origin: streamOriginEventsApi,
            showType: 'public', visitors: 0,
          }).returning({ id: streams.id });
          openId = row!.id;
          result.opened.push(openId);
          await recordEvent(tx, 'stream_started', { site: source.site, username: source.username, streamId: openId }, { modelId: source.modelId });
          break;
        }
        case 'broadcastStop': {
          if (openId === null) break;
          await flush();
          const [closed] = await tx.update(streams).set({ endedAt: sql`now()` }).where(eq(streams.id, openId))
            .returning({ tokens: streams.tokens, amountUsd: streams.amountUsd });
          const payload: EventPayloads['stream_ended'] = {
            site: source.site, username: source.username, streamId: openId, tokens: closed!.tokens, amountUsd: displayAmount(closed!.amountUsd),
          };
          await recordEvent(tx, 'stream_ended', payload, { modelId: source.modelId });
          result.closed.push(openId);
          openId = null;
          break;
        }
        case 'tip': {
          const tip = (object.tip ?? {}) as { tokens?: unknown; isAnon?: unknown };
          const tokens = positiveTokens(tip.tokens);
          if (tokens !== null) lines.push({ streamId: openId, eventId: event.id, kind: 'tip', tokens, isAnonymous: tip.isAnon === true });
          break;
        }
        case 'mediaPurchase': {
          const tokens = positiveTokens(((object.media ?? {}) as { tokens?: unknown }).tokens);
          if (tokens !== null) lines.push({ streamId: openId, eventId: event.id, kind: 'media_purchase', tokens, isAnonymous: false });
          break;
        }
        case 'fanclubJoin':
          // The event carries no price: a line without tokens (amount 0) records the join.
          lines.push({ streamId: openId, eventId: event.id, kind: 'fanclub_join', tokens: null, isAnonymous: false });
          break;
        case 'follow':
        case 'unfollow':
          if (openId !== null) followsDelta += event.method === 'follow' ? 1 : -1;
          break;
        case 'userEnter': {
          const username = ((object.user ?? {}) as { username?: unknown }).username;
          if (openId !== null && typeof username === 'string' && username !== '') {
            const hash = createHmac('sha256', input.visitorKey).update(`${openId}\n${username}`).digest('base64url').slice(0, 22);
            visitorKeys.push(`visitor:${openId}:${hash}`);
          }
          break;
        }
        default:
          break;
      }
    }
    await flush();

    const moved = input.nextUrl !== input.previousNextUrl;
    await tx.update(streamSources).set({
      ...(moved ? { eventsNextUrlEncrypted: encryptJson(keyring, secretBindings.streamSourceEventsNextUrl(source.id), input.nextUrl) } : {}),
      lastPolledAt: sql`now()`,
      ...(result.applied > 0 ? { lastEventAt: sql`now()` } : {}),
      lastError: null,
    }).where(eq(streamSources.id, source.id));
    return result;
  });
}

/** The source's status now; null once it was deleted. */
export async function streamSourceStatus(db: Db, sourceId: string): Promise<LoadedStreamSource['status'] | null> {
  const [row] = await db.select({ status: streamSources.status }).from(streamSources).where(eq(streamSources.id, sourceId));
  return row?.status ?? null;
}

/** The source's open Events API session, if any. */
export async function openStreamOf(db: Db, sourceId: string): Promise<string | null> {
  const [row] = await db.select({ id: streams.id }).from(streams)
    .where(and(eq(streams.sourceId, sourceId), isNull(streams.endedAt), eq(streams.origin, streamOriginEventsApi)))
    .orderBy(desc(streams.startedAt)).limit(1);
  return row?.id ?? null;
}

/**
 * Sessions of the source opened / closed at or after `since` (the database's clock). The follower reports them from
 * the database rather than from one attempt's memory, so a batch applied by an attempt that died is still reported.
 */
export async function sessionsChangedSince(db: Db, sourceId: string, since: string): Promise<{ opened: string[]; closed: string[] }> {
  const at = new Date(since);
  const base = and(eq(streams.sourceId, sourceId), eq(streams.origin, streamOriginEventsApi));
  const opened = await db.select({ id: streams.id }).from(streams).where(and(base, gte(streams.startedAt, at))).orderBy(streams.startedAt).limit(50);
  const closed = await db.select({ id: streams.id }).from(streams).where(and(base, gte(streams.endedAt, at))).orderBy(streams.endedAt).limit(50);
  return { opened: opened.map((r) => r.id), closed: closed.map((r) => r.id) };
}

/** Records why polling failed (already scrubbed), and when. */
export async function recordStreamSourceError(db: Db, sourceId: string, message: string): Promise<void> {
  await db.update(streamSources).set({ lastError: message.slice(0, 1000), lastPolledAt: sql`now()` }).where(eq(streamSources.id, sourceId));
}

/**
 * The site refused the source's token: the source becomes `revoked` and one `stream_source_revoked` alert is recorded,
 * together. False when it was not active any more (a retry, or the admin paused it meanwhile): nothing is written.
 */
export async function revokeStreamSource(db: Db, source: Pick<LoadedStreamSource, 'id' | 'modelId' | 'modelName' | 'site' | 'username'>, message: string): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    const changed = await tx.update(streamSources).set({ status: 'revoked', lastError: message.slice(0, 1000), lastPolledAt: sql`now()` })
      .where(and(eq(streamSources.id, source.id), eq(streamSources.status, 'active'))).returning({ id: streamSources.id });
    if (changed.length === 0) return false;
    await recordEvent(tx, 'alert', { kind: 'stream_source_revoked', site: source.site, username: source.username, modelName: source.modelName }, { modelId: source.modelId });
    return true;
  });
}

export interface StatsReading {
  viewers: number | null;
  followers: number | null;
  tokenBalance: number | null;
}

/**
 * A Stats API reading of the source's open session: a sample, the peak viewers, the followers at start (first
 * reading) and end (latest). Null when no session is open.
 */
export async function recordStatsSample(db: Db, sourceId: string, reading: StatsReading): Promise<{ streamId: string } | null> {
  return inTransaction(db, async (tx) => {
    const [open] = await tx.select({ id: streams.id }).from(streams)
      .where(and(eq(streams.sourceId, sourceId), isNull(streams.endedAt), eq(streams.origin, streamOriginEventsApi)))
      .orderBy(desc(streams.startedAt)).limit(1).for('update');
    if (!open) return null;
    await tx.insert(streamSamples).values({ streamId: open.id, ts: sql`now()`, ...reading }).onConflictDoNothing();
    await tx.update(streams).set({
      ...(reading.viewers !== null ? { peakViewers: sql`greatest(coalesce(${streams.peakViewers}, 0), ${reading.viewers})` } : {}),
      ...(reading.followers !== null ? { followersStart: sql`coalesce(${streams.followersStart}, ${reading.followers})`, followersEnd: reading.followers } : {}),
    }).where(eq(streams.id, open.id));
    return { streamId: open.id };
  });
}

/** Forgets the source's applied event ids (and visitor keys) older than `days`: a replay that old cannot happen. */
export async function deleteOldStreamEventIds(db: Db, sourceId: string, days: number, limit = 10_000): Promise<number> {
  const cutoff = sql`now() - make_interval(days => ${days}::int)`;
  const rows = await db.delete(streamEventIds).where(and(
    eq(streamEventIds.sourceId, sourceId),
    sql`${streamEventIds.eventId} in (select ${streamEventIds.eventId} from ${streamEventIds} where ${streamEventIds.sourceId} = ${sourceId} and ${streamEventIds.seenAt} < ${cutoff} limit ${limit})`,
  )).returning({ eventId: streamEventIds.eventId });
  return rows.length;
}

/** What live-aware posting needs about a session: whether it is still open, and the model's settings. */
export async function loadLivePostTarget(db: Db, streamId: string): Promise<{ open: boolean; modelId: string; settings: LivePostingSettings | null } | null> {
  const [row] = await db.select({ endedAt: streams.endedAt, modelId: streams.modelId, settings: models.livePosting })
    .from(streams).innerJoin(models, eq(models.id, streams.modelId)).where(eq(streams.id, streamId));
  if (!row) return null;
  return { open: row.endedAt === null, modelId: row.modelId, settings: row.settings ?? null };
}
