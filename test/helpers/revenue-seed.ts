/**
 * Live sessions and earnings lines written straight to the database for the revenue tests (the Chaturbate workflow
 * and the CSV import have their own tests): the session's tokens and amount are the sums of its lines, as they keep them.
 */
import { randomUUID } from 'node:crypto';
import { sumDecimals } from '../../core/attribution.js';
import type { Db } from '../../db/client.js';
import { earnings, streams } from '../../db/schema.js';

export interface SeedLine {
  at: Date;
  tokens: number | null;
  amountUsd: string;
}

/** One closed (or open, `endedAt` null) session of the model with its lines; its id. */
export async function createSession(db: Db, modelId: string, s: { startedAt: Date; endedAt: Date | null; lines: SeedLine[]; site?: string }): Promise<string> {
  const site = s.site ?? 'chaturbate';
  const [row] = await db.insert(streams).values({
    modelId, site, startedAt: s.startedAt, endedAt: s.endedAt, origin: 'csv', externalId: `test-${randomUUID()}`,
    tokens: s.lines.reduce((n, l) => n + (l.tokens ?? 0), 0), amountUsd: sumDecimals(s.lines.map((l) => l.amountUsd)),
  }).returning({ id: streams.id });
  if (s.lines.length) await insertLines(db, modelId, row!.id, s.lines, site);
  return row!.id;
}

/** Earnings lines of a session (or outside any, `streamId` null). */
export async function insertLines(db: Db, modelId: string, streamId: string | null, lines: SeedLine[], site = 'chaturbate') {
  await db.insert(earnings).values(lines.map((l) => ({
    modelId, streamId, site, ts: l.at, kind: 'tip' as const, tokens: l.tokens, amountUsd: l.amountUsd, origin: 'csv', externalId: `test-${randomUUID()}`,
  })));
}
