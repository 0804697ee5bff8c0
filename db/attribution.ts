/**
 * Revenue attribution (issue 17): joins the clicks that reached a live session to its earnings lines, per
 * publication, for both methods of core/attribution.ts, and stores the result in `revenue_attribution`.
 *
 * Reads the raw clicks (the only place with each click's time; kept CLICK_RETENTION_DAYS): sessions are attributed
 * when they close (the Chaturbate workflow) or are imported (CSV), well within that. Recomputing a session whose
 * clicks retention has since deleted would lose what was known, so it keeps the rows it has (status `kept`).
 */
import { and, asc, eq, gte, inArray, isNull, lte, ne, or, sql } from 'drizzle-orm';
import { attributeSession } from '../core/attribution.js';
import { attributionMethods, type AttributionMethod } from '../core/streams.js';
import { inTransaction, type Db } from './client.js';
import { clicks, earnings, platformAccounts, publications, revenueAttribution, streams } from './schema.js';

export interface AttributeStreamResult {
  /** `computed`: rows replaced; `kept`: fewer raw clicks than the stored rows count (retention deleted some); `missing`: no such session. */
  status: 'computed' | 'kept' | 'missing';
  /** Reaching clicks (people). */
  clicks: number;
  /** Rows written per method (one per link). */
  links: number;
}

/** Recomputes one session's `revenue_attribution` rows whole (idempotent) and stamps `streams.attributed_at`. */
export async function attributeStream(db: Db, streamId: string, opts: { windowMinutes: number; now?: Date }): Promise<AttributeStreamResult> {
  const windowMs = opts.windowMinutes * 60_000;
  return inTransaction(db, async (tx) => {
    // The row lock serialises two attributions of one session (the workflow and an import may both ask).
    const [session] = await tx
      .select({ id: streams.id, modelId: streams.modelId, startedAt: streams.startedAt, endedAt: streams.endedAt })
      .from(streams).where(eq(streams.id, streamId)).for('update');
    if (!session) return { status: 'missing', clicks: 0, links: 0 };
    const now = opts.now ?? new Date();
    const windowStart = new Date(session.startedAt.getTime() - windowMs);
    const end = session.endedAt ?? now;

    const [lines, others, reachable] = await Promise.all([
      tx.select({ ts: earnings.ts, tokens: earnings.tokens, amountUsd: earnings.amountUsd })
        .from(earnings).where(eq(earnings.streamId, streamId)),
      // Her sessions open at some point of this one's window before its start.
      tx.select({ startedAt: streams.startedAt, endedAt: streams.endedAt }).from(streams).where(and(
        eq(streams.modelId, session.modelId), ne(streams.id, streamId),
        lte(streams.startedAt, session.startedAt),
        or(isNull(streams.endedAt), gte(streams.endedAt, windowStart)),
      )),
      // People's clicks on her accounts' links in [window start, end]; one index range per account.
      tx.select({ ts: clicks.ts, accountId: clicks.accountId, publicationId: clicks.publicationId, isBot: clicks.isBot })
        .from(clicks)
        .where(and(
          inArray(clicks.accountId, tx.select({ id: platformAccounts.id }).from(platformAccounts).where(eq(platformAccounts.modelId, session.modelId))),
          gte(clicks.ts, windowStart), lte(clicks.ts, end), eq(clicks.isBot, false),
          // clicks has no foreign keys (db/schema.ts): a post's link counts only while the post exists.
          or(isNull(clicks.publicationId), sql`exists (select 1 from ${publications} where ${publications.id} = ${clicks.publicationId})`),
        ))
        .orderBy(asc(clicks.ts)),
    ]);

    const result = attributeSession({ session, lines, clicks: reachable, windowMinutes: opts.windowMinutes, otherSessions: others, now });

    const [stored] = await tx.select({ clicks: sql<number>`coalesce(sum(${revenueAttribution.clicks}), 0)::int`.mapWith(Number) })
      .from(revenueAttribution).where(and(eq(revenueAttribution.streamId, streamId), eq(revenueAttribution.method, 'last_click')));
    if ((stored?.clicks ?? 0) > result.clicks) return { status: 'kept', clicks: stored!.clicks, links: 0 };

    await tx.delete(revenueAttribution).where(eq(revenueAttribution.streamId, streamId));
    const rows = attributionMethods.flatMap((method: AttributionMethod) => result[method].shares.map((s) => ({
      streamId, streamStartedAt: session.startedAt, modelId: session.modelId, method,
      accountId: s.accountId, publicationId: s.publicationId, clicks: s.clicks, tokens: s.tokens, amountUsd: s.amountUsd,
    })));
    if (rows.length) await tx.insert(revenueAttribution).values(rows);
    await tx.update(streams).set({ attributedAt: now }).where(eq(streams.id, streamId));
    return { status: 'computed', clicks: result.clicks, links: result.last_click.shares.length };
  });
}

/** Sessions whose attribution is missing or stale (`attributed_at` null), oldest first: what a repair run picks up. */
export async function streamsToAttribute(db: Db, limit: number): Promise<string[]> {
  const rows = await db.select({ id: streams.id }).from(streams).where(isNull(streams.attributedAt)).orderBy(asc(streams.startedAt)).limit(limit);
  return rows.map((r) => r.id);
}
