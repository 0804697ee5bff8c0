/**
 * Stream sources, sessions and earnings (issue 17) as the admin handles them: add a source (Chaturbate with its
 * tokens encrypted and its `streamSourceWorkflow` started; other sites CSV-only), list them (never a token), delete
 * one (stop signal, then the row; its sessions and lines stay), and the keyset-paged session and earnings lists.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { LifecycleOptions } from '../core/lifecycle.js';
import { apiStreamSites, type StreamSite } from '../core/streams.js';
import { ModelNameKey } from '../contracts/search-attributes.js';
import { stopStreamSourceSignal, streamSourceWorkflowId, TaskQueues, type StreamSourceWorkflow } from '../contracts/workflows.js';
import { encryptJson, secretBindings, type Keyring } from '../crypto/secrets.js';
import { inTransaction, type Db } from '../db/client.js';
import { recordEvent } from '../db/events.js';
import { findModel } from '../db/models.js';
import {
  deleteStreamSource as deleteSourceRow, findStreamSource, insertStreamSource, listStreamSources, type StreamSourceSummary,
} from '../db/stream-sources.js';
import { listEarningPage, listStreamPage, type EarningKey, type StreamKey, type StreamRangeFilter } from '../db/streams.js';
import { ServiceError, viaTemporal } from './errors.js';

/** The workflow type H1's worker registers (contracts/workflows.ts `StreamSourceWorkflow`). */
export const streamSourceWorkflowType = 'streamSourceWorkflow';

export interface StreamSourceDeps {
  db: Db;
  temporal: Client;
  keyring: Keyring;
  /** Timings the workflow's activities run under (config.lifecycle). */
  lifecycle?: LifecycleOptions;
}

export interface CreateStreamSourceInput {
  site: StreamSite;
  username: string;
  eventsToken?: string;
  statsToken?: string;
}

const invalid = (field: string, problem: string, code = 'invalid_request') =>
  new ServiceError('invalid', code, `${field}: ${problem}`, { fields: { [field]: problem } });

/** Chaturbate names are letters, digits and `_`; they go into the Events API's URL path. */
const CHATURBATE_USERNAME = /^[A-Za-z0-9_]{1,60}$/;
/** A token sits in a URL path: URL-safe characters only, and long enough to be one. */
const TOKEN = /^[A-Za-z0-9_-]{10,200}$/;
const CONTROL = /\p{Cc}/u;

export const isApiSite = (site: string) => (apiStreamSites as readonly string[]).includes(site);

export type StreamSourceView = StreamSourceSummary & { feed: 'api' | 'csv' };
const view = (s: StreamSourceSummary): StreamSourceView => ({ ...s, feed: isApiSite(s.site) ? 'api' : 'csv' });

async function modelOf(db: Db, modelId: string) {
  const model = await findModel(db, modelId);
  if (!model) throw new ServiceError('not_found', 'unknown_model', `unknown model ${modelId}`);
  return model;
}

/**
 * Adds a source. Chaturbate needs the Events API token (the Stats API one is optional): both encrypted and bound to
 * the new row, then its workflow is started; if Temporal cannot take it, the row goes again. Other sites take no
 * token (they are fed by CSV import).
 */
export async function createStreamSource(deps: StreamSourceDeps, modelId: string, input: CreateStreamSourceInput, opts: { actor: string }): Promise<StreamSourceView> {
  const model = await modelOf(deps.db, modelId);
  const api = isApiSite(input.site);
  let username = input.username.trim();
  if (username === '') throw invalid('username', 'required');
  if (CONTROL.test(username)) throw invalid('username', 'must be one line without control characters');
  if (api) {
    if (!CHATURBATE_USERNAME.test(username)) throw invalid('username', 'letters, digits and _ only (her Chaturbate username)');
    username = username.toLowerCase();
  }
  // An empty field (a form left blank) is no token.
  const eventsToken = input.eventsToken?.trim() || undefined;
  const statsToken = input.statsToken?.trim() || undefined;
  if (api) {
    if (!eventsToken) throw invalid('eventsToken', `required for ${input.site} (the Events API token)`);
    if (!TOKEN.test(eventsToken)) throw invalid('eventsToken', 'not a token (10 to 200 letters, digits, - and _)');
    if (statsToken && !TOKEN.test(statsToken)) throw invalid('statsToken', 'not a token (10 to 200 letters, digits, - and _)');
  } else {
    if (eventsToken) throw invalid('eventsToken', `${input.site} has no broadcaster API: its sessions and earnings come by CSV import`);
    if (statsToken) throw invalid('statsToken', `${input.site} has no broadcaster API: its sessions and earnings come by CSV import`);
  }

  const id = randomUUID();
  const source = await inTransaction(deps.db, async (tx) => {
    const inserted = await insertStreamSource(tx, {
      id, modelId, site: input.site, username,
      eventsTokenEncrypted: eventsToken ? encryptJson(deps.keyring, secretBindings.streamSourceEventsToken(id), eventsToken) : null,
      statsTokenEncrypted: statsToken ? encryptJson(deps.keyring, secretBindings.streamSourceStatsToken(id), statsToken) : null,
    });
    if (!inserted) {
      throw new ServiceError('conflict', 'duplicate_stream_source', `username: ${model.name} already has ${input.site} ${username}`, {
        fields: { username: `already a source of this model on ${input.site}` },
      });
    }
    await recordEvent(tx, 'stream_source_created', { site: input.site, username }, { modelId, actor: opts.actor });
    return inserted;
  });

  if (api) {
    try {
      await viaTemporal('adding the source', () => deps.temporal.workflow.start<StreamSourceWorkflow>(streamSourceWorkflowType, {
        workflowId: streamSourceWorkflowId(id),
        taskQueue: TaskQueues.pipeline,
        args: [{ sourceId: id, ...(deps.lifecycle ? { options: deps.lifecycle } : {}) }],
        typedSearchAttributes: [{ key: ModelNameKey, value: model.name }],
        staticSummary: `${model.name}: ${input.site} ${username}`,
      }));
    } catch (error) {
      // Nothing half-made: without its workflow the source would look followed and never be.
      await inTransaction(deps.db, async (tx) => {
        await deleteSourceRow(tx, id);
        await recordEvent(tx, 'stream_source_deleted', { site: input.site, username }, { modelId, actor: opts.actor });
      });
      throw error;
    }
  }
  return view(source);
}

export async function listModelStreamSources(db: Db, modelId: string): Promise<StreamSourceView[]> {
  await modelOf(db, modelId);
  return (await listStreamSources(db, modelId)).map(view);
}

/**
 * Deletes a source: its workflow is told to stop (it ends after the poll under way; one already ended is fine),
 * then the row goes. Its sessions and earnings lines stay, without a source; its applied event ids go with it.
 */
export async function deleteStreamSource(deps: StreamSourceDeps, modelId: string, sourceId: string, opts: { actor: string }): Promise<void> {
  const source = await findStreamSource(deps.db, modelId, sourceId);
  if (!source) throw new ServiceError('not_found', 'not_found', `model ${modelId} has no stream source ${sourceId}`);
  if (isApiSite(source.site)) {
    await viaTemporal('deleting the source', async () => {
      try {
        await deps.temporal.workflow.getHandle(streamSourceWorkflowId(sourceId)).signal(stopStreamSourceSignal);
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    });
  }
  await inTransaction(deps.db, async (tx) => {
    if (await deleteSourceRow(tx, sourceId)) {
      await recordEvent(tx, 'stream_source_deleted', { site: source.site, username: source.username }, { modelId, actor: opts.actor });
    }
  });
}

// ── Lists ───────────────────────────────────────────────────────────────────────────────────

export interface StreamRangeQuery {
  modelId?: string;
  from?: string;
  to?: string;
  cursor?: string;
  limit?: number;
}

const defaultLimit = 50;

function time(value: string | undefined, field: string): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const date = /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : new Date(NaN);
  if (Number.isNaN(date.getTime())) throw invalid(field, 'not an ISO 8601 time');
  return date;
}

function range(query: StreamRangeQuery): StreamRangeFilter {
  const from = time(query.from, 'from');
  const to = time(query.to, 'to');
  if (from && to && to <= from) throw invalid('to', 'must be after from');
  return { modelId: query.modelId, from, to };
}

const badCursor = () => new ServiceError('invalid', 'invalid_cursor', 'cursor: not a cursor this list gave out', { fields: { cursor: 'not a cursor this list gave out' } });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `<prefix><µs>:<id>`, base64url: opaque to clients, exact to the stored microsecond. */
const encodeCursor = (prefix: string, us: string, id: string | number) => Buffer.from(`${prefix}${us}:${id}`).toString('base64url');

function decodeCursor(prefix: string, cursor: string): { us: bigint; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = text.startsWith(prefix) ? /^(-?\d{1,19}):(.+)$/.exec(text.slice(prefix.length)) : null;
  if (!match) throw badCursor();
  return { us: BigInt(match[1]!), id: match[2]! };
}

function streamKey(cursor: string | undefined): StreamKey | undefined {
  if (cursor === undefined) return undefined;
  const { us, id } = decodeCursor('st:', cursor);
  if (!UUID.test(id)) throw badCursor();
  return { startedUs: us, id };
}

function earningKey(cursor: string | undefined): EarningKey | undefined {
  if (cursor === undefined) return undefined;
  const { us, id } = decodeCursor('er:', cursor);
  const n = Number(id);
  if (!/^\d{1,15}$/.test(id) || !Number.isSafeInteger(n)) throw badCursor();
  return { tsUs: us, id: n };
}

/** Sessions newest first (by start), filtered by model and start range. */
export async function listStreams(db: Db, query: StreamRangeQuery) {
  const filter = range(query);
  const limit = query.limit ?? defaultLimit;
  const rows = await listStreamPage(db, filter, limit, streamKey(query.cursor));
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map(({ keyUs: _key, ...row }) => row),
    nextCursor: rows.length > limit && last ? encodeCursor('st:', last.keyUs, last.id) : null,
  };
}

/** Earnings lines newest first, filtered by model and time range. */
export async function listEarnings(db: Db, query: StreamRangeQuery) {
  const filter = range(query);
  const limit = query.limit ?? defaultLimit;
  const rows = await listEarningPage(db, filter, limit, earningKey(query.cursor));
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map(({ keyUs: _key, ...row }) => row),
    nextCursor: rows.length > limit && last ? encodeCursor('er:', last.keyUs, last.id) : null,
  };
}
