/** What the admin reads at a glance (bot /status, /daily, /weekly; the dashboard may reuse them). */
import type { Client } from '@temporalio/client';
import type { PublicationStatus } from '../core/types.js';
import type { Db } from '../db/client.js';
import { listModels } from '../db/models.js';
import { stoppedPublications } from '../db/publications.js';
import { accountsNotActive, pendingApprovalCount, periodReport, publicationCountsByStatus, type ReportRow } from '../db/reports.js';
import { checkHealth, type Health } from './health.js';
import { earningsSummary, type EarningsSummary } from './revenue.js';

export interface StatusReport {
  publications: Record<PublicationStatus, number>;
  pendingApproval: number;
  accountsNotActive: Awaited<ReturnType<typeof accountsNotActive>>;
  pausedModels: string[];
  health: Health;
}

const allStatuses: PublicationStatus[] = ['scheduled', 'held', 'processing', 'published', 'failed', 'canceled', 'unconfirmed', 'published_as_draft'];

/** Every publication counted by status in SQL (every status present, 0 when none): the dashboard overview. */
export async function publicationCounts(db: Db): Promise<Record<PublicationStatus, number>> {
  const counts = await publicationCountsByStatus(db);
  return Object.fromEntries(allStatuses.map((s) => [s, counts[s] ?? 0])) as Record<PublicationStatus, number>;
}

export async function statusReport(db: Db, temporal: Client): Promise<StatusReport> {
  const [publications, pendingApproval, accounts, models, health] = await Promise.all([
    publicationCounts(db), pendingApprovalCount(db), accountsNotActive(db), listModels(db), checkHealth(db, temporal),
  ]);
  return {
    publications,
    pendingApproval,
    accountsNotActive: accounts,
    pausedModels: models.filter((m) => m.status === 'paused').map((m) => m.name),
    health,
  };
}

export interface PeriodSummary {
  from: Date;
  to: Date;
  totals: Omit<ReportRow, 'platformName' | 'modelName'>;
  byPlatform: (Omit<ReportRow, 'modelName'>)[];
  byModel: (Omit<ReportRow, 'platformName'>)[];
  /** Live-session earnings and the best platform by attributed revenue (services/revenue.ts), when asked for. */
  earnings?: EarningsSummary;
}

export interface SummaryOptions {
  /** Add the period's earnings and best platform (the weekly reports). */
  earnings?: boolean;
}

function sum<K extends string>(rows: ReportRow[], keyOf: (r: ReportRow) => string, name: K) {
  const out = new Map<string, Record<K, string> & Omit<ReportRow, 'platformName' | 'modelName'>>();
  for (const r of rows) {
    const key = keyOf(r);
    const acc = out.get(key) ?? ({ [name]: key, published: 0, failed: 0, views: 0, likes: 0, clicks: 0 } as Record<K, string> & Omit<ReportRow, 'platformName' | 'modelName'>);
    acc.published += r.published;
    acc.failed += r.failed;
    acc.views += r.views;
    acc.likes += r.likes;
    acc.clicks += r.clicks;
    out.set(key, acc);
  }
  return [...out.values()];
}

/** The last `days` days up to now: posts published, their latest views and likes, and tracking clicks, by platform and model. */
export async function periodSummary(db: Db, days: number, now = new Date(), opts: SummaryOptions = {}): Promise<PeriodSummary> {
  return summaryBetween(db, new Date(now.getTime() - days * 86_400_000), now, opts);
}

/** The same figures over [from, to) (the report e-mails' whole local days), with the rows per platform and model. */
export async function summaryBetween(db: Db, from: Date, to: Date, opts: SummaryOptions = {}): Promise<PeriodSummary & { rows: ReportRow[] }> {
  const [rows, earnings] = await Promise.all([periodReport(db, from, to), opts.earnings ? earningsSummary(db, { from, to }) : undefined]);
  const totals = rows.reduce((t, r) => ({
    published: t.published + r.published, failed: t.failed + r.failed, views: t.views + r.views, likes: t.likes + r.likes, clicks: t.clicks + r.clicks,
  }), { published: 0, failed: 0, views: 0, likes: 0, clicks: 0 });
  return {
    from, to, totals, rows,
    ...(earnings ? { earnings } : {}),
    byPlatform: sum(rows, (r) => r.platformName, 'platformName'),
    byModel: sum(rows, (r) => r.modelName, 'modelName'),
  };
}

export async function failedPublications(db: Db, limit = 10) {
  return stoppedPublications(db, limit);
}
