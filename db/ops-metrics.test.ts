// The scrape-time database reads of the metrics (PostgreSQL): the notifier's outbox lag behind its cursor, and
// publications by status (the shared test database: only what this file adds is asserted).
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, type DbHandle } from './client.js';
import { outboxLag, publicationStatusCountsBounded } from './ops-metrics.js';
import { systemEvents, telegramOutbox } from './schema.js';

let handle: DbHandle;
beforeAll(async () => {
  handle = await openDatabase({ databaseUrl: inject('databaseUrl') });
});
afterAll(async () => {
  await handle?.close();
});

describe('outboxLag', () => {
  it('is the age of the oldest event after the cursor and how many wait; 0 once the cursor passes them', async () => {
    const { db } = handle;
    const name = `metrics-test:${randomUUID()}`;
    const [{ maxId }] = await db.select({ maxId: sql<number>`coalesce(max(${systemEvents.id}), 0)::bigint` }).from(systemEvents) as [{ maxId: number }];
    expect(await outboxLag(db, name)).toEqual({ lagSeconds: 0, pending: 0 }); // no cursor yet: nothing to deliver
    await db.insert(telegramOutbox).values({ name, lastEventId: Number(maxId) });
    const inserted = await db.insert(systemEvents).values([
      { type: 'manual_adjustment', description: 'metrics test: old', ts: new Date(Date.now() - 90_000) },
      { type: 'manual_adjustment', description: 'metrics test: new' },
    ]).returning({ id: systemEvents.id });
    const waiting = await outboxLag(db, name);
    expect(waiting.pending).toBeGreaterThanOrEqual(2);
    expect(waiting.lagSeconds).toBeGreaterThanOrEqual(89);
    expect(waiting.lagSeconds).toBeLessThan(600);

    await db.update(telegramOutbox).set({ lastEventId: Math.max(...inserted.map((row) => row.id)) }).where(eq(telegramOutbox.name, name));
    expect(await outboxLag(db, name)).toEqual({ lagSeconds: 0, pending: 0 });
    await db.delete(telegramOutbox).where(eq(telegramOutbox.name, name));
  });
});

describe('publicationStatusCountsBounded', () => {
  it('counts by status in one small answer', async () => {
    const counts = await publicationStatusCountsBounded(handle.db);
    for (const [status, n] of Object.entries(counts)) {
      expect(status).toMatch(/^[a-z_]+$/);
      expect(Number.isInteger(n) && n > 0).toBe(true);
    }
  });
});
