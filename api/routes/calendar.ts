/** GET /api/calendar: publications of a range by calendar time, plus the free slots of the models' rules in it. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { calendarItemLimit, calendarMaxRangeDays, CalendarQuery, CalendarResponse } from '../../contracts/api/calendar.js';
import { errorReplies } from '../../contracts/api/common.js';
import { getCalendar, type CalendarResult } from '../../services/calendar.js';
import { tags } from '../route-docs.js';

const iso = (date: Date | null) => date?.toISOString() ?? null;

/** DTO at the edge: Dates become ISO strings. */
function calendarView(c: CalendarResult): CalendarResponse {
  return {
    from: c.from.toISOString(),
    to: c.to.toISOString(),
    timezone: c.timezone,
    timezoneSource: c.timezoneSource,
    items: c.items.map((i) => ({ ...i, time: i.time.toISOString(), scheduledTime: iso(i.scheduledTime), publishedAt: iso(i.publishedAt) })),
    truncated: c.truncated,
    limit: c.limit,
    freeSlots: c.freeSlots.map((s) => ({ ...s, time: s.time.toISOString() })),
  };
}

export const calendarRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAuth);
  const { db } = app.deps;

  app.get(
    '/api/calendar',
    {
      schema: {
        tags: [tags.calendar],
        summary: 'Publications in [from, to) by calendar time (published: when it went out; else when scheduled), plus the free slots of the models’ rules',
        description:
          `\`to\` after \`from\`, at most ${calendarMaxRangeDays} days later (else 400 naming \`to\`). Filters combine; unknown ids give empty lists. ` +
          `At most ${calendarItemLimit} publications, the earliest (\`truncated\` says when more matched). A free slot is a fixed slot of an account ` +
          'that can take new contents, in the future and within the platform’s horizon, that the scheduler would accept against the account’s taken times. ' +
          '`timezone` is the admin’s preference, else `tz` (the browser’s zone), else UTC.',
        querystring: CalendarQuery,
        response: { 200: CalendarResponse, ...errorReplies },
      },
      // A month can hold thousands of publications and free slots: the schema serializer tries each nullable
      // union branch by branch and took ~10× longer than JSON.stringify on such an answer (bench/calendar.ts).
      // The schema still documents the answer; calendarView builds exactly its fields.
      serializerCompiler: () => (data) => JSON.stringify(data),
    },
    async (request) => calendarView(await getCalendar(db, request.query)),
  );
};
