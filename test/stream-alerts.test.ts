/**
 * Two stream-side alerts delivered end to end to the admin chat of the fake Bot API (test/fakes/telegram-server.ts),
 * on the whole stack (PostgreSQL, Temporal, workers, the bot's outbox and notices):
 * - `reach_drop`: the account's last three views at 24 h under 25 % of its median, landing through `storeMetrics`
 *   (the store activity the metrics workflow calls) built from the running app's own config;
 * - `stream_source_revoked`: a Chaturbate source added through the API, followed by its workflow, whose Events API
 *   token the fake Chaturbate (test/fakes/chaturbate-server.ts) then refuses with HTTP 401.
 * Each one reaches the admin chat in Spanish with its figures, once: a later alert of the same model (a barrier, the
 * outbox sends in event order) has arrived before the messages are counted. Rows are this file's own.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../activities/deps.js';
import { createStoreActivities } from '../activities/store/index.js';
import { streamSourceWorkflowId } from '../contracts/workflows.js';
import { idempotencyMarker } from '../core/captions.js';
import { defaultDistributionRules } from '../core/types.js';
import { recordEvent } from '../db/events.js';
import { contents, models, platformAccounts, platforms, publicationMetrics, publications, streamSources, systemEvents } from '../db/schema.js';
import { botSays, db, mark, startBotStack, textOf, type BotHarness } from './bot/harness.js';
import { startFakeChaturbate, type FakeChaturbate } from './fakes/chaturbate-server.js';
import { waitFor } from './helpers/wait.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const run = randomBytes(3).toString('hex');
/** How long an alert may take from its event to the admin chat (the outbox polls every second). */
const deadlineMs = 30_000;

let h: BotHarness;
let cb: FakeChaturbate;

beforeAll(async () => {
  cb = await startFakeChaturbate();
  h = await startBotStack({ CHATURBATE_EVENTS_ROOT: cb.eventsRoot, CHATURBATE_STATS_ROOT: cb.statsRoot, CHATURBATE_EVENTS_TIMEOUT_SECONDS: '1' });
});
afterAll(async () => {
  await h?.close();
  await cb?.close();
});

async function newModel(label: string) {
  const [model] = await db(h).insert(models).values({ name: `Alertas ${label} ${run}`, distribution: defaultDistributionRules }).returning();
  return model!;
}

/** The admin chat's messages since `after` whose text matches. */
const adminMessages = (after: number, pattern: RegExp) =>
  h.tg.sentTo(h.adminChat.id).filter((c) => h.tg.calls.indexOf(c) >= after && pattern.test(textOf(c)));

/**
 * Records a later alert for the model and waits for it in the admin chat: the outbox hands events over in id order,
 * so every message of the events before it has been sent by then.
 */
async function barrier(modelId: string, modelName: string, after: number) {
  const problem = `barrera ${randomUUID()}`;
  await recordEvent(db(h), 'alert', { kind: 'invalid_rules', modelName, problems: [problem] }, { modelId });
  await botSays(h, h.adminChat.id, new RegExp(problem), { after, timeoutMs: deadlineMs });
}

const alertsOf = (modelId: string, kind: string) =>
  db(h).select({ data: systemEvents.data }).from(systemEvents).where(and(eq(systemEvents.modelId, modelId), eq(systemEvents.type, 'alert')))
    .then((rows) => rows.filter((r) => (r.data as { kind: string }).kind === kind));

describe('stream alerts reach the admin chat', () => {
  it('reach_drop: three posts under a quarter of the median, through storeMetrics, announced once with the figures', async () => {
    const model = await newModel('alcance');
    const [seededPlatform] = await db(h).select().from(platforms).where(eq(platforms.id, h.stack.seeded.platformId));
    const [platform] = await db(h).insert(platforms).values({
      name: `alcance-${run}`, capabilities: seededPlatform!.capabilities, technicalConfig: seededPlatform!.technicalConfig,
    }).returning();
    const username = `alcance_${run}`;
    const [account] = await db(h).insert(platformAccounts).values({ modelId: model.id, platformId: platform!.id, username, status: 'active' }).returning();
    const publication = async (publishedAt: Date) => {
      const [content] = await db(h).insert(contents).values({ modelId: model.id, filePath: `/nowhere/${randomUUID()}.mp4`, sentBy: 'test', status: 'approved' }).returning();
      const id = randomUUID();
      await db(h).insert(publications).values({ id, contentId: content!.id, accountId: account!.id, idempotencyMarker: idempotencyMarker(id), status: 'published', publishedAt });
      return id;
    };
    // Eight older posts with their views at 24 h (median 1000), then three fresh ones read about 24 h after publishing.
    const normal = [1000, 1100, 900, 1050, 950, 1000, 980, 1020];
    for (const [i, views] of normal.entries()) {
      const publishedAt = new Date(Date.now() - (normal.length - i + 5) * DAY);
      const id = await publication(publishedAt);
      await db(h).insert(publicationMetrics).values({ publicationId: id, ts: new Date(publishedAt.getTime() + DAY), views, source: 'test' });
    }
    const store = createStoreActivities({ db: db(h), config: h.stack.app.config, log: pino({ level: 'silent' }) } as unknown as ActivityDeps);
    const after = mark(h);
    const fresh: string[] = [];
    for (const [i, views] of [100, 120, 90].entries()) {
      const id = await publication(new Date(Date.now() - DAY - HOUR + i * 60_000));
      fresh.push(id);
      await store.storeMetrics(id, { views }, 'test');
    }

    const alert = textOf(await botSays(h, h.adminChat.id, new RegExp(`@${username} `), { after, timeoutMs: deadlineMs }));
    expect(alert).toBe([
      '⚠️ <b>Alerta</b>',
      `👤 ${model.name}`,
      `Posible shadowban: las últimas 3 publicaciones de @${username} en alcance-${run} alcanzaron 90, 120, 100 vistas a las 24 h, menos del 25 % de su mediana de 1000`,
    ].join('\n'));

    // A second reading of the newest post is no new drop; then the barrier, and one message in all.
    await store.storeMetrics(fresh[2]!, { views: 95 }, 'test');
    await barrier(model.id, model.name, after);
    expect(await alertsOf(model.id, 'reach_drop')).toHaveLength(1);
    expect(adminMessages(after, new RegExp(`@${username} `))).toHaveLength(1);
    const [row] = await db(h).select({ status: platformAccounts.status }).from(platformAccounts).where(eq(platformAccounts.id, account!.id));
    expect(row!.status).toBe('active');
  });

  it('stream_source_revoked: the Events API refuses the token, the follower stops, announced once with the site, user and model', async () => {
    const model = await newModel('revocada');
    const username = `revocada_${run}`;
    const room = cb.addBroadcaster(username);
    const response = await fetch(`${h.stack.url}/api/models/${model.id}/stream-sources`, {
      method: 'POST', headers: { authorization: `Bearer ${h.stack.apiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ site: 'chaturbate', username, eventsToken: room.eventsToken, statsToken: room.statsToken }),
    });
    expect(response.status).toBe(201);
    const { id: sourceId } = (await response.json()) as { id: string };
    const follower = h.stack.app.temporal.workflow.getHandle(streamSourceWorkflowId(sourceId));
    try {
      await waitFor(async () => cb.requestCount(username, 'events') > 0, { what: 'the first Events API poll', timeoutMs: deadlineMs });
      const after = mark(h);
      cb.revoke(username, 'events');

      const alert = textOf(await botSays(h, h.adminChat.id, new RegExp(`@${username} `), { after, timeoutMs: deadlineMs }));
      expect(alert).toBe([
        '⚠️ <b>Alerta</b>',
        `👤 ${model.name}`,
        `chaturbate rechazó el token de @${username} (${model.name}): se dejó de seguir sus transmisiones hasta que se dé un token nuevo`,
      ].join('\n'));
      expect(alert).not.toContain(room.eventsToken);
      expect(await follower.result()).toEqual({ status: 'revoked' });
      const [source] = await db(h).select({ status: streamSources.status }).from(streamSources).where(eq(streamSources.id, sourceId));
      expect(source!.status).toBe('revoked');

      await barrier(model.id, model.name, after);
      expect(await alertsOf(model.id, 'stream_source_revoked')).toHaveLength(1);
      expect(adminMessages(after, new RegExp(`@${username} `))).toHaveLength(1);
    } finally {
      await follower.terminate('test over').catch(() => undefined);
    }
  });
});
