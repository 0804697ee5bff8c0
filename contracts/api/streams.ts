/**
 * Live streams and earnings (issue 17): a model's stream sources, her sessions and earnings lines, and the CSV
 * import of both for the sites without a broadcaster API (core/stream-csv.ts has the layout and its rules).
 */
import { Type, type Static } from '@sinclair/typebox';
import { csvShowTypes, streamCsvColumns, streamCsvLimits } from '../../core/stream-csv.js';
import { earningKinds, streamSites } from '../../core/streams.js';
import { IsoTime, Nullable, PageQuery, Page, StringEnum, Uuid } from './common.js';

export const StreamSite = StringEnum(streamSites, { description: 'chaturbate is followed through its Events API; the others are CSV-only' });
const Amount = Type.String({ description: 'USD as a decimal string with 4 places (never a float), e.g. `12.5000`' });

export const StreamSourceParams = Type.Object({ id: Uuid, sourceId: Uuid });
export type StreamSourceParams = Static<typeof StreamSourceParams>;

export const CreateStreamSourceBody = Type.Object(
  {
    site: StreamSite,
    username: Type.String({ minLength: 1, maxLength: 100, description: 'her username on that site (Chaturbate: letters, digits and _)' }),
    eventsToken: Type.Optional(Type.String({ maxLength: 200, description: 'Chaturbate only, required there: the Events API token (stored encrypted, never answered)' })),
    statsToken: Type.Optional(Type.String({ maxLength: 200, description: 'Chaturbate only, optional: the Stats API token (stored encrypted, never answered)' })),
  },
  { additionalProperties: false },
);
export type CreateStreamSourceBody = Static<typeof CreateStreamSourceBody>;

export const StreamSourceView = Type.Object(
  {
    id: Uuid,
    modelId: Uuid,
    site: StreamSite,
    username: Type.String(),
    /** `api`: followed by its workflow; `csv`: fed by CSV import. */
    feed: StringEnum(['api', 'csv'] as const, { description: '`api`: followed by a durable workflow; `csv`: fed by CSV import from the dashboard' }),
    hasEventsToken: Type.Boolean(),
    hasStatsToken: Type.Boolean(),
    status: StringEnum(['active', 'revoked', 'paused'] as const, { description: '`revoked`: the site refused the token; delete and add the source again with a new one' }),
    lastEventAt: Nullable(IsoTime),
    lastError: Nullable(Type.String()),
    createdAt: IsoTime,
  },
  { description: 'Where a model\'s sessions and earnings come from; tokens are never answered' },
);
export type StreamSourceView = Static<typeof StreamSourceView>;

export const StreamSourceList = Type.Object({ items: Type.Array(StreamSourceView) });
export type StreamSourceList = Static<typeof StreamSourceList>;

const RangeQuery = {
  modelId: Type.Optional(Uuid),
  from: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601 instant: from this time on (inclusive)' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601 instant: before this time (exclusive); after `from`' })),
  ...PageQuery,
};

export const StreamListQuery = Type.Object(RangeQuery, { additionalProperties: false });
export type StreamListQuery = Static<typeof StreamListQuery>;

export const StreamView = Type.Object({
  id: Uuid,
  modelId: Uuid,
  site: Type.String(),
  start: IsoTime,
  end: Nullable(IsoTime),
  showType: StringEnum(csvShowTypes),
  peakViewers: Nullable(Type.Integer()),
  followersStart: Nullable(Type.Integer()),
  followersEnd: Nullable(Type.Integer()),
  tokens: Type.Integer({ description: 'sum of its earnings lines' }),
  amountUsd: Amount,
  origin: StringEnum(['events_api', 'csv'] as const),
});
export type StreamView = Static<typeof StreamView>;

export const StreamList = Page(StreamView);
export type StreamList = Static<typeof StreamList>;

export const EarningListQuery = Type.Object(RangeQuery, { additionalProperties: false });
export type EarningListQuery = Static<typeof EarningListQuery>;

export const EarningView = Type.Object({
  id: Type.String({ description: 'the line\'s number (a string: it is a bigint)' }),
  modelId: Uuid,
  time: IsoTime,
  kind: StringEnum(earningKinds),
  tokens: Nullable(Type.Integer()),
  amountUsd: Amount,
  site: Type.String(),
  origin: StringEnum(['events_api', 'csv'] as const),
  sourceId: Nullable(Uuid),
  streamId: Nullable(Uuid),
  isAnonymous: Type.Boolean(),
});
export type EarningView = Static<typeof EarningView>;

export const EarningList = Page(EarningView);
export type EarningList = Static<typeof EarningList>;

const csvSites = streamSites.filter((s) => s !== 'chaturbate');

export const StreamImportBody = Type.Object(
  {
    site: StringEnum(csvSites, { description: 'a CSV-only site (chaturbate is followed through its Events API)' }),
    csv: Type.String({
      minLength: 1, maxLength: streamCsvLimits.maxChars,
      description: `the file's text: a header row naming the columns (${streamCsvColumns.join(',')}), then at most ${streamCsvLimits.maxRows} rows (README "CSV import")`,
    }),
    fileName: Type.Optional(Type.String({ maxLength: 200 })),
    confirm: Type.Optional(Type.Boolean({ description: 'POST …/stream-imports only: must be true' })),
  },
  { additionalProperties: false },
);
export type StreamImportBody = Static<typeof StreamImportBody>;

export const ImportedSession = Type.Object({
  line: Type.Integer(),
  externalId: Type.String(),
  start: IsoTime,
  end: IsoTime,
  showType: StringEnum(csvShowTypes),
  peakViewers: Nullable(Type.Integer()),
  followersStart: Nullable(Type.Integer()),
  followersEnd: Nullable(Type.Integer()),
  alreadyStored: Type.Boolean({ description: 'a session with this key is stored: importing skips it' }),
});
export type ImportedSession = Static<typeof ImportedSession>;

export const ImportedEarning = Type.Object({
  line: Type.Integer({ description: 'its row (a session row\'s own total shares the session\'s line)' }),
  externalId: Type.String(),
  time: IsoTime,
  kind: StringEnum(earningKinds),
  tokens: Nullable(Type.Integer()),
  amountUsd: Amount,
  sessionLine: Nullable(Type.Integer({ description: 'the session of this file it falls in' })),
  streamId: Nullable(Uuid),
  alreadyStored: Type.Boolean(),
});
export type ImportedEarning = Static<typeof ImportedEarning>;

export const BadRow = Type.Object({
  line: Type.Integer(),
  field: Nullable(Type.String()),
  code: Type.String({ description: 'stable: core/stream-csv.ts CsvRowProblemCode' }),
  params: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])),
  reason: Type.String({ description: 'in English' }),
});
export type BadRow = Static<typeof BadRow>;

export const StreamImportPreview = Type.Object({
  site: Type.String(),
  timeZone: Type.String({ description: 'the model\'s zone, in which local times were read' }),
  sessions: Type.Array(ImportedSession),
  earnings: Type.Array(ImportedEarning),
  badRows: Type.Array(BadRow),
  counts: Type.Object({
    sessions: Type.Integer({ description: 'new sessions that importing would store' }),
    earnings: Type.Integer({ description: 'new earnings lines that importing would store' }),
    skipped: Type.Integer({ description: 'rows already stored' }),
    badRows: Type.Integer(),
  }),
});
export type StreamImportPreview = Static<typeof StreamImportPreview>;

export const StreamImportResult = Type.Object({
  site: Type.String(),
  stored: Type.Object({ sessions: Type.Integer(), earnings: Type.Integer() }),
  skipped: Type.Object({ sessions: Type.Integer(), earnings: Type.Integer() }),
  badRows: Type.Array(BadRow),
});
export type StreamImportResult = Static<typeof StreamImportResult>;

export const DeletedStreamSource = Type.Object({ id: Uuid, deleted: Type.Literal(true) });
export type DeletedStreamSource = Static<typeof DeletedStreamSource>;
