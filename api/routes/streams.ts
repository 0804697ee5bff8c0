/**
 * Live streams and earnings (issue 17): a model's stream sources (tokens in, never out), her sessions and earnings
 * lines (keyset pages), and the CSV import of both for the sites without an API (preview, then confirm).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { streamCsvLimits } from '../../core/stream-csv.js';
import { errorReplies, IdParams } from '../../contracts/api/common.js';
import {
  CreateStreamSourceBody, DeletedStreamSource, EarningList, EarningListQuery, StreamImportBody, StreamImportPreview, StreamImportResult,
  StreamList, StreamListQuery, StreamSourceList, StreamSourceParams, StreamSourceView,
} from '../../contracts/api/streams.js';
import { ServiceError } from '../../services/errors.js';
import { importStreams, previewStreamImport, type StreamImportResult as ImportResult, type StreamImportPreview as Preview } from '../../services/stream-csv.js';
import {
  createStreamSource, deleteStreamSource, listEarnings, listModelStreamSources, listStreams, type StreamSourceView as SourceRow,
} from '../../services/streams.js';
import { tags } from '../route-docs.js';

const iso = (date: Date | null): string | null => date?.toISOString() ?? null;

/** JSON around a CSV of the maximum size: every character may be escaped (`\"`, `\n`, `\u00e9`…). */
const importBodyLimit = streamCsvLimits.maxChars * 6 + 64 * 1024;

function sourceView(s: SourceRow): StreamSourceView {
  return {
    id: s.id, modelId: s.modelId, site: s.site as StreamSourceView['site'], username: s.username, feed: s.feed,
    hasEventsToken: s.hasEventsToken, hasStatsToken: s.hasStatsToken, status: s.status,
    lastEventAt: iso(s.lastEventAt), lastError: s.lastError, createdAt: s.createdAt.toISOString(),
  };
}

const badRows = (rows: Preview['badRows']) => rows.map((r) => ({ line: r.line, field: r.field, code: r.code, params: r.params, reason: r.reason }));

function previewView(p: Preview): StreamImportPreview {
  return {
    site: p.site, timeZone: p.timeZone, counts: p.counts, badRows: badRows(p.badRows),
    sessions: p.sessions.map((s) => ({ ...s, start: s.start.toISOString(), end: s.end.toISOString() })),
    earnings: p.earnings.map((e) => ({ ...e, time: e.time.toISOString() })),
  };
}

const resultView = (r: ImportResult): StreamImportResult => ({ ...r, badRows: badRows(r.badRows) });

export const streamRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAuth);
  const { db, temporal, config } = app.deps;
  const sourceDeps = { db, temporal, keyring: config.keyring, lifecycle: config.lifecycle };
  const importDeps = { db, attributionWindowMinutes: config.streams.attributionWindowMinutes };

  app.get(
    '/api/models/:id/stream-sources',
    {
      schema: {
        tags: [tags.streams],
        summary: 'Her stream sources: site, username, whether tokens are stored (never the tokens), status, last event and error',
        params: IdParams,
        response: { 200: StreamSourceList, ...errorReplies },
      },
    },
    async (request) => ({ items: (await listModelStreamSources(db, request.params.id)).map(sourceView) }),
  );

  app.post(
    '/api/models/:id/stream-sources',
    {
      schema: {
        tags: [tags.streams],
        summary: 'Add a stream source: chaturbate with its Events API token (and optional Stats API token), followed by a durable workflow; other sites take no token (CSV import)',
        description: 'Tokens are stored encrypted and never answered. 409 `duplicate_stream_source` when she has that site and username. Records `stream_source_created`.',
        params: IdParams,
        body: CreateStreamSourceBody,
        response: { 201: StreamSourceView, ...errorReplies },
      },
    },
    async (request, reply) => reply.code(201).send(sourceView(await createStreamSource(sourceDeps, request.params.id, request.body, { actor: request.actor }))),
  );

  app.delete(
    '/api/models/:id/stream-sources/:sourceId',
    {
      schema: {
        tags: [tags.streams],
        summary: 'Delete a stream source: its workflow is told to stop, then the row goes; her sessions and earnings stay',
        description: 'Records `stream_source_deleted`.',
        params: StreamSourceParams,
        response: { 200: DeletedStreamSource, ...errorReplies },
      },
    },
    async (request) => {
      await deleteStreamSource(sourceDeps, request.params.id, request.params.sourceId, { actor: request.actor });
      return { id: request.params.sourceId, deleted: true as const };
    },
  );

  app.get(
    '/api/streams',
    {
      schema: {
        tags: [tags.streams],
        summary: 'Live sessions newest first (by start), by model and start range, keyset-paged',
        description: 'A bad `from`/`to` (or `to` not after `from`) → 400 naming it; a cursor from elsewhere → 400 `invalid_cursor`.',
        querystring: StreamListQuery,
        response: { 200: StreamList, ...errorReplies },
      },
    },
    async (request) => {
      const page = await listStreams(db, request.query);
      return {
        nextCursor: page.nextCursor,
        items: page.items.map((s) => ({
          id: s.id, modelId: s.modelId, site: s.site, start: s.startedAt.toISOString(), end: iso(s.endedAt), showType: s.showType,
          peakViewers: s.peakViewers, followersStart: s.followersStart, followersEnd: s.followersEnd, tokens: s.tokens,
          amountUsd: s.amountUsd, origin: s.origin as 'events_api' | 'csv',
        })),
      };
    },
  );

  app.get(
    '/api/earnings',
    {
      schema: {
        tags: [tags.streams],
        summary: 'Earnings lines newest first, by model and time range, keyset-paged; amounts in USD as decimal strings',
        querystring: EarningListQuery,
        response: { 200: EarningList, ...errorReplies },
      },
    },
    async (request) => {
      const page = await listEarnings(db, request.query);
      return {
        nextCursor: page.nextCursor,
        items: page.items.map((e) => ({
          id: String(e.id), modelId: e.modelId, time: e.ts.toISOString(), kind: e.kind, tokens: e.tokens, amountUsd: e.amountUsd, site: e.site,
          origin: e.origin as 'events_api' | 'csv', sourceId: e.sourceId, streamId: e.streamId, isAnonymous: e.isAnonymous,
        })),
      };
    },
  );

  app.post(
    '/api/models/:id/stream-imports/preview',
    {
      bodyLimit: importBodyLimit,
      schema: {
        tags: [tags.streams],
        summary: 'Preview a CSV of sessions and earnings: what importing would store and skip, and each bad row with its line and reason; stores nothing',
        description: 'Layout: README "CSV import". A file that cannot be read (no `type` column, an unknown column, too many rows, a quote never closed) → 400 `invalid_csv` naming `csv` with the line.',
        params: IdParams,
        body: StreamImportBody,
        response: { 200: StreamImportPreview, ...errorReplies },
      },
    },
    async (request) => previewView(await previewStreamImport(importDeps, request.params.id, request.body)),
  );

  app.post(
    '/api/models/:id/stream-imports',
    {
      bodyLimit: importBodyLimit,
      schema: {
        tags: [tags.streams],
        summary: 'Import a CSV of sessions and earnings (`confirm: true`): its good rows in one transaction; rows stored before are skipped',
        description: 'Bad rows are answered and not stored. Records `earnings_imported`.',
        params: IdParams,
        body: StreamImportBody,
        response: { 200: StreamImportResult, ...errorReplies },
      },
    },
    async (request) => {
      if (request.body.confirm !== true) {
        throw new ServiceError('invalid', 'invalid_request', 'confirm: must be true (preview first)', { fields: { confirm: 'must be true (preview first)' } });
      }
      return resultView(await importStreams(importDeps, request.params.id, request.body, { actor: request.actor }));
    },
  );
};
