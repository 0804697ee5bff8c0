/** Content commands and queries shared by the API, the bot and the dashboard. */
import { approvalWarnings, type ApprovalWarning } from '../core/labels.js';
import { loadPublishingContext } from '../db/publishing-context.js';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { LifecycleOptions } from '../core/lifecycle.js';
import type { Db } from '../db/client.js';
import { deleteContent, findContent, insertContent } from '../db/contents.js';
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

export async function getContentWithPublications(db: Db, id: string) {
  const content = await findContent(db, id);
  if (!content) return undefined;
  return { content, publications: await listPublications(db, { contentId: id }), ...(await contentLabels(db, content)) };
}

/**
 * Where the content's platforms label it or would refuse it (core/labels.ts), for the approval view: its accounts'
 * targets as the scheduler will see them, and its label (the content's own, else the model's).
 */
export async function contentLabels(
  db: Db, content: { id: string; sensitive: boolean | null; sizeBytes: number | null },
): Promise<{ sensitive: boolean; warnings: ApprovalWarning[] }> {
  const ctx = await loadPublishingContext(db, { contentId: content.id });
  if (!ctx) return { sensitive: content.sensitive ?? false, warnings: [] };
  const targets = ctx.targets.map((t) => ({
    platform: t.platform.name, driver: t.platform.technicalConfig.driver, username: t.account.username,
    settings: t.account.publishSettings, maxSizeBytes: t.capabilities.maxSizeBytes,
  }));
  const sensitive = content.sensitive ?? ctx.model.sensitive;
  return { sensitive, warnings: approvalWarnings({ sensitive, sizeBytes: content.sizeBytes }, targets) };
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

/** Approves (optionally with edited captions/tags per platform name); the workflow records actor and time. */
export async function approveContent(deps: Pick<ContentServiceDeps, 'db' | 'temporal'>, id: string, input: { actor: string; captions?: CaptionEdits }) {
  const content = await decidableContent(deps.db, id);
  const drafts = content.captionDrafts ?? {};
  for (const [platform, edit] of Object.entries(input.captions ?? {})) {
    if (content.captionDrafts && !(platform in drafts)) {
      throw new ServiceError('invalid', 'unknown_platform', `captions.${platform}: this content has no caption for that platform (has: ${Object.keys(drafts).join(', ') || 'none'})`);
    }
    if (edit.caption !== undefined && edit.caption.trim() === '') throw new ServiceError('invalid', 'empty_caption', `captions.${platform}.caption is empty`);
  }
  const handle = deps.temporal.workflow.getHandle(content.workflowId!);
  await deliverDecision(() => handle.signal(approveSignal, { actor: input.actor, at: new Date().toISOString(), captions: input.captions }));
  return { id, decision: 'approve' as const };
}

export async function rejectContent(deps: Pick<ContentServiceDeps, 'db' | 'temporal'>, id: string, input: { actor: string; reason: string }) {
  const reason = input.reason.trim();
  if (!reason) throw new ServiceError('invalid', 'missing_reason', 'reason is required to reject a content');
  const content = await decidableContent(deps.db, id);
  const handle = deps.temporal.workflow.getHandle(content.workflowId!);
  await deliverDecision(() => handle.signal(rejectSignal, { actor: input.actor, at: new Date().toISOString(), reason }));
  return { id, decision: 'reject' as const };
}
