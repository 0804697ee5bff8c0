/** Traffic analytics: clicks grouped one way, per-publication results (contracts/api/analytics.ts), as JSON or CSV. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ClicksQuery, ClicksReply, PublicationsAnalyticsQuery, PublicationsAnalyticsReply, type PublicationResult,
} from '../../contracts/api/analytics.js';
import { errorReplies } from '../../contracts/api/common.js';
import {
  analyticsMaxRangeDays, clickAnalytics, hourlyMaxRangeDays, publicationAnalytics,
  type ClickAnalyticsResult, type PublicationAnalyticsResult,
} from '../../services/analytics.js';
import { csvOf, csvOrJsonReply, fileTime, sendCsv } from '../csv.js';
import { documentedOnly, tags } from '../route-docs.js';

const iso = (date: Date | null) => date?.toISOString() ?? null;

/** DTO at the edge: Dates become ISO strings. */
function clicksView(c: ClickAnalyticsResult): ClicksReply {
  return {
    from: c.from.toISOString(),
    to: c.to.toISOString(),
    groupBy: c.groupBy,
    bots: c.bots,
    rows: c.rows.map((r) => ({ key: r.key instanceof Date ? r.key.toISOString() : r.key, label: r.label, total: r.total, unique: r.unique, bots: r.bots })),
    totals: c.totals,
    previous: { from: c.previous.from.toISOString(), to: c.previous.to.toISOString(), totals: c.previous.totals },
  };
}

function publicationsView(p: PublicationAnalyticsResult): PublicationsAnalyticsReply {
  return {
    from: p.from.toISOString(),
    to: p.to.toISOString(),
    items: p.items.map((i): PublicationResult => ({ ...i, publishedAt: iso(i.publishedAt) })),
  };
}

export const analyticsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAuth);
  const { db } = app.deps;
  // Hundreds of rows with nullable fields: JSON.stringify is much faster than the schema serializer trying each
  // union branch (see api/routes/calendar.ts). The schema still documents the answer; the views build exactly it.
  const stringify = () => (data: unknown) => JSON.stringify(data);

  app.get(
    '/api/analytics/clicks',
    {
      schema: {
        tags: [tags.analytics],
        summary: 'Tracking-link clicks in [from, to) grouped by time, place, device, source or owner, with the totals and the previous period',
        description:
          'Read from the hourly/daily rollups (never raw clicks). `from`/`to` are taken to whole hours; `to` after `from` and at most ' +
          `${analyticsMaxRangeDays} days later (else 400 naming \`to\`); \`groupBy=hour\` over more than ${hourlyMaxRangeDays} days → 400 naming \`groupBy\`. ` +
          'hour/day: every UTC bucket of the range, zeros included; other groupings: largest `total` first, at most `limit`. ' +
          '`bots`: which clicks make `total`/`unique` (people by default); `bots` is always the bot clicks. `format=csv` answers the rows as CSV.',
        querystring: ClicksQuery,
        response: { 200: ClicksReply, ...errorReplies },
      },
      config: documentedOnly({ response: { 200: csvOrJsonReply('the clicks (JSON), or its rows as CSV with `format=csv`', ClicksReply) } }),
      serializerCompiler: stringify,
    },
    async (request, reply) => {
      const view = clicksView(await clickAnalytics(db, request.query));
      if (request.query.format !== 'csv') return view;
      const body = csvOf(['key', 'label', 'total', 'unique', 'bots'], view.rows.map((r) => [r.key, r.label, r.total, r.unique, r.bots]));
      return sendCsv(reply, `clicks-${view.groupBy}-${fileTime(view.from)}-${fileTime(view.to)}.csv`, body);
    },
  );

  app.get(
    '/api/analytics/publications',
    {
      schema: {
        tags: [tags.analytics],
        summary: 'Publications that went out in [from, to) with their latest views, likes, comments, shares, tracking clicks and click-through',
        description:
          'Running totals per publication (latest metrics read from the platform; people’s clicks since it went out, bots apart). ' +
          '`ctr` = clicks / views, null when views are unknown or zero. Sorted largest first by `sort` (default `clicks`; newest for `publishedAt`). ' +
          `Range rules as for /api/analytics/clicks (at most ${analyticsMaxRangeDays} days, else 400 naming \`to\`). \`format=csv\` answers CSV.`,
        querystring: PublicationsAnalyticsQuery,
        response: { 200: PublicationsAnalyticsReply, ...errorReplies },
      },
      config: documentedOnly({ response: { 200: csvOrJsonReply('the publications (JSON), or as CSV with `format=csv`', PublicationsAnalyticsReply) } }),
      serializerCompiler: stringify,
    },
    async (request, reply) => {
      const view = publicationsView(await publicationAnalytics(db, request.query));
      if (request.query.format !== 'csv') return view;
      const header = ['id', 'publishedAt', 'model', 'platform', 'account', 'postUrl', 'views', 'likes', 'comments', 'shares', 'clicks', 'uniqueClicks', 'botClicks', 'ctr'];
      const body = csvOf(header, view.items.map((i) => [
        i.id, i.publishedAt, i.modelName, i.platform, i.username, i.postUrl, i.views, i.likes, i.comments, i.shares, i.clicks, i.uniqueClicks, i.botClicks, i.ctr,
      ]));
      return sendCsv(reply, `publications-${fileTime(view.from)}-${fileTime(view.to)}.csv`, body);
    },
  );
};
