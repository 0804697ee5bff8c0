/** Revenue: attributed earnings by grouping (or per UTC hour or day) and method, and the funnel per platform (contracts/api/revenue.ts), JSON or CSV. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorReplies } from '../../contracts/api/common.js';
import { FunnelQuery, FunnelReply, RevenueQuery, RevenueReply } from '../../contracts/api/revenue.js';
import { analyticsMaxRangeDays } from '../../services/analytics.js';
import { revenueFunnel, revenueReport, type RevenueFunnelResult, type RevenueReportResult } from '../../services/revenue.js';
import { csvOf, csvOrJsonReply, fileTime, sendCsv } from '../csv.js';
import { documentedOnly, tags } from '../route-docs.js';

function revenueView(r: RevenueReportResult): RevenueReply {
  return { ...r, from: r.from.toISOString(), to: r.to.toISOString() };
}

function funnelView(f: RevenueFunnelResult): FunnelReply {
  return { ...f, from: f.from.toISOString(), to: f.to.toISOString() };
}

const rangeRules = `\`from\`/\`to\` are taken to whole hours; \`to\` after \`from\` and at most ${analyticsMaxRangeDays} days later (else 400 naming \`to\`). `;

export const revenueRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAuth);
  const { db } = app.deps;
  // Plain rows: JSON.stringify is faster than the schema serializer trying each nullable branch (api/routes/calendar.ts).
  const stringify = () => (data: unknown) => JSON.stringify(data);

  app.get(
    '/api/revenue',
    {
      schema: {
        tags: [tags.revenue],
        summary: 'Live-session earnings attributed to tracking links, by model, platform, account or publication, or per UTC hour or day (attributed vs total), under one method',
        description:
          'The sessions that started in [from, to) (their earnings whole). `method`: `last_click` (each earnings line to the latest ' +
          'reaching click before it; lines before the first one stay unattributed) or `linear` (each session shared by reaching clicks). ' +
          'A click reaches a session while it is open or within ATTRIBUTION_WINDOW_MINUTES before it starts; bots never. ' +
          'Amounts are decimal strings (USD, 4 decimals). `totals` has the sessions’ earnings, the attributed and unattributed parts ' +
          '(by `method`), sessions not attributed yet, and lines outside any session. ' + rangeRules +
          '`groupBy=day` / `hour`: one row per calendar day / hour of session start in UTC (as `/api/analytics/clicks` buckets: no zone ' +
          'parameter; a partial first/last day keyed by its day’s start), every bucket of the range oldest first, zeros included, `limit` ' +
          'ignored (`hour`: a range of at most 31 days, else 400 naming `groupBy`); each row has the attributed amount by `method`, the ' +
          'bucket’s `total` and its `unattributed` part. ' +
          '`format=csv` answers the rows as CSV, the unattributed amount as its last row (`day` / `hour`: per bucket, in its own columns).',
        querystring: RevenueQuery,
        response: { 200: RevenueReply, ...errorReplies },
      },
      config: documentedOnly({ response: { 200: csvOrJsonReply('the revenue rows (JSON), or as CSV with `format=csv`', RevenueReply) } }),
      serializerCompiler: stringify,
    },
    async (request, reply) => {
      const view = revenueView(await revenueReport(db, request.query));
      if (request.query.format !== 'csv') return view;
      const header = ['key', 'label', 'method', 'amountUsd', 'tokens', 'clicks', 'sessions'];
      const body = view.groupBy === 'day' || view.groupBy === 'hour'
        ? csvOf([...header, 'unattributedUsd', 'unattributedTokens', 'totalUsd', 'totalTokens', 'totalSessions'], view.rows.map((r) => [
          r.key, r.label, view.method, r.amountUsd, r.tokens, r.clicks, r.sessions,
          r.unattributed?.amountUsd ?? null, r.unattributed?.tokens ?? null, r.total?.amountUsd ?? null, r.total?.tokens ?? null, r.total?.sessions ?? null,
        ]))
        : csvOf(header, [
          ...view.rows.map((r) => [r.key, r.label, view.method, r.amountUsd, r.tokens, r.clicks, r.sessions]),
          ['unattributed', null, view.method, view.totals.unattributed.amountUsd, view.totals.unattributed.tokens, null, null],
        ]);
      return sendCsv(reply, `revenue-${view.groupBy}-${view.method}-${fileTime(view.from)}-${fileTime(view.to)}.csv`, body);
    },
  );

  app.get(
    '/api/revenue/funnel',
    {
      schema: {
        tags: [tags.revenue],
        summary: 'Per platform: publications and views → tracking clicks → stream visits → attributed earnings (both methods)',
        description:
          'Views: the latest views of publications that went out in the period. Clicks: people’s tracking-link clicks in the period ' +
          '(rollups; bots apart). Stream visits: clicks that reached a session started in the period. Earnings: attributed to the ' +
          'platform’s links, by `last_click` and by `linear`; `unattributedUsd` is what no platform was credited with. ' + rangeRules +
          '`format=csv` answers the rows as CSV.',
        querystring: FunnelQuery,
        response: { 200: FunnelReply, ...errorReplies },
      },
      config: documentedOnly({ response: { 200: csvOrJsonReply('the funnel (JSON), or as CSV with `format=csv`', FunnelReply) } }),
      serializerCompiler: stringify,
    },
    async (request, reply) => {
      const view = funnelView(await revenueFunnel(db, request.query));
      if (request.query.format !== 'csv') return view;
      const body = csvOf(
        ['platform', 'publications', 'views', 'clicks', 'uniqueClicks', 'streamVisits', 'amountUsdLastClick', 'amountUsdLinear'],
        view.rows.map((r) => [r.platform, r.publications, r.views, r.clicks, r.uniqueClicks, r.streamVisits, r.amountUsd.last_click, r.amountUsd.linear]),
      );
      return sendCsv(reply, `funnel-${fileTime(view.from)}-${fileTime(view.to)}.csv`, body);
    },
  );
};
