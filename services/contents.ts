/** Content commands and queries shared by the API, the bot and the dashboard. */
import { applyCaptionEdits } from '../core/captions.js';
import { approvalWarnings, type ApprovalWarning } from '../core/labels.js';
import { blockingViolations, captionUsage, draftViolations, type CaptionLimits, type ModerationRule } from '../core/moderation.js';
import { nextFreeSlot } from '../core/scheduling.js';
import { activeModerationRules } from '../db/moderation-rules.js';
import { loadPublishingContext, takenSlotsFor, type PublishingContext } from '../db/publishing-context.js';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { LifecycleOptions } from '../core/lifecycle.js';
import type { Db } from '../db/client.js';
import { deleteContent, findContent, insertContent, listContents, type ContentListFilter, type ContentListKey } from '../db/contents.js';
import type { Content } from '../db/schema.js';
import { recordEvent } from '../db/events.js';
import { findModel } from '../db/models.js';
import { listPublications } from '../db/publications.js';
import { ContentIdKey, ModelNameKey } from '../contracts/search-attributes.js';
import {
  approveSignal, contentWorkflowId, rejectSignal, TaskQueues, WorkflowTypes, type CaptionEdits, type ContentWorkflow,
} from '../contracts/workflows.js';
import { ServiceError, viaTemporal } from './errors.js';

export interface ContentServiceDeps {
  db: Db;
  temporal: Client;
  lifecycle: LifecycleOptions;
}

export class UnknownModelError extends ServiceError {
  constructor(modelId: string) {
    super('not_found', 'unknown_model', `unknown modelId ${modelId}`);
  }
}

export interface SubmitContentInput {
  modelId: string;
  filePath: string;
  originalFilename: string | null;
  context: string | null;
  sentBy: string;
}

/** Stores the content row and starts content-<id>; if the workflow cannot start, the row is removed again. */
export async function submitContent(deps: ContentServiceDeps, input: SubmitContentInput) {
  const model = await findModel(deps.db, input.modelId);
  if (!model) throw new UnknownModelError(input.modelId);
  const id = randomUUID();
  const workflowId = contentWorkflowId(id);
  await insertContent(deps.db, { id, workflowId, ...input });
  try {
    await viaTemporal('the upload', () => deps.temporal.workflow.start<ContentWorkflow>(WorkflowTypes.content, {
      workflowId,
      taskQueue: TaskQueues.pipeline,
      args: [{ contentId: id, options: deps.lifecycle }],
      typedSearchAttributes: [
        { key: ModelNameKey, value: model.name },
        { key: ContentIdKey, value: id },
      ],
      staticSummary: `${model.name}: ${input.originalFilename ?? 'video'}`,
    }));
  } catch (error) {
    await deleteContent(deps.db, id);
    throw error;
  }
  await recordEvent(deps.db, 'content_received', { fileName: input.originalFilename }, { contentId: id, modelId: model.id, actor: input.sentBy });
  return { id, workflowId };
}

export async function getContentWithPublications(db: Db, id: string, now = new Date()) {
  const content = await findContent(db, id);
  if (!content) return undefined;
  const ctx = await loadPublishingContext(db, { contentId: id });
  const moderationRules = ctx ? await activeModerationRules(db, content.modelId) : [];
  return {
    content,
    modelName: ctx?.model.name ?? '',
    modelTimezone: ctx?.rules.timezone ?? 'UTC',
    publications: await listPublications(db, { contentId: id }),
    ...labelsFor(content, ctx),
    targets: ctx ? await deskTargets(db, content, ctx, moderationRules, now) : [],
    moderationRules,
  };
}

/**
 * Where the content's platforms label it or would refuse it (core/labels.ts), for the approval view: its accounts'
 * targets as the scheduler will see them, and its label (the content's own, else the model's).
 */
export async function contentLabels(
  db: Db, content: { id: string; sensitive: boolean | null; sizeBytes: number | null },
): Promise<{ sensitive: boolean; warnings: ApprovalWarning[] }> {
  return labelsFor(content, await loadPublishingContext(db, { contentId: content.id }));
}

function labelsFor(
  content: { sensitive: boolean | null; sizeBytes: number | null }, ctx: PublishingContext | undefined,
): { sensitive: boolean; warnings: ApprovalWarning[] } {
  if (!ctx) return { sensitive: content.sensitive ?? false, warnings: [] };
  const targets = ctx.targets.map((t) => ({
    platform: t.platform.name, driver: t.platform.technicalConfig.driver, username: t.account.username,
    settings: t.account.publishSettings, maxSizeBytes: t.capabilities.maxSizeBytes,
  }));
  const sensitive = content.sensitive ?? ctx.model.sensitive;
  return { sensitive, warnings: approvalWarnings({ sensitive, sizeBytes: content.sizeBytes }, targets) };
}

const limitsOf = (ctx: PublishingContext): Record<string, CaptionLimits> =>
  Object.fromEntries(ctx.platforms.map((p) => [p.platform.name, p.capabilities]));

/**
 * The desk's view of each platform the content has a draft for: limits, the stored draft's counters and
 * violations, and — while it waits — the slot each account would get if it were approved now.
 */
async function deskTargets(db: Db, content: Content, ctx: PublishingContext, rules: ModerationRule[], now: Date) {
  const drafts = content.captionDrafts ?? {};
  const violations = draftViolations(drafts, limitsOf(ctx), rules, content.modelId);
  const out = [];
  for (const { platform, capabilities } of ctx.platforms) {
    const draft = drafts[platform.name];
    if (!draft) continue;
    const accounts = [];
    for (const target of ctx.targets.filter((t) => t.platform.id === platform.id)) {
      let plannedSlot: Date | null = null;
      if (content.status === 'new') {
        try {
          plannedSlot = nextFreeSlot({ rules: ctx.rules, lead: capabilities, now, taken: await takenSlotsFor(db, target, now) });
        } catch {
          // Invalid rules: scheduling will raise its own alert; the desk just shows no slot.
        }
      }
      accounts.push({ accountId: target.account.id, username: target.account.username, plannedSlot });
    }
    out.push({
      platform: platform.name,
      limits: { maxCaptionLength: capabilities.maxCaptionLength, maxHashtags: capabilities.maxHashtags, linksAllowed: capabilities.linksAllowed },
      usage: captionUsage(draft, capabilities),
      violations: violations[platform.name] ?? [],
      accounts,
    });
  }
  return out;
}

/** Where a content's video or thumbnail is stored (undefined: no such content, or none stored). */
export async function storedMediaPath(db: Db, id: string, which: 'media' | 'thumbnail'): Promise<string | undefined> {
  const content = await findContent(db, id);
  return (which === 'media' ? content?.filePath : content?.thumbnailPath) ?? undefined;
}

/** One page of contents: the queue (waiting, oldest first) or any other status, newest first; `q` searches model, context, file and captions. */
export async function listContentsPage(db: Db, query: ContentListFilter & { limit?: number; cursor?: string }) {
  const limit = query.limit ?? 50;
  const ascending = query.status === 'new';
  let after: ContentListKey | undefined;
  if (query.cursor) {
    after = decodeContentCursor(query.cursor);
    if (!after) throw new ServiceError('invalid', 'invalid_cursor', 'cursor: not a cursor this list gave out', { fields: { cursor: 'not a cursor this list gave out' } });
  }
  const rows = await listContents(db, { ...query, ascending, after, limit: limit + 1 });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page,
    nextCursor: rows.length > limit && last ? encodeContentCursor({ receivedAt: last.cursorTime, id: last.content.id }) : null,
  };
}

function encodeContentCursor(key: ContentListKey): string {
  return Buffer.from(JSON.stringify([key.receivedAt, key.id])).toString('base64url');
}

function decodeContentCursor(cursor: string): ContentListKey | undefined {
  try {
    const [receivedAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    if (typeof receivedAt !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(receivedAt)) return undefined;
    return { receivedAt, id };
  } catch {
    return undefined;
  }
}

/** A content can be decided while it is new (still ingesting, captioning or waiting for approval). */
async function decidableContent(db: Db, id: string) {
  const content = await findContent(db, id);
  if (!content) throw new ServiceError('not_found', 'not_found', `content ${id} not found`);
  if (content.status !== 'new') throw new ServiceError('conflict', 'already_decided', `content ${id} is ${content.status}; only new content can be approved or rejected`);
  if (!content.workflowId) throw new ServiceError('conflict', 'no_workflow', `content ${id} has no workflow`);
  return content;
}

/** Delivers a decision; Temporal keeps it durably even while no worker is running. */
async function deliverDecision(send: () => Promise<void>) {
  try {
    await viaTemporal('the decision', send);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new ServiceError('conflict', 'not_waiting', 'the content is no longer waiting for a decision');
    throw error;
  }
}

/**
 * Approves (optionally with edited captions/tags per platform name); the workflow records actor and time. The drafts
 * as edited are checked first (core/moderation.ts): a platform's limits always block, its moderation violations
 * block unless the platform is in `overrides` — then the override goes into the decision, recorded with the actor.
 */
export async function approveContent(
  deps: Pick<ContentServiceDeps, 'db' | 'temporal'>, id: string, input: { actor: string; captions?: CaptionEdits; overrides?: string[] },
) {
  const content = await decidableContent(deps.db, id);
  const drafts = content.captionDrafts ?? {};
  for (const [platform, edit] of Object.entries(input.captions ?? {})) {
    if (content.captionDrafts && !(platform in drafts)) {
      throw new ServiceError('invalid', 'unknown_platform', `captions.${platform}: this content has no caption for that platform (has: ${Object.keys(drafts).join(', ') || 'none'})`);
    }
    if (edit.caption !== undefined && edit.caption.trim() === '') throw new ServiceError('invalid', 'empty_caption', `captions.${platform}.caption is empty`);
  }
  const unknownOverride = (input.overrides ?? []).find((platform) => !(platform in drafts));
  if (unknownOverride) {
    throw new ServiceError('invalid', 'unknown_platform', `overrides: this content has no caption for ${unknownOverride}`, {
      fields: { overrides: `no caption for ${unknownOverride}` },
    });
  }
  const overrides = await checkApproval(deps.db, content, input);
  const handle = deps.temporal.workflow.getHandle(content.workflowId!);
  await deliverDecision(() => handle.signal(approveSignal, {
    actor: input.actor, at: new Date().toISOString(), captions: input.captions, ...(overrides.length ? { overrides } : {}),
  }));
  return { id, decision: 'approve' as const };
}

/** The overrides an approval carries, or a ServiceError naming every platform whose caption still breaks a limit or a rule. */
async function checkApproval(db: Db, content: Content, input: { captions?: CaptionEdits; overrides?: string[] }) {
  const ctx = await loadPublishingContext(db, { contentId: content.id });
  if (!ctx) return [];
  const edited = applyCaptionEdits(content.captionDrafts ?? {}, input.captions, { caption: content.generatedCaption, tags: content.generatedTags });
  const found = draftViolations(edited, limitsOf(ctx), await activeModerationRules(db, content.modelId), content.modelId);
  const overridden = new Set(input.overrides ?? []);
  const fields: Record<string, string> = {};
  const overrides: { platform: string; violations: string[] }[] = [];
  for (const [platform, violations] of Object.entries(found)) {
    const blocking = blockingViolations(violations, overridden.has(platform));
    if (blocking.length > 0) fields[`captions.${platform}`] = blocking.map((v) => v.message).join('; ');
    else if (violations.length > 0) overrides.push({ platform, violations: violations.map((v) => v.code) });
  }
  if (Object.keys(fields).length > 0) {
    const where = Object.entries(fields).map(([field, problem]) => `${field}: ${problem}`).join('; ');
    throw new ServiceError('invalid', 'caption_violations', `approval blocked: ${where}`, { fields });
  }
  return overrides;
}

export async function rejectContent(deps: Pick<ContentServiceDeps, 'db' | 'temporal'>, id: string, input: { actor: string; reason: string }) {
  const reason = input.reason.trim();
  if (!reason) throw new ServiceError('invalid', 'missing_reason', 'reason is required to reject a content');
  const content = await decidableContent(deps.db, id);
  const handle = deps.temporal.workflow.getHandle(content.workflowId!);
  await deliverDecision(() => handle.signal(rejectSignal, { actor: input.actor, at: new Date().toISOString(), reason }));
  return { id, decision: 'reject' as const };
}
