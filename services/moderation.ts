/**
 * The studio's auto-moderation rules as the admin edits them (list, create, edit, delete, each change recorded as
 * a `moderation_rule_changed` event with its actor), and the server's verdict on a caption draft: the platform's
 * limits and the active rules that apply to the model there (core/moderation.ts, the same code the dashboard runs
 * while the admin types, and the approval runs before it lets a platform through).
 */
import type {
  ModerationCheckBody, ModerationCheckResult, ModerationRule, ModerationRuleCreateBody, ModerationRuleList, ModerationRuleListQuery,
  ModerationRulePatchBody,
} from '../contracts/api/moderation.js';
import { MODERATION_NOTE_MAX, MODERATION_RULE_LIMIT } from '../contracts/api/moderation.js';
import { captionUsage, checkCaption, ruleProblem, rulesFor } from '../core/moderation.js';
import type { ModerationRuleKind } from '../core/types.js';
import { inTransaction, type Db } from '../db/client.js';
import { recordEvent } from '../db/events.js';
import {
  activeModerationRules, countModerationRules, deleteModerationRule, findModerationRule, insertModerationRule, listModerationRules,
  lockModerationRule, lockModerationRuleCreation, updateModerationRule, type ModerationRuleView,
} from '../db/moderation-rules.js';
import { allPlatforms, findModel } from '../db/models.js';
import { findPlatform } from '../db/platforms.js';
import { platformCapabilities } from '../db/publishing-context.js';
import { ServiceError } from './errors.js';

function ruleView({ rule, platform, modelName }: ModerationRuleView): ModerationRule {
  return {
    id: rule.id, kind: rule.kind, value: rule.value, note: rule.note, active: rule.active,
    platformId: rule.platformId, platform, modelId: rule.modelId, modelName,
    createdBy: rule.createdBy, createdAt: rule.createdAt.toISOString(), updatedAt: rule.updatedAt.toISOString(),
  };
}

function notFound(id: string): ServiceError {
  return new ServiceError('not_found', 'not_found', `moderation rule ${id} not found`);
}

/** The value as stored (trimmed), or a 400 `invalid_rule` naming `value` with core's reason. */
function checkedValue(kind: ModerationRuleKind, raw: string): string {
  const value = raw.trim();
  const problem = ruleProblem({ kind, value });
  if (problem) throw new ServiceError('invalid', 'invalid_rule', `value: ${problem}`, { fields: { value: problem } });
  return value;
}

/** A note as stored: trimmed, empty = none. */
function checkedNote(raw: string | null | undefined): string | null {
  const note = raw?.trim() ?? '';
  if (note.length > MODERATION_NOTE_MAX) {
    const problem = `at most ${MODERATION_NOTE_MAX} characters`;
    throw new ServiceError('invalid', 'invalid_rule', `note: ${problem}`, { fields: { note: problem } });
  }
  return note || null;
}

/** The platform a rule is for (null = every one), or a 404 naming `platformId`. */
async function scopePlatform(db: Db, platformId: string | null): Promise<{ id: string; name: string } | null> {
  if (platformId === null) return null;
  const platform = await findPlatform(db, platformId);
  if (!platform) throw new ServiceError('not_found', 'unknown_platform', `platformId: no platform ${platformId}`, { fields: { platformId: 'no such platform' } });
  return platform;
}

/** The model a rule is for (null = every one), or a 404 naming `modelId`. */
async function scopeModel(db: Db, modelId: string | null): Promise<{ id: string; name: string } | null> {
  if (modelId === null) return null;
  const model = await findModel(db, modelId);
  if (!model) throw new ServiceError('not_found', 'unknown_model', `modelId: no model ${modelId}`, { fields: { modelId: 'no such model' } });
  return model;
}

async function mustRuleView(db: Db, id: string): Promise<ModerationRule> {
  const found = await findModerationRule(db, id);
  if (!found) throw notFound(id);
  return ruleView(found);
}

/** Every rule (or those that can apply to a model / platform), studio-wide first, then per platform, then per model. */
export async function listRules(db: Db, query: ModerationRuleListQuery): Promise<ModerationRuleList> {
  return { items: (await listModerationRules(db, query)).map(ruleView) };
}

export async function createRule(deps: { db: Db }, input: ModerationRuleCreateBody & { actor: string }): Promise<ModerationRule> {
  const value = checkedValue(input.kind, input.value);
  const note = checkedNote(input.note);
  const [platform, model] = await Promise.all([scopePlatform(deps.db, input.platformId ?? null), scopeModel(deps.db, input.modelId ?? null)]);
  const created = await inTransaction(deps.db, async (tx) => {
    await lockModerationRuleCreation(tx);
    if ((await countModerationRules(tx)) >= MODERATION_RULE_LIMIT) {
      throw new ServiceError('conflict', 'too_many_rules', `the studio already has ${MODERATION_RULE_LIMIT} moderation rules, the most it may have; delete some first`);
    }
    const row = await insertModerationRule(tx, {
      kind: input.kind, value, note, platformId: platform?.id ?? null, modelId: model?.id ?? null, active: input.active ?? true, createdBy: input.actor,
    });
    await recordEvent(tx, 'moderation_rule_changed', {
      action: 'created', kind: row.kind, value: row.value, platform: platform?.name ?? null, modelName: model?.name ?? null,
    }, { actor: input.actor, ...(model ? { modelId: model.id } : {}) });
    return row;
  });
  return mustRuleView(deps.db, created.id);
}

/** Fields given replace those fields; a new kind or value is checked against the other (a max of 'tres' never saves). */
export async function updateRule(deps: { db: Db }, id: string, input: ModerationRulePatchBody & { actor: string }): Promise<ModerationRule> {
  const note = input.note === undefined ? undefined : checkedNote(input.note);
  const [platform, model] = await Promise.all([
    input.platformId === undefined ? undefined : scopePlatform(deps.db, input.platformId),
    input.modelId === undefined ? undefined : scopeModel(deps.db, input.modelId),
  ]);
  await inTransaction(deps.db, async (tx) => {
    const current = await lockModerationRule(tx, id);
    if (!current) throw notFound(id);
    const kind = input.kind ?? current.kind;
    const value = input.kind !== undefined || input.value !== undefined ? checkedValue(kind, input.value ?? current.value) : current.value;
    const next = {
      kind, value, note: note === undefined ? current.note : note, active: input.active ?? current.active,
      platformId: platform === undefined ? current.platformId : platform?.id ?? null,
      modelId: model === undefined ? current.modelId : model?.id ?? null,
    };
    const changed = (Object.keys(next) as (keyof typeof next)[]).filter((key) => next[key] !== current[key]);
    if (changed.length === 0) return;
    await updateModerationRule(tx, id, next);
    const names = await findModerationRule(tx, id);
    await recordEvent(tx, 'moderation_rule_changed', {
      action: 'updated', kind: next.kind, value: next.value, platform: names?.platform ?? null, modelName: names?.modelName ?? null,
    }, { actor: input.actor, ...(next.modelId ? { modelId: next.modelId } : {}) });
  });
  return mustRuleView(deps.db, id);
}

export async function deleteRule(deps: { db: Db }, id: string, input: { actor: string }): Promise<void> {
  await inTransaction(deps.db, async (tx) => {
    const current = await lockModerationRule(tx, id);
    if (!current) throw notFound(id);
    const names = await findModerationRule(tx, id);
    await deleteModerationRule(tx, id);
    // The payload keeps what the rule said: the row is gone.
    await recordEvent(tx, 'moderation_rule_changed', {
      action: 'deleted', kind: current.kind, value: current.value, platform: names?.platform ?? null, modelName: names?.modelName ?? null,
    }, { actor: input.actor, ...(current.modelId ? { modelId: current.modelId } : {}) });
  });
}

/** The server's verdict on a draft: the platform's effective limits, then the model's active rules there. */
export async function checkDraft(db: Db, input: ModerationCheckBody): Promise<ModerationCheckResult> {
  const [model, platforms] = await Promise.all([findModel(db, input.modelId), allPlatforms(db)]);
  if (!model) throw new ServiceError('not_found', 'unknown_model', `modelId: no model ${input.modelId}`, { fields: { modelId: 'no such model' } });
  const platform = platforms.find((p) => p.name === input.platform);
  if (!platform) {
    throw new ServiceError('not_found', 'unknown_platform', `platform: no platform named "${input.platform}"`, { fields: { platform: 'no such platform' } });
  }
  const caps = platformCapabilities(platform);
  const rules = rulesFor(await activeModerationRules(db, model.id), platform.name, model.id);
  const draft = { caption: input.caption, tags: input.tags ?? [] };
  return { usage: captionUsage(draft, caps), violations: checkCaption(draft, caps, rules) };
}
