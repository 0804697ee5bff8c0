/** GET /api/events: the audit log, filtered, newest first, keyset-paged by id. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorReplies } from '../../contracts/api/common.js';
import type { EventKind } from '../../contracts/events.js';
import { EventList, EventListQuery, type EventItem } from '../../contracts/api/events.js';
import { listAuditEvents, type AuditEventRow } from '../../services/audit.js';
import { tags } from '../route-docs.js';

/** DTO at the edge: the row's `type` is the event's `kind`; Dates become ISO strings. */
const eventView = ({ type, ts, ...row }: AuditEventRow): EventItem => ({ ...row, kind: type, ts: ts.toISOString() });

export const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAuth);
  const { db } = app.deps;

  app.get(
    '/api/events',
    {
      schema: {
        tags: [tags.events],
        summary: 'Every system event (the audit log), newest first, with what each links to',
        description: 'Filters combine (AND). `from` ≤ ts < `to`. Pass `nextCursor` back as `cursor` for the next (older) page. A bad filter → 400 naming the field.',
        querystring: EventListQuery,
        response: { 200: EventList, ...errorReplies },
      },
    },
    async (request) => {
      // The schema's enum (Ajv) has already checked `kind`; the type provider sees it as unknown (contracts/api/events.ts).
      const page = await listAuditEvents(db, { ...request.query, kind: request.query.kind as EventKind | undefined });
      return { items: page.items.map(eventView), nextCursor: page.nextCursor };
    },
  );
};
