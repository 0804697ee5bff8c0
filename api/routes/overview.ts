/** GET /api/overview: the dashboard's home page in one answer (counts, approvals, alerts, next 24 h, latest, blocked accounts, clicks, top posts, health). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorReplies } from '../../contracts/api/common.js';
import { Overview, OverviewQuery, type OverviewPublication } from '../../contracts/api/overview.js';
import { getOverview, type OverviewResult } from '../../services/overview.js';
import { tags } from '../route-docs.js';

const iso = (date: Date | null) => date?.toISOString() ?? null;

type PublicationRow = OverviewResult['latestPublished'][number];
const publicationView = (p: PublicationRow): OverviewPublication => ({
  id: p.id, contentId: p.contentId, status: p.status, modelId: p.modelId, modelName: p.modelName, platform: p.platform,
  accountId: p.accountId, username: p.username, scheduledTime: iso(p.scheduledTime), publishedAt: iso(p.publishedAt), postUrl: p.postUrl,
});

/** DTO at the edge: Dates become ISO strings. */
function overviewView(o: OverviewResult): Overview {
  return {
    generatedAt: o.generatedAt.toISOString(),
    timeZone: o.timeZone,
    today: { from: o.today.from.toISOString(), to: o.today.to.toISOString() },
    counts: o.counts,
    approvals: { total: o.approvals.total, oldest: o.approvals.oldest.map((c) => ({ ...c, receivedAt: c.receivedAt.toISOString() })) },
    alerts: { total: o.alerts.total, items: o.alerts.items.map((a) => ({ ...a, ts: a.ts.toISOString() })) },
    upcoming: { total: o.upcoming.total, items: o.upcoming.items.map(publicationView) },
    latestPublished: o.latestPublished.map(publicationView),
    blockedAccounts: o.blockedAccounts,
    clicksToday: o.clicksToday,
    topPostsOfWeek: o.topPostsOfWeek.map((p) => ({ ...p, publishedAt: iso(p.publishedAt) })),
    health: o.health,
  };
}

export const overviewRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAuth);
  const { db, temporal } = app.deps;

  app.get(
    '/api/overview',
    {
      schema: {
        tags: [tags.overview],
        summary: 'The studio at a glance: counts, approvals waiting, open alerts, next 24 h, latest published, blocked accounts, clicks today, top posts of the week, health',
        description: '"Published today" and "clicks today" are the admin’s day in `tz` (IANA, default UTC); an unknown zone → 400 naming `tz`. ' +
          'Clicks are people’s (bots apart), read from the hourly rollups; the top posts of the week are ranked by clicks, then views. Every part is one SQL query.',
        querystring: OverviewQuery,
        response: { 200: Overview, ...errorReplies },
      },
    },
    async (request) => overviewView(await getOverview({ db, temporal }, { timeZone: request.query.tz })),
  );
};
