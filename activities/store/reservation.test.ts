/**
 * Slot reservation under contention, against real PostgreSQL: 50 contents approved at the same moment for the
 * same two accounts never share a slot, and every reserved time obeys the model's rules.
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import { capabilitiesFor } from '../../core/platforms.js';
import { localDay, slotViolation } from '../../core/scheduling.js';
import { defaultDistributionRules, type DistributionRules } from '../../core/types.js';
import { openDatabase, type DbHandle } from '../../db/client.js';
import { contents, models, platformAccounts, platforms } from '../../db/schema.js';
import type { ActivityDeps } from '../deps.js';
import { createStoreActivities } from './index.js';

let handle: DbHandle;
beforeAll(async () => {
  handle = await openDatabase({ databaseUrl: inject('databaseUrl') });
});
afterAll(async () => handle?.close());

const rules: DistributionRules = {
  ...defaultDistributionRules,
  timezone: 'America/Bogota',
  slots: ['08:00', '12:00', '18:00', '21:00'],
  maxPostsPerDay: 3,
  minSpacingMinutes: 200,
};

it('50 contents approved at once for the same accounts never share a slot', async () => {
  const { db } = handle;
  const tag = randomUUID().slice(0, 8);
  const [model] = await db.insert(models).values({ name: `reserva-${tag}`, distribution: rules }).returning();
  const accounts = [];
  for (const name of ['a', 'b']) {
    const [platform] = await db.insert(platforms).values({
      name: `reserva-${tag}-${name}`, capabilities: capabilitiesFor('demo'), technicalConfig: { driver: 'demo', baseUrl: 'http://127.0.0.1:9' },
    }).returning();
    const [account] = await db.insert(platformAccounts).values({ modelId: model!.id, platformId: platform!.id, username: `u_${name}`, status: 'active' }).returning();
    accounts.push(account!);
  }
  const ids = await db.insert(contents).values(Array.from({ length: 50 }, (_, i) => ({
    modelId: model!.id, filePath: `/nowhere/${i}.mp4`, sentBy: 'test', status: 'approved' as const,
    durationSeconds: 3, sizeBytes: 100_000, width: 360, height: 640, context: `clip ${i}`,
  }))).returning({ id: contents.id });

  // Captions carry the post's own tracking link under PUBLIC_URL.
  const config = { http: { publicUrl: 'https://trafico.example' } };
  const store = createStoreActivities({ db, config, log: pino({ level: 'silent' }) } as unknown as ActivityDeps);
  const results = await Promise.all(ids.map(({ id }) => store.schedulePublications(id)));

  expect(results.every((r) => r.length === 2)).toBe(true);
  const now = new Date();
  for (const account of accounts) {
    const times = results.flat().filter((p) => p.accountUsername === account.username).map((p) => new Date(p.scheduledTime));
    expect(times).toHaveLength(50);
    expect(new Set(times.map((t) => t.getTime())).size).toBe(50);
    // Each reserved time is valid against all the others: slots, spacing and the daily cap.
    for (const [i, time] of times.entries()) {
      const others = times.filter((_, j) => j !== i);
      expect(slotViolation({ rules, lead: { minLeadMinutes: 0, maxLeadDays: 30 }, now: new Date(now.getTime() - 60_000), taken: others }, time)).toBeNull();
    }
    const perDay = new Map<string, number>();
    for (const t of times) perDay.set(localDay(t, rules.timezone), (perDay.get(localDay(t, rules.timezone)) ?? 0) + 1);
    expect(Math.max(...perDay.values())).toBeLessThanOrEqual(rules.maxPostsPerDay);
  }

  // A retry of the activity returns the same reservation instead of taking new slots.
  const again = await store.schedulePublications(ids[0]!.id);
  expect(again.map((p) => p.scheduledTime).sort()).toEqual(results[0]!.map((p) => p.scheduledTime).sort());
});
