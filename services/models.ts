/**
 * Model commands and queries shared by the bot, the API and the dashboard: the admin's paged list, create (from a
 * regional preset), read with the rules editor's context, edit (every field checked before anything is written),
 * the next free slots a draft of the rules would give, find a model by what an admin types, pause it (its scheduled
 * publications are held; beginPublication also holds any that comes due) and resume it (held publications whose
 * account is active go back to waiting for their time).
 */
import { presetRules, type PresetCode } from '../core/presets.js';
import { effectiveRules, validateDistribution, type DistributionProblem, type ModelStatus, type PlatformLimits } from '../core/rules.js';
import { nextFreeSlot } from '../core/scheduling.js';
import type { DistributionRules } from '../core/types.js';
import type { Db } from '../db/client.js';
import {
  accountsOfModel, allPlatforms, findModel, findModelByNameInsensitive, findModelSummary, insertModel, listModelPage, listModels,
  pauseModelHolding, resumeModelReleasing, updateModel as updateModelRow, type ModelListFilter, type ModelListKey,
} from '../db/models.js';
import { recordEvent } from '../db/events.js';
import { loadPublishingContext, platformCapabilities, takenSlotsFor } from '../db/publishing-context.js';
import type { Model, Platform } from '../db/schema.js';
import { dashboardModels as englishWords } from '../messages/en/dashboard-models.js';
import { ServiceError } from './errors.js';
import { releasePublications, type PublicationServiceDeps } from './publications.js';

/** Resuming signals publication workflows, so models need what publication controls need. */
export type ModelServiceDeps = PublicationServiceDeps;

const fold = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trim().replace(/\s+/g, ' ');

/**
 * The model an admin means: an exact id, an exact name (case and accents ignored), or the only name that starts
 * with / contains the text. Ambiguity is an error that lists the candidates.
 */
export async function resolveModel(db: Db, query: string): Promise<Model> {
  const wanted = fold(query);
  if (!wanted) throw new ServiceError('invalid', 'missing_model', 'name a model');
  const all = await listModels(db);
  const exact = all.filter((m) => m.id === query.trim() || fold(m.name) === wanted);
  if (exact.length === 1) return exact[0]!;
  for (const match of [(m: Model) => fold(m.name).startsWith(wanted), (m: Model) => fold(m.name).includes(wanted)]) {
    const found = all.filter(match);
    if (found.length === 1) return found[0]!;
    if (found.length > 1) {
      const candidates = found.map((m) => m.name);
      throw new ServiceError('conflict', 'ambiguous_model', `"${query}" matches ${candidates.join(', ')}`, { candidates });
    }
  }
  throw new ServiceError('not_found', 'unknown_model', `no model named "${query}"`);
}

export async function pauseModel(deps: Pick<ModelServiceDeps, 'db'>, modelId: string, input: { actor: string; reason?: string }) {
  const held = await pauseModelHolding(deps.db, modelId);
  await recordEvent(deps.db, 'model_paused', { reason: input.reason, held: held.map((p) => p.id) }, { modelId, actor: input.actor });
  return { modelId, held: held.map((p) => p.id) };
}

/** Ends a pause: the model becomes `active` (or `testing`, when that is where the admin takes her) and her held publications go back to waiting. */
export async function resumeModel(deps: ModelServiceDeps, modelId: string, input: { actor: string; status?: Exclude<ModelStatus, 'paused'> }) {
  const released = await resumeModelReleasing(deps.db, modelId, input.status);
  await recordEvent(deps.db, 'model_resumed', { released: released.map((p) => p.id) }, { modelId, actor: input.actor });
  await releasePublications(deps, released.map((p) => p.id), input.actor);
  return { modelId, released: released.map((p) => p.id) };
}

// ── The admin's list, create, read, edit ───────────────────────────────────────────────────────

/** The rules' fields, in the order the editor shows them (and `model_updated` lists them). */
const distributionKeys = [
  'timezone', 'slots', 'maxPostsPerDay', 'minSpacingMinutes', 'allowedPlatforms', 'approvalRequired', 'approvalReminderHours',
  'language', 'voice', 'captionTemplate', 'captionTemplates', 'hashtags', 'hashtagPools', 'linkPlacement',
] as const satisfies readonly (keyof DistributionRules)[];

/** Rules to set: a field given replaces that field; `null` removes an optional one. */
export type DistributionInput = { [K in keyof DistributionRules]?: DistributionRules[K] | null };

/** The English sentence of a problem (the dashboard says the same from its own catalogue, in the admin's language). */
export function describeProblem(code: string, params: Record<string, string | number> = {}): string {
  const text = (englishWords as Record<string, string>)[`models.problem.${code}`] ?? code;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** Problems as the API's `fields`: `distribution.<field>` → its sentences. */
export function problemFields(problems: readonly DistributionProblem[], prefix = 'distribution.'): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const p of problems) {
    const key = `${prefix}${p.field}`;
    const sentence = describeProblem(p.code, p.params);
    fields[key] = fields[key] ? `${fields[key]} ${sentence}` : sentence;
  }
  return fields;
}

function invalidRules(problems: readonly DistributionProblem[], prefix?: string): ServiceError {
  const fields = problemFields(problems, prefix);
  const list = Object.entries(fields).map(([field, message]) => `${field}: ${message}`).join('; ');
  return new ServiceError('invalid', 'invalid_rules', `invalid distribution rules: ${list}`, { fields });
}

/** Every platform with the limits rules are checked against. */
async function platformLimits(db: Db): Promise<{ rows: Platform[]; limits: PlatformLimits[] }> {
  const rows = await allPlatforms(db);
  return { rows, limits: rows.map((p) => ({ name: p.name, capabilities: platformCapabilities(p) })) };
}

/** Optional texts where an empty one means none (the editor sends what is typed). */
const optionalTexts = new Set(['voice', 'captionTemplate']);

function applyDistribution(base: DistributionRules, input: DistributionInput | undefined): DistributionRules {
  const next: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(input ?? {})) {
    if (value === null || (optionalTexts.has(key) && typeof value === 'string' && value.trim() === '')) delete next[key];
    else if (value !== undefined) next[key] = value;
  }
  return next as unknown as DistributionRules;
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function checkName(name: string): string {
  const trimmed = name.trim().replace(/\s+/g, ' ');
  if (!trimmed) throw new ServiceError('invalid', 'invalid_request', 'name must not be empty', { fields: { name: describeProblem('required') } });
  return trimmed;
}

function duplicateName(name: string): ServiceError {
  return new ServiceError('conflict', 'duplicate_model_name', `another model is already called "${name}"`, {
    fields: { name: describeProblem('duplicate_model_name', { name }) },
  });
}

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === '23505';

/** An opaque list cursor: the last row's name and id. */
export function encodeModelCursor(key: ModelListKey): string {
  return Buffer.from(JSON.stringify([key.name, key.id])).toString('base64url');
}

function decodeModelCursor(cursor: string): ModelListKey {
  try {
    const [name, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof name === 'string' && typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id)) return { name, id };
  } catch {
    // falls through to the error below
  }
  throw new ServiceError('invalid', 'invalid_cursor', 'cursor is not one this list handed out', { fields: { cursor: 'not a cursor of this list' } });
}

export type ModelSummaryView = Awaited<ReturnType<typeof summaryOf>>;

function summaryOf(row: { model: Model; accountCount: number; lastPublishedAt: Date | null }) {
  const { model } = row;
  return {
    id: model.id,
    name: model.name,
    status: model.status,
    timezone: effectiveRules(model.distribution).timezone,
    accountCount: row.accountCount,
    lastPublishedAt: row.lastPublishedAt,
    telegramLinked: model.telegramUserId !== null,
    sensitive: model.sensitive,
  };
}

/** A page of models by name, with `nextCursor` when there is more. */
export async function listModelSummaries(db: Db, query: ModelListFilter & { limit?: number; cursor?: string }) {
  const limit = query.limit ?? 50;
  const after = query.cursor ? decodeModelCursor(query.cursor) : undefined;
  const rows = await listModelPage(db, { q: query.q, status: query.status }, limit, after);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(summaryOf),
    nextCursor: rows.length > limit && last ? encodeModelCursor({ name: last.model.name, id: last.model.id }) : null,
  };
}

/** A model as the editor shows it: list columns, effective rules, accounts, and every platform with its limits. */
export async function getModelDetail(db: Db, id: string) {
  const row = await findModelSummary(db, id);
  if (!row) throw new ServiceError('not_found', 'not_found', `model ${id} not found`);
  const [accounts, { rows: platforms, limits }] = await Promise.all([accountsOfModel(db, id), platformLimits(db)]);
  return {
    ...summaryOf(row),
    distribution: effectiveRules(row.model.distribution),
    accounts,
    platforms: platforms.map((p, i) => ({ name: p.name, active: p.active, ...pickLimits(limits[i]!) })),
    createdAt: row.model.createdAt,
    updatedAt: row.model.updatedAt,
  };
}

const pickLimits = ({ capabilities: c }: PlatformLimits) => ({ maxCaptionLength: c.maxCaptionLength, maxHashtags: c.maxHashtags, linksAllowed: c.linksAllowed });

export interface CreateModelInput {
  name: string;
  status?: ModelStatus;
  preset?: PresetCode;
  distribution?: DistributionInput;
}

/** A new model: the defaults, then the preset, then the fields given; 409 for a name in use (ignoring case). */
export async function createModel(db: Db, input: CreateModelInput, opts: { actor: string }) {
  const name = checkName(input.name);
  const { rows, limits } = await platformLimits(db);
  const preset = input.preset ? presetRules(input.preset, rows.map((p) => ({ name: p.name, driver: p.technicalConfig.driver }))) : {};
  const distribution = applyDistribution(effectiveRules(preset), input.distribution);
  const problems = validateDistribution(distribution, limits);
  if (await findModelByNameInsensitive(db, name)) throw duplicateName(name);
  if (problems.length > 0) throw invalidRules(problems);
  let model: Model;
  try {
    model = await insertModel(db, { name, status: input.status ?? 'active', distribution });
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateName(name);
    throw error;
  }
  await recordEvent(db, 'model_created', input.preset ? { name, preset: input.preset } : { name }, { modelId: model.id, actor: opts.actor });
  return getModelDetail(db, model.id);
}

export interface UpdateModelInput {
  name?: string;
  status?: ModelStatus;
  sensitive?: boolean;
  distribution?: DistributionInput;
}

/**
 * Edits a model. Everything is checked first (name free, every rules field valid against every platform); only
 * then is anything written. Name and rules are one statement; a status change to or from `paused` goes through
 * pauseModel / resumeModel (holding / releasing publications, with their own events), active ↔ testing is part of
 * that statement. `model_updated` lists what changed.
 */
export async function updateModel(deps: ModelServiceDeps, id: string, input: UpdateModelInput, opts: { actor: string }) {
  const { db } = deps;
  const model = await findModel(db, id);
  if (!model) throw new ServiceError('not_found', 'not_found', `model ${id} not found`);
  const changed: string[] = [];
  const row: { name?: string; status?: ModelStatus; distribution?: DistributionRules; sensitive?: boolean } = {};
  if (input.sensitive !== undefined && input.sensitive !== model.sensitive) {
    row.sensitive = input.sensitive;
    changed.push('sensitive');
  }

  if (input.name !== undefined) {
    const name = checkName(input.name);
    if (name !== model.name) {
      if (await findModelByNameInsensitive(db, name, id)) throw duplicateName(name);
      row.name = name;
      changed.push('name');
    }
  }
  if (input.distribution !== undefined) {
    const current = effectiveRules(model.distribution);
    const next = applyDistribution(current, input.distribution);
    const problems = validateDistribution(next, (await platformLimits(db)).limits);
    if (problems.length > 0) throw invalidRules(problems);
    const fieldsChanged = distributionKeys.filter((key) => !sameValue(current[key], next[key]));
    if (fieldsChanged.length > 0) {
      row.distribution = next;
      changed.push(...fieldsChanged.map((key) => `distribution.${key}`));
    }
  }
  const from = model.status;
  const to = input.status ?? from;
  if (to !== from) {
    changed.push('status');
    if (from !== 'paused' && to !== 'paused') row.status = to;
  }

  if (Object.keys(row).length > 0) {
    try {
      await updateModelRow(db, id, row);
    } catch (error) {
      if (isUniqueViolation(error) && row.name) throw duplicateName(row.name);
      throw error;
    }
  }
  if (to !== from && to === 'paused') await pauseModel(deps, id, { actor: opts.actor });
  else if (to !== from && from === 'paused') await resumeModel(deps, id, { actor: opts.actor, status: to as Exclude<ModelStatus, 'paused'> });
  if (changed.length > 0) await recordEvent(db, 'model_updated', { name: row.name ?? model.name, changed }, { modelId: id, actor: opts.actor });
  return getModelDetail(db, id);
}

// ── Slots preview ──────────────────────────────────────────────────────────────────────────────

export interface SlotsDraft {
  timezone?: string;
  /** Comma-separated "HH:MM"; empty = as soon as possible. */
  slots?: string;
  maxPostsPerDay?: number;
  minSpacingMinutes?: number;
}

/**
 * The next `count` free slots per account (active accounts on active platforms the rules allow) under the model's
 * rules, or a draft of their scheduling fields: `nextFreeSlot` from core/scheduling.ts, again and again, each slot
 * found added to what is taken — exactly how the scheduler would place `count` contents approved one after another.
 * The taken times and the platform's lead come back too, so a browser can compute the same with the same code.
 */
export async function previewSlots(db: Db, id: string, draft: SlotsDraft, count = 10, now = new Date()) {
  const ctx = await loadPublishingContext(db, { modelId: id });
  if (!ctx) throw new ServiceError('not_found', 'not_found', `model ${id} not found`);
  const rules = {
    timezone: draft.timezone ?? ctx.rules.timezone,
    slots: draft.slots !== undefined ? draft.slots.split(',').map((s) => s.trim()).filter(Boolean) : ctx.rules.slots,
    maxPostsPerDay: draft.maxPostsPerDay ?? ctx.rules.maxPostsPerDay,
    minSpacingMinutes: draft.minSpacingMinutes ?? ctx.rules.minSpacingMinutes,
  };
  const problems = validateDistribution({ ...ctx.rules, ...rules }, [])
    .filter((p) => p.field === 'timezone' || p.field === 'slots' || p.field === 'maxPostsPerDay' || p.field === 'minSpacingMinutes');
  if (problems.length > 0) throw invalidRules(problems, '');
  const accounts = [];
  for (const target of ctx.targets) {
    const taken = await takenSlotsFor(db, target, now);
    const seeded = [...taken];
    const slots: Date[] = [];
    while (slots.length < count) {
      const slot = nextFreeSlot({ rules, lead: target.capabilities, now, taken: seeded });
      if (!slot) break;
      slots.push(slot);
      seeded.push(slot);
    }
    accounts.push({
      accountId: target.account.id,
      platform: target.platform.name,
      username: target.account.username,
      minLeadMinutes: target.capabilities.minLeadMinutes,
      maxLeadDays: target.capabilities.maxLeadDays,
      taken: taken.sort((a, b) => a.getTime() - b.getTime()),
      slots,
    });
  }
  return { timezone: rules.timezone, now, count, rules, accounts };
}
