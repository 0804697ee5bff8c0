/**
 * Read-only aggregates for the admin: counts by status, approvals waiting, accounts that do not publish, period reports.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import type { PublicationStatus } from '../core/types.js';
import { rollupPieces, rollupSource } from './analytics.js';
import type { Db } from './client.js';
import { clickRollups, contents, models, platformAccounts, platforms, publicationMetrics, publications, systemEvents } from './schema.js';

const HOUR_MS = 3_600_000;

export async function publicationCountsByStatus(db: Db): Promise<Partial<Record<PublicationStatus, number>>> {
  const rows = await db.select({ status: publications.status, n: sql<number>`count(*)::int` }).from(publications).groupBy(publications.status);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Contents that wait for a person's decision. */
export async function pendingApprovalCount(db: Db): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(contents).where(and(
    eq(contents.status, 'new'),
    sql`exists (select 1 from ${systemEvents} e where e.content_id = ${contents.id} and e.type = 'approval_requested')`,
  ));
  return row?.n ?? 0;
}

export async function accountsNotActive(db: Db) {
  return db.select({ username: platformAccounts.username, status: platformAccounts.status, platformName: platforms.name, modelName: models.name })
    .from(platformAccounts)
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .innerJoin(models, eq(models.id, platformAccounts.modelId))
    .where(sql`${platformAccounts.status} <> 'active'`)
    .orderBy(models.name, platforms.name);
}

export interface ReportRow {
  platformName: string;
  modelName: string;
  published: number;
  /** Publications that failed in the period (a `publication_failed` event in it; each publication once). */
  failed: number;
  views: number;
  likes: number;
  clicks: number;
}

/**
 * Per platform and model over [from, to): posts published in the period with their latest views/likes, publications
 * that failed in it, and
 * tracking clicks by people (bots excluded) in the period's hours — from the click rollups (db/analytics.ts: whole
 * UTC days from the daily rows, the edges from the hourly ones; the period taken to whole hours), never raw clicks.
 */
export async function periodReport(db: Db, from: Date, to: Date): Promise<ReportRow[]> {
  const fromIso = from.toISOString();
  const toIso = to.toISOString();
  const latest = db.selectDistinctOn([publicationMetrics.publicationId], {
    publicationId: publicationMetrics.publicationId, views: publicationMetrics.views, likes: publicationMetrics.likes,
  }).from(publicationMetrics).orderBy(publicationMetrics.publicationId, desc(publicationMetrics.ts)).as('latest');
  const posted = await db
    .select({
      platformName: platforms.name,
      modelName: models.name,
      published: sql<number>`count(*)::int`,
      views: sql<number>`coalesce(sum(${latest.views}), 0)::int`,
      likes: sql<number>`coalesce(sum(${latest.likes}), 0)::int`,
    })
    .from(publications)
    .innerJoin(platformAccounts, eq(platformAccounts.id, publications.accountId))
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .innerJoin(models, eq(models.id, platformAccounts.modelId))
    .leftJoin(latest, eq(latest.publicationId, publications.id))
    .where(sql`${publications.publishedAt} >= ${fromIso}::timestamptz and ${publications.publishedAt} < ${toIso}::timestamptz`)
    .groupBy(platforms.name, models.name);
  const hours = rollupPieces(new Date(Math.floor(from.getTime() / HOUR_MS) * HOUR_MS), new Date(Math.ceil(to.getTime() / HOUR_MS) * HOUR_MS));
  const byAccount = db.$with('by_account').as(
    db.select({ accountId: sql<string>`${clickRollups.accountId}`.as('account_id'), clicks: sql<number>`sum(${clickRollups.total})`.as('clicks') })
      .from(rollupSource(db, 'all', hours, {}, { perAccount: true }))
      .groupBy(clickRollups.accountId),
  );
  const clicked = await db.with(byAccount)
    .select({ platformName: platforms.name, modelName: models.name, clicks: sql<number>`sum(${byAccount.clicks})::int`.mapWith(Number) })
    .from(byAccount)
    .innerJoin(platformAccounts, eq(platformAccounts.id, byAccount.accountId))
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .innerJoin(models, eq(models.id, platformAccounts.modelId))
    .groupBy(platforms.name, models.name);
  const failedRows = await db
    .select({ platformName: platforms.name, modelName: models.name, failed: sql<number>`count(distinct ${systemEvents.publicationId})::int` })
    .from(systemEvents)
    .innerJoin(publications, eq(publications.id, systemEvents.publicationId))
    .innerJoin(platformAccounts, eq(platformAccounts.id, publications.accountId))
    .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .innerJoin(models, eq(models.id, platformAccounts.modelId))
    .where(sql`${systemEvents.type} = 'publication_failed' and ${systemEvents.ts} >= ${fromIso}::timestamptz and ${systemEvents.ts} < ${toIso}::timestamptz`)
    .groupBy(platforms.name, models.name);
  const rows = new Map<string, ReportRow>();
  const row = (platformName: string, modelName: string) => {
    const key = `${platformName}\u0000${modelName}`;
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { platformName, modelName, published: 0, failed: 0, views: 0, likes: 0, clicks: 0 }));
    return r;
  };
  for (const p of posted) Object.assign(row(p.platformName, p.modelName), { published: p.published, views: p.views, likes: p.likes });
  for (const c of clicked) row(c.platformName, c.modelName).clicks = c.clicks;
  for (const f of failedRows) row(f.platformName, f.modelName).failed = f.failed;
  return [...rows.values()].sort((a, b) => a.platformName.localeCompare(b.platformName) || a.modelName.localeCompare(b.modelName));
}
