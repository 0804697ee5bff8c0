/**
 * The CSV import of sessions and earnings (issue 17, README "CSV import"): the text split into records by
 * csv-parse, read by core/stream-csv.ts, then checked against what is stored — rows already stored are skipped, a
 * new session overlapping a stored one is a bad row, lines link to the session (of the file or stored) they fall in.
 * The preview stores nothing; the import stores the good rows in one transaction (serialised per model and site),
 * sums each touched session's lines, recomputes its attribution, and records `earnings_imported`.
 */
import { parse } from 'csv-parse/sync';
import { effectiveRules } from '../core/rules.js';
import {
  readStreamCsv, sessionContaining, type CsvEarning, type CsvFileProblem, type CsvRecord, type CsvRowProblem, type CsvSession,
} from '../core/stream-csv.js';
import type { EarningKind, StreamSite } from '../core/streams.js';
import { messagesFor } from '../messages/index.js';
import { attributeStream } from '../db/attribution.js';
import { inTransaction, type Db } from '../db/client.js';
import { recordEvent } from '../db/events.js';
import { findModel } from '../db/models.js';
import { streamSourcesOnSite } from '../db/stream-sources.js';
import {
  insertCsvEarnings, insertCsvSessions, lockStreamImport, refreshStreamTotals, sessionsByExternalId, sessionsMeeting, storedEarningIds,
  type StoredSession,
} from '../db/streams.js';
import { ServiceError } from './errors.js';
import { isApiSite } from './streams.js';

export interface StreamImportDeps {
  db: Db;
  /** `streams.attributionWindowMinutes`: passed to the attribution of each touched session. */
  attributionWindowMinutes: number;
  now?: () => Date;
}

export interface StreamImportInput {
  site: StreamSite;
  csv: string;
  fileName?: string;
}

/** A bad row as the API answers it: core's problem with its English sentence. */
export type BadRowView = CsvRowProblem & { reason: string };

export interface PreviewSession {
  line: number;
  externalId: string;
  start: Date;
  end: Date;
  showType: CsvSession['showType'];
  peakViewers: number | null;
  followersStart: number | null;
  followersEnd: number | null;
  alreadyStored: boolean;
}

export interface PreviewEarning {
  line: number;
  externalId: string;
  time: Date;
  kind: EarningKind;
  tokens: number | null;
  amountUsd: string;
  sessionLine: number | null;
  streamId: string | null;
  alreadyStored: boolean;
}

export interface StreamImportPreview {
  site: string;
  timeZone: string;
  sessions: PreviewSession[];
  earnings: PreviewEarning[];
  badRows: BadRowView[];
  counts: { sessions: number; earnings: number; skipped: number; badRows: number };
}

/** A statement is of the past; a day of slack covers zones and clocks. */
const futureSlackMs = 24 * 3_600_000;

const english = messagesFor('en').dashboard as Record<string, string>;
const fill = (text: string, params: Record<string, string | number>) => text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));

function rowReason(problem: CsvRowProblem): string {
  const text = fill(english[`streams.problem.${problem.code}`] ?? problem.code, problem.params);
  return problem.field ? `${problem.field}: ${text}` : text;
}

function fileRefused(problem: CsvFileProblem): ServiceError {
  const text = fill(english[`streams.fileProblem.${problem.code}`] ?? problem.code, problem.params);
  const message = `line ${problem.line}: ${text}`;
  return new ServiceError('invalid', 'invalid_csv', `csv: ${message}`, { fields: { csv: message } });
}

/** Counts the line breaks inside a record's fields: csv-parse reports the line a record ends on. */
const breaks = (values: readonly string[]) => values.reduce((n, v) => n + (v.match(/\r\n|\r|\n/g)?.length ?? 0), 0);

/**
 * Splits the text into records with the line each starts on. The delimiter is the header's: `;` when the first line
 * has semicolons and no commas (spreadsheets in Spanish-speaking locales save that way), else `,`.
 */
export function csvRecords(text: string): { ok: true; records: CsvRecord[] } | { ok: false; problem: CsvFileProblem } {
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/, 1)[0] ?? '';
  const delimiter = firstLine.includes(';') && !firstLine.includes(',') ? ';' : ',';
  try {
    const rows = parse(text, {
      bom: true, delimiter, info: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
    return { ok: true, records: rows.map(({ record, info }) => ({ line: info.lines - breaks(record), values: record })) };
  } catch (error) {
    const e = error as { code?: string; lines?: number; message?: string };
    return { ok: false, problem: { line: e.lines ?? 1, code: 'unreadable', params: { detail: String(e.code ?? e.message ?? 'error').slice(0, 80) } } };
  }
}

interface Analysis {
  timeZone: string;
  sourceId: string | null;
  /** Good sessions: new ones and those stored under the same key (`storedId`). */
  sessions: (CsvSession & { storedId: string | null })[];
  earnings: PreviewEarning[];
  badRows: BadRowView[];
}

/** Reads the file and checks it against what the model has stored on the site. Writes nothing. */
async function analyse(db: Db, modelId: string, input: StreamImportInput, now: Date): Promise<Analysis> {
  if (isApiSite(input.site)) {
    throw new ServiceError('invalid', 'invalid_request', `site: ${input.site} is followed through its API, not imported`, {
      fields: { site: `${input.site} is followed through its API, not imported` },
    });
  }
  const model = await findModel(db, modelId);
  if (!model) throw new ServiceError('not_found', 'unknown_model', `unknown model ${modelId}`);
  const timeZone = effectiveRules(model.distribution).timezone;
  const split = csvRecords(input.csv);
  if (!split.ok) throw fileRefused(split.problem);
  const read = readStreamCsv(split.records, { timeZone, latest: new Date(now.getTime() + futureSlackMs) });
  if (!read.ok) throw fileRefused(read.problem);
  const problems: CsvRowProblem[] = [...read.problems];

  const sources = await streamSourcesOnSite(db, modelId, input.site);
  const sourceId = sources.length === 1 ? sources[0]!.id : null;

  // Sessions stored under the same key are skipped (and keep their lines linking to them).
  const storedByKey = new Map((await sessionsByExternalId(db, modelId, input.site, read.sessions.map((s) => s.externalId))).map((s) => [s.externalId!, s]));
  const fresh = read.sessions.filter((s) => !storedByKey.has(s.externalId));
  const others = fresh.length === 0 ? [] : await sessionsMeeting(
    db, modelId, input.site,
    new Date(Math.min(...fresh.map((s) => s.start.getTime()))), new Date(Math.max(...fresh.map((s) => s.end.getTime()))),
  );
  const sessions: Analysis['sessions'] = [];
  for (const session of read.sessions) {
    const stored = storedByKey.get(session.externalId);
    if (stored) {
      sessions.push({ ...session, storedId: stored.id });
      continue;
    }
    const clash = others.find((o) => o.startedAt < session.end && (o.endedAt === null || session.start < o.endedAt));
    if (clash) {
      problems.push({ line: session.line, field: 'start', code: 'overlaps_stored_session', params: { start: clash.startedAt.toISOString() } });
      continue;
    }
    sessions.push({ ...session, storedId: null });
  }

  // Lines link to a session of this file, else to a stored one they fall in.
  const times = read.earnings.map((e) => e.time.getTime());
  const storedAround: StoredSession[] = times.length === 0 ? [] : await sessionsMeeting(db, modelId, input.site, new Date(Math.min(...times)), new Date(Math.max(...times)));
  const storedWindows = storedAround.map((s) => ({ start: s.startedAt, end: s.endedAt, id: s.id }));
  const lines: Omit<PreviewEarning, 'alreadyStored'>[] = [];
  for (const session of sessions) {
    if (session.total) lines.push({ line: session.line, ...session.total, time: session.start, sessionLine: session.line, streamId: session.storedId });
  }
  for (const earning of read.earnings as CsvEarning[]) {
    const own = sessionContaining(sessions, earning.time);
    const stored = own ? undefined : sessionContaining(storedWindows, earning.time);
    lines.push({ ...earning, sessionLine: own?.line ?? null, streamId: own ? own.storedId : (stored?.id ?? null) });
  }
  lines.sort((a, b) => a.line - b.line);
  const storedLines = await storedEarningIds(db, modelId, input.site, lines.map((l) => l.externalId));
  const earnings = lines.map((l) => ({ ...l, alreadyStored: storedLines.has(l.externalId) }));

  problems.sort((a, b) => a.line - b.line);
  return { timeZone, sourceId, sessions, earnings, badRows: problems.map((p) => ({ ...p, reason: rowReason(p) })) };
}

/** What importing the file would store, what it would skip, and its bad rows. Nothing is written. */
export async function previewStreamImport(deps: StreamImportDeps, modelId: string, input: StreamImportInput): Promise<StreamImportPreview> {
  const analysis = await analyse(deps.db, modelId, input, (deps.now ?? (() => new Date()))());
  const sessions = analysis.sessions.map(({ total: _total, storedId, ...s }) => ({ ...s, alreadyStored: storedId !== null }));
  const skipped = sessions.filter((s) => s.alreadyStored).length + analysis.earnings.filter((e) => e.alreadyStored).length;
  return {
    site: input.site, timeZone: analysis.timeZone, sessions, earnings: analysis.earnings, badRows: analysis.badRows,
    counts: {
      sessions: sessions.filter((s) => !s.alreadyStored).length,
      earnings: analysis.earnings.filter((e) => !e.alreadyStored).length,
      skipped,
      badRows: analysis.badRows.length,
    },
  };
}

export interface StreamImportResult {
  site: string;
  stored: { sessions: number; earnings: number };
  skipped: { sessions: number; earnings: number };
  badRows: BadRowView[];
}

/**
 * Stores the file's good rows in one transaction: new sessions, then new lines linked to their session, then each
 * touched session's totals and attribution; `earnings_imported` with the counts. Rows stored before are skipped, so
 * importing a file again stores nothing twice.
 */
export async function importStreams(deps: StreamImportDeps, modelId: string, input: StreamImportInput, opts: { actor: string }): Promise<StreamImportResult> {
  const now = (deps.now ?? (() => new Date()))();
  return inTransaction(deps.db, async (tx) => {
    await lockStreamImport(tx, modelId, input.site);
    const analysis = await analyse(tx, modelId, input, now);
    const newSessions = analysis.sessions.filter((s) => s.storedId === null);
    const newIds = await insertCsvSessions(tx, newSessions.map((s) => ({
      modelId, sourceId: analysis.sourceId, site: input.site, externalId: s.externalId, startedAt: s.start, endedAt: s.end,
      showType: s.showType, peakViewers: s.peakViewers, followersStart: s.followersStart, followersEnd: s.followersEnd,
    })));
    const idOfLine = new Map(analysis.sessions.map((s) => [s.line, s.storedId ?? newIds.get(s.externalId) ?? null]));
    const newLines = analysis.earnings.filter((e) => !e.alreadyStored);
    const linkedTo = await insertCsvEarnings(tx, newLines.map((e) => ({
      modelId, sourceId: analysis.sourceId, site: input.site, ts: e.time, kind: e.kind, tokens: e.tokens, amountUsd: e.amountUsd,
      externalId: e.externalId, streamId: e.sessionLine !== null ? (idOfLine.get(e.sessionLine) ?? null) : e.streamId,
    })));

    const touched = [...new Set([...newIds.values(), ...linkedTo.filter((id): id is string => id !== null)])];
    await refreshStreamTotals(tx, touched);
    for (const streamId of touched) await attributeStream(tx, streamId, { windowMinutes: deps.attributionWindowMinutes });

    const stored = { sessions: newIds.size, earnings: linkedTo.length };
    const skipped = { sessions: analysis.sessions.length - newIds.size, earnings: analysis.earnings.length - linkedTo.length };
    await recordEvent(tx, 'earnings_imported', {
      site: input.site, fileName: input.fileName?.trim() || null, streams: stored.sessions, earnings: stored.earnings, skipped: skipped.sessions + skipped.earnings,
    }, { modelId, actor: opts.actor });
    return { site: input.site, stored, skipped, badRows: analysis.badRows };
  });
}
