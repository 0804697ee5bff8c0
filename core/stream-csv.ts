/**
 * The CSV import of live sessions and earnings (issue 17) for the sites without a broadcaster API (Stripchat,
 * BongaCams, CamSoda, MyFreeCams…): one documented layout (README "Streams and earnings"), read row by row into
 * what would be stored, each bad row kept with its line, field and reason. Pure: the text is split into records by
 * csv-parse in services/stream-csv.ts (core takes no packages); the database checks (already stored, overlapping a
 * stored session, linking to a stored session) are the service's too.
 *
 * Layout: a header row naming the columns (any order, case-insensitive; a missing column reads as empty), then one
 * row per session or earnings line:
 *   type            `session` (or `sesion`/`sesión`) | `earning` (or `ingreso`)
 *   start, end      session: both required, end after start, at most `maxSessionHours` apart
 *   show_type       session: public | private | offline (empty = public)
 *   peak_viewers, followers_start, followers_end   session: whole numbers, optional
 *   time            earning: required
 *   kind            earning: tip | media_purchase | fanclub_join | private_show | other (required);
 *                   session: the kind of its total line (empty = other)
 *   tokens          whole number, optional
 *   amount_usd      decimal with a dot, up to 4 decimals (`12.5`, `0.0500`); earning: required; session: its total,
 *                   stored as one earnings line at its start (required when the session row gives tokens)
 *   external_id     the site's own id of the session or line, optional (at most 200 characters)
 * Times: ISO 8601 with an offset or `Z` (an instant), or `YYYY-MM-DD HH:MM[:SS]` (also with `T`) read in the model's
 * time zone; a local time inside a daylight-saving gap is refused, one inside an overlap is its earlier instant.
 * A row's key when it has no external_id is its own content (session: its start; earning: time, kind, tokens,
 * amount and its occurrence among identical rows of the file), so importing a file again stores nothing twice.
 */
import { earningKinds, type EarningKind } from './streams.js';
import { zonedTimeToUtc } from './scheduling.js';

export const streamCsvColumns = [
  'type', 'start', 'end', 'show_type', 'peak_viewers', 'followers_start', 'followers_end', 'time', 'kind', 'tokens', 'amount_usd', 'external_id',
] as const;
export type StreamCsvColumn = (typeof streamCsvColumns)[number];

export const csvShowTypes = ['public', 'private', 'offline'] as const;
export type CsvShowType = (typeof csvShowTypes)[number];

export const streamCsvLimits = {
  /** Characters of the whole file (the API refuses more before reading it). */
  maxChars: 1_000_000,
  /** Data rows (sessions and earnings together) after the header. */
  maxRows: 5_000,
  maxExternalIdLength: 200,
  maxSessionHours: 48,
  /** Tokens, viewers and followers above this are typos, not data. */
  maxCount: 100_000_000,
  /** Digits before the decimal point (numeric(14, 4)). */
  maxAmountDigits: 10,
} as const;

/** Columns each row type may fill; any other non-empty column is refused (a shifted column, most of the time). */
const sessionColumns: ReadonlySet<StreamCsvColumn> = new Set([
  'type', 'start', 'end', 'show_type', 'peak_viewers', 'followers_start', 'followers_end', 'kind', 'tokens', 'amount_usd', 'external_id',
]);
const earningColumns: ReadonlySet<StreamCsvColumn> = new Set(['type', 'time', 'kind', 'tokens', 'amount_usd', 'external_id']);

/** One record as csv-parse gave it: its first line in the file (1-based) and its fields. */
export interface CsvRecord {
  line: number;
  values: string[];
}

export type CsvRowProblemCode =
  | 'unknown_type' | 'required' | 'bad_time' | 'time_in_gap' | 'time_out_of_range' | 'end_not_after_start' | 'session_too_long'
  | 'bad_show_type' | 'bad_kind' | 'bad_count' | 'bad_amount' | 'amount_required_with_tokens' | 'external_id_too_long'
  | 'not_for_type' | 'duplicate_external_id' | 'overlaps_session' | 'overlaps_stored_session' | 'too_many_fields';

export type CsvFileProblemCode = 'unreadable' | 'empty' | 'no_type_column' | 'unknown_column' | 'duplicate_column' | 'too_many_rows';

/** A bad row: its line, the field at fault (null for the row as a whole), a stable code and its parameters. */
export interface CsvRowProblem {
  line: number;
  field: StreamCsvColumn | null;
  code: CsvRowProblemCode;
  params: Record<string, string | number>;
}

/** A problem with the file as a whole: nothing in it is read. */
export interface CsvFileProblem {
  line: number;
  code: CsvFileProblemCode;
  params: Record<string, string | number>;
}

/** A session's own total, when its row carries tokens / amount_usd: stored as one earnings line at its start. */
export interface CsvSessionTotal {
  externalId: string;
  kind: EarningKind;
  tokens: number | null;
  amountUsd: string;
}

export interface CsvSession {
  line: number;
  externalId: string;
  start: Date;
  end: Date;
  showType: CsvShowType;
  peakViewers: number | null;
  followersStart: number | null;
  followersEnd: number | null;
  total: CsvSessionTotal | null;
}

export interface CsvEarning {
  line: number;
  externalId: string;
  time: Date;
  kind: EarningKind;
  tokens: number | null;
  amountUsd: string;
}

export type StreamCsvResult =
  | { ok: true; sessions: CsvSession[]; earnings: CsvEarning[]; problems: CsvRowProblem[] }
  | { ok: false; problem: CsvFileProblem };

export interface StreamCsvOptions {
  /** The model's IANA zone: local times are read in it. */
  timeZone: string;
  /** Times later than this are refused (a statement lists the past); the caller passes now plus a little slack. */
  latest: Date;
}

/** Earliest time accepted: older rows are typos (a two-digit year) rather than history. */
const earliest = Date.UTC(2000, 0, 1);

const sessionWords = new Set(['session', 'sesion', 'sesión']);
const earningWords = new Set(['earning', 'ingreso']);

const TIME_PATTERN = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const COUNT_PATTERN = /^\d+$/;

/** Reads the records (header first) into sessions, earnings lines and bad rows; or the reason the file is refused. */
export function readStreamCsv(records: readonly CsvRecord[], opts: StreamCsvOptions): StreamCsvResult {
  const nonEmpty = records.filter((r) => r.values.some((v) => v.trim() !== ''));
  const header = nonEmpty[0];
  if (!header) return { ok: false, problem: { line: 1, code: 'empty', params: {} } };
  const columns = new Map<StreamCsvColumn, number>();
  for (const [index, raw] of header.values.entries()) {
    const name = raw.trim().toLowerCase();
    if (name === '') continue;
    if (!(streamCsvColumns as readonly string[]).includes(name)) {
      return { ok: false, problem: { line: header.line, code: 'unknown_column', params: { column: raw.trim().slice(0, 60), expected: streamCsvColumns.join(',') } } };
    }
    const column = name as StreamCsvColumn;
    if (columns.has(column)) return { ok: false, problem: { line: header.line, code: 'duplicate_column', params: { column } } };
    columns.set(column, index);
  }
  if (!columns.has('type')) return { ok: false, problem: { line: header.line, code: 'no_type_column', params: {} } };
  const rows = nonEmpty.slice(1);
  if (rows.length > streamCsvLimits.maxRows) {
    return { ok: false, problem: { line: rows[streamCsvLimits.maxRows]!.line, code: 'too_many_rows', params: { max: streamCsvLimits.maxRows } } };
  }

  const sessions: CsvSession[] = [];
  const earnings: CsvEarning[] = [];
  const problems: CsvRowProblem[] = [];
  const reader = new RowReader(columns, opts);
  const sessionIds = new Map<string, number>();
  const earningIds = new Map<string, number>();
  const occurrences = new Map<string, number>();

  for (const record of rows) {
    const row = reader.read(record, header.values.length);
    if (!row.ok) {
      problems.push(row.problem);
      continue;
    }
    if (row.kind === 'session') {
      const session = row.session;
      const overlapping = sessions.find((s) => s.start < session.end && session.start < s.end);
      if (overlapping) {
        problems.push({ line: record.line, field: 'start', code: 'overlaps_session', params: { line: overlapping.line } });
        continue;
      }
      const seen = sessionIds.get(session.externalId);
      if (seen !== undefined) {
        problems.push({ line: record.line, field: 'external_id', code: 'duplicate_external_id', params: { line: seen } });
        continue;
      }
      sessionIds.set(session.externalId, record.line);
      if (session.total) earningIds.set(session.total.externalId, record.line);
      sessions.push(session);
    } else {
      const earning = row.earning;
      if (!row.explicitId) {
        // Identical rows are real (two 10-token tips in one minute): the n-th of them keeps the same key on a re-import.
        const n = (occurrences.get(earning.externalId) ?? 0) + 1;
        occurrences.set(earning.externalId, n);
        if (n > 1) earning.externalId = `${earning.externalId}#${n}`;
      }
      const seen = earningIds.get(earning.externalId);
      if (seen !== undefined) {
        problems.push({ line: record.line, field: 'external_id', code: 'duplicate_external_id', params: { line: seen } });
        continue;
      }
      earningIds.set(earning.externalId, record.line);
      earnings.push(earning);
    }
  }
  return { ok: true, sessions, earnings, problems };
}

/** The session whose window (start ≤ time ≤ end) holds `time`, if any; sessions never overlap, so at most one. */
export function sessionContaining<T extends { start: Date; end: Date | null }>(sessions: readonly T[], time: Date): T | undefined {
  return sessions.find((s) => s.start <= time && (s.end === null || time <= s.end));
}

/** Normalises a decimal amount to 4 places (`12.5` → `12.5000`), the stored scale. */
export function normaliseAmount(text: string): string {
  const [whole = '0', fraction = ''] = text.split('.');
  return `${BigInt(whole).toString()}.${fraction.padEnd(4, '0')}`;
}

type RowResult =
  | { ok: true; kind: 'session'; session: CsvSession }
  | { ok: true; kind: 'earning'; earning: CsvEarning; explicitId: boolean }
  | { ok: false; problem: CsvRowProblem };

/** Reads one data row; the first problem found is the row's reason. */
class RowReader {
  constructor(
    private readonly columns: ReadonlyMap<StreamCsvColumn, number>,
    private readonly opts: StreamCsvOptions,
  ) {}

  read(record: CsvRecord, headerWidth: number): RowResult {
    try {
      return this.readOrThrow(record, headerWidth);
    } catch (error) {
      if (error instanceof RowProblem) return { ok: false, problem: { line: record.line, field: error.field, code: error.code, params: error.params } };
      throw error;
    }
  }

  private readOrThrow(record: CsvRecord, headerWidth: number): RowResult {
    const line = record.line;
    if (record.values.length > headerWidth && record.values.slice(headerWidth).some((v) => v.trim() !== '')) {
      throw new RowProblem(null, 'too_many_fields', { fields: record.values.length, columns: headerWidth });
    }
    const get = (column: StreamCsvColumn) => {
      const index = this.columns.get(column);
      return index === undefined ? '' : (record.values[index] ?? '').trim();
    };
    const type = get('type').toLowerCase();
    const kind = sessionWords.has(type) ? 'session' : earningWords.has(type) ? 'earning' : null;
    if (!kind) throw new RowProblem('type', type === '' ? 'required' : 'unknown_type', { value: type.slice(0, 40) });
    const allowed = kind === 'session' ? sessionColumns : earningColumns;
    for (const column of this.columns.keys()) {
      if (!allowed.has(column) && get(column) !== '') throw new RowProblem(column, 'not_for_type', { type: kind });
    }
    const externalId = get('external_id');
    if (externalId.length > streamCsvLimits.maxExternalIdLength) {
      throw new RowProblem('external_id', 'external_id_too_long', { max: streamCsvLimits.maxExternalIdLength });
    }
    const tokens = this.count(get('tokens'), 'tokens');
    const amountText = get('amount_usd');
    const amountUsd = amountText === '' ? null : amount(amountText);

    if (kind === 'session') {
      const start = this.time(get('start'), 'start');
      const end = this.time(get('end'), 'end');
      if (end <= start) throw new RowProblem('end', 'end_not_after_start', {});
      if (end.getTime() - start.getTime() > streamCsvLimits.maxSessionHours * 3_600_000) {
        throw new RowProblem('end', 'session_too_long', { hours: streamCsvLimits.maxSessionHours });
      }
      const showText = get('show_type').toLowerCase();
      if (showText !== '' && !(csvShowTypes as readonly string[]).includes(showText)) {
        throw new RowProblem('show_type', 'bad_show_type', { value: showText.slice(0, 40), expected: csvShowTypes.join(', ') });
      }
      const totalKind = this.kind(get('kind'), 'other');
      if (tokens !== null && amountUsd === null) throw new RowProblem('amount_usd', 'amount_required_with_tokens', {});
      const key = externalId || `csv:s:${start.toISOString()}`;
      return {
        ok: true,
        kind: 'session',
        session: {
          line, externalId: key, start, end,
          showType: (showText || 'public') as CsvShowType,
          peakViewers: this.count(get('peak_viewers'), 'peak_viewers'),
          followersStart: this.count(get('followers_start'), 'followers_start'),
          followersEnd: this.count(get('followers_end'), 'followers_end'),
          total: amountUsd === null ? null : { externalId: `${key}:total`, kind: totalKind, tokens, amountUsd },
        },
      };
    }

    const time = this.time(get('time'), 'time');
    const earningKind = this.kind(get('kind'), null);
    if (amountUsd === null) throw new RowProblem('amount_usd', 'required', {});
    const key = externalId || `csv:e:${time.toISOString()}:${earningKind}:${tokens ?? '-'}:${amountUsd}`;
    return { ok: true, kind: 'earning', earning: { line, externalId: key, time, kind: earningKind, tokens, amountUsd }, explicitId: externalId !== '' };
  }

  private kind(text: string, fallback: EarningKind | null): EarningKind {
    const value = text.toLowerCase();
    if (value === '') {
      if (fallback) return fallback;
      throw new RowProblem('kind', 'required', {});
    }
    if (!(earningKinds as readonly string[]).includes(value)) throw new RowProblem('kind', 'bad_kind', { value: value.slice(0, 40), expected: earningKinds.join(', ') });
    return value as EarningKind;
  }

  private count(text: string, field: StreamCsvColumn): number | null {
    if (text === '') return null;
    if (!COUNT_PATTERN.test(text) || Number(text) > streamCsvLimits.maxCount) {
      throw new RowProblem(field, 'bad_count', { value: text.slice(0, 40), max: streamCsvLimits.maxCount });
    }
    return Number(text);
  }

  private time(text: string, field: StreamCsvColumn): Date {
    if (text === '') throw new RowProblem(field, 'required', {});
    const match = TIME_PATTERN.exec(text);
    if (!match) throw new RowProblem(field, 'bad_time', { value: text.slice(0, 40) });
    const [, y, mo, d, h, mi, s = '0', ms = '0', offset] = match;
    const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
    const calendar = new Date(Date.UTC(year, month - 1, day));
    if (calendar.getUTCFullYear() !== year || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
      throw new RowProblem(field, 'bad_time', { value: text.slice(0, 40) });
    }
    const extraMs = second * 1000 + Number(ms.padEnd(3, '0'));
    let instant: number;
    if (offset) {
      const utc = Date.UTC(year, month - 1, day, hour, minute) + extraMs;
      instant = utc - offsetMinutes(offset) * 60_000;
    } else {
      const local = zonedTimeToUtc(`${y}-${mo}-${d}`, `${h}:${mi}`, this.opts.timeZone);
      if (!local) throw new RowProblem(field, 'time_in_gap', { value: text.slice(0, 40), timeZone: this.opts.timeZone });
      instant = local.getTime() + extraMs;
    }
    if (instant < earliest || instant > this.opts.latest.getTime()) throw new RowProblem(field, 'time_out_of_range', { value: text.slice(0, 40) });
    return new Date(instant);
  }
}

function offsetMinutes(offset: string): number {
  if (offset.toUpperCase() === 'Z') return 0;
  const digits = offset.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
  return offset.startsWith('-') ? -minutes : minutes;
}

function amount(text: string): string {
  const pattern = new RegExp(`^\\d{1,${streamCsvLimits.maxAmountDigits}}(\\.\\d{1,4})?$`);
  if (!pattern.test(text)) throw new RowProblem('amount_usd', 'bad_amount', { value: text.slice(0, 40) });
  return normaliseAmount(text);
}

class RowProblem extends Error {
  constructor(
    readonly field: StreamCsvColumn | null,
    readonly code: CsvRowProblemCode,
    readonly params: Record<string, string | number>,
  ) {
    super(code);
  }
}
