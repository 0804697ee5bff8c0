/**
 * Database steps of the lifecycle (pipeline queue): approval, slot reservation, status transitions, metrics.
 * Every transition writes a system_events row. Each activity is idempotent: a retry finds its own earlier work.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { randomUUID } from 'node:crypto';
import { draftCaption, finalizeCaption, idempotencyMarker } from '../../core/captions.js';
import { capabilitiesFor, platformSkipReason } from '../../core/platforms.js';
import { accountErrorStatus } from '../../core/publish-errors.js';
import { nextFreeSlot, validateSchedulingRules } from '../../core/scheduling.js';
import { publicationWorkflowId, type Actor, type ApproveInput, type RejectInput } from '../../contracts/workflows.js';
import { defaultDistributionRules, type CaptionDrafts, type PostMetrics, type PublicationStatus } from '../../core/types.js';
import type { Db } from '../../db/client.js';
import { activeAccountsForModel, lockAccounts, setAccountStatusMoving } from '../../db/accounts.js';
import { findContent, updateContent } from '../../db/contents.js';
import { recordEvent } from '../../db/events.js';
import { findModel } from '../../db/models.js';
import { findPublication, insertMetrics, insertPublications, publicationContext, publicationsOfContent, takenSlots, updatePublication } from '../../db/publications.js';
import type { ActivityDeps } from '../deps.js';

export interface ScheduledPublication {
  publicationId: string;
  workflowId: string;
  modelName: string;
  platformName: string;
  accountUsername: string;
  scheduledTime: string;
}

const dayMs = 86_400_000;

export function createStoreActivities({ db }: ActivityDeps) {
  async function mustContent(contentId: string) {
    const content = await findContent(db, contentId);
    if (!content) throw ApplicationFailure.nonRetryable(`content ${contentId} not found`, 'NotFound');
    const model = await findModel(db, content.modelId);
    if (!model) throw ApplicationFailure.nonRetryable(`model ${content.modelId} not found`, 'NotFound');
    return { content, model, rules: { ...defaultDistributionRules, ...model.distribution } };
  }
  async function mustPublication(publicationId: string) {
    const ctx = await publicationContext(db, publicationId);
    if (!ctx) throw ApplicationFailure.nonRetryable(`publication ${publicationId} not found`, 'NotFound');
    return ctx;
  }
  type PublicationContext = Awaited<ReturnType<typeof mustPublication>>;
  /** An event linked to the publication, its content, model and account (pass the context when it is already loaded). */
  async function publicationEvent(
    target: string | PublicationContext,
    e: Omit<Parameters<typeof recordEvent>[1], 'publicationId' | 'contentId' | 'modelId' | 'accountId'>,
  ) {
    const ctx = typeof target === 'string' ? await mustPublication(target) : target;
    await recordEvent(db, { ...e, publicationId: ctx.publication.id, contentId: ctx.content.id, modelId: ctx.model.id, accountId: ctx.account.id });
  }

  return {
    /** Approves at once when the model's rules do not ask for a person; otherwise says how long until a reminder. */
    async approveIfAutomatic(contentId: string): Promise<{ approved: boolean; reminderAfterMs: number }> {
      const { content, model, rules } = await mustContent(contentId);
      const reminderAfterMs = Math.max(1, rules.approvalReminderHours * 3_600_000);
      if (content.status === 'approved') return { approved: true, reminderAfterMs };
      if (rules.approvalRequired) {
        await recordEvent(db, { type: 'approval_requested', contentId, modelId: model.id, description: 'waiting for approval' });
        return { approved: false, reminderAfterMs };
      }
      await updateContent(db, contentId, { status: 'approved', approvedAt: new Date(), approvedBy: 'auto:rules' });
      await recordEvent(db, { type: 'content_approved', contentId, modelId: model.id, actor: 'auto:rules', description: 'auto-approved by the model rules' });
      return { approved: true, reminderAfterMs };
    },

    async recordApprovalReminder(contentId: string, count: number): Promise<void> {
      const { model } = await mustContent(contentId);
      await recordEvent(db, { type: 'approval_reminder', contentId, modelId: model.id, description: `still waiting for approval (reminder ${count})`, data: { count } });
    },

    /** Stores a person's decision with actor and time; an approval may carry edited captions per platform. */
    async recordDecision(contentId: string, decision: ({ approved: true } & ApproveInput) | ({ approved: false } & RejectInput)): Promise<void> {
      const { content, model } = await mustContent(contentId);
      const at = new Date(decision.at);
      if (decision.approved) {
        const drafts: CaptionDrafts = { ...content.captionDrafts };
        for (const [platform, edit] of Object.entries(decision.captions ?? {})) {
          const base = drafts[platform] ?? { caption: content.generatedCaption ?? '', tags: content.generatedTags ?? [], source: 'template' as const };
          drafts[platform] = { caption: edit.caption ?? base.caption, tags: edit.tags ?? base.tags, source: 'edited' };
        }
        await updateContent(db, contentId, { status: 'approved', approvedAt: at, approvedBy: decision.actor, captionDrafts: drafts });
      } else {
        await updateContent(db, contentId, { status: 'rejected', rejectionReason: decision.reason, rejectedAt: at, rejectedBy: decision.actor });
      }
      const edited = decision.approved ? Object.keys(decision.captions ?? {}) : [];
      await recordEvent(db, {
        type: decision.approved ? 'content_approved' : 'content_rejected',
        contentId,
        modelId: model.id,
        actor: decision.actor,
        description: decision.approved ? (edited.length ? `approved with edited captions for ${edited.join(', ')}` : 'approved') : decision.reason,
        data: { at: decision.at },
      });
    },

    /**
     * One publication per account the model may post to, each in the next free slot of the rules engine.
     * The slot is reserved inside a transaction holding the accounts' row locks, so contents approved at the
     * same moment queue for the lock and never share a slot. Idempotent: a retry returns what was reserved.
     */
    async schedulePublications(contentId: string): Promise<ScheduledPublication[]> {
      const { content, model, rules } = await mustContent(contentId);
      const problems = validateSchedulingRules(rules);
      if (problems.length > 0) {
        // Retrying cannot fix the rules; the admin must, and the alert says what to fix.
        const description = `cannot schedule: the distribution rules of ${model.name} are invalid: ${problems.join('; ')}`;
        await recordEvent(db, { type: 'alert', contentId, modelId: model.id, description, data: { kind: 'invalid_rules' } });
        throw ApplicationFailure.nonRetryable(description, 'InvalidRules');
      }
      const targets = (await activeAccountsForModel(db, model.id)).filter(
        ({ platform }) => rules.allowedPlatforms.length === 0 || rules.allowedPlatforms.includes(platform.name),
      );
      const notes: { accountId: string; description: string }[] = [];
      await db.transaction(async (tx) => {
        const txDb = tx as unknown as Db;
        await lockAccounts(txDb, targets.map((t) => t.account.id));
        if ((await publicationsOfContent(txDb, contentId)).length > 0) return;
        const now = new Date();
        const rows = [];
        for (const { account, platform } of targets) {
          const caps = capabilitiesFor(platform.technicalConfig.driver, platform.capabilities);
          const facts = { durationSeconds: content.durationSeconds ?? 0, sizeBytes: content.sizeBytes ?? 0, width: content.width ?? 0, height: content.height ?? 0 };
          // Clips a variant can fix (trim, fit to 9:16) go ahead; prepareMedia makes the variant before publishing.
          const mismatch = platformSkipReason(facts, caps);
          if (mismatch) {
            notes.push({ accountId: account.id, description: `not sent to ${platform.name}: ${mismatch}` });
            continue;
          }
          const taken = await takenSlots(txDb, account.id, new Date(now.getTime() - 2 * dayMs), new Date(now.getTime() + (caps.maxLeadDays + 2) * dayMs));
          const slot = nextFreeSlot({ rules, lead: caps, now, taken });
          if (!slot) {
            notes.push({ accountId: account.id, description: `no free slot for @${account.username} on ${platform.name} within ${caps.maxLeadDays} days` });
            continue;
          }
          const id = randomUUID();
          const marker = idempotencyMarker(id);
          const draft = content.captionDrafts?.[platform.name]
            ?? draftCaption({ modelName: model.name, context: content.context, language: rules.language, rules, platformName: platform.name }, caps);
          const { caption, tags } = finalizeCaption(draft, caps, { trackingUrl: account.trackingUrl, marker });
          rows.push({
            id, contentId, accountId: account.id, scheduledTime: slot, captionUsed: caption, tagsUsed: tags,
            idempotencyMarker: marker, workflowId: publicationWorkflowId(id), status: 'scheduled' as const,
          });
        }
        await insertPublications(txDb, rows);
        for (const row of rows) {
          await recordEvent(txDb, {
            type: 'publication_scheduled', contentId, modelId: model.id, publicationId: row.id, accountId: row.accountId,
            description: `scheduled for ${row.scheduledTime.toISOString()}`,
          });
        }
      });
      for (const note of notes) await recordEvent(db, { type: 'alert', contentId, modelId: model.id, accountId: note.accountId, description: note.description });

      const byAccount = new Map(targets.map((t) => [t.account.id, t]));
      return (await publicationsOfContent(db, contentId)).flatMap((p) => {
        const target = byAccount.get(p.accountId);
        if (!target || !p.scheduledTime) return [];
        return [{
          publicationId: p.id, workflowId: publicationWorkflowId(p.id), modelName: model.name,
          platformName: target.platform.name, accountUsername: target.account.username, scheduledTime: p.scheduledTime.toISOString(),
        }];
      });
    },

    async publicationPlan(publicationId: string): Promise<{ status: PublicationStatus; scheduledTime: string | null; postUrl: string | null; publishedAt: string | null }> {
      const publication = await findPublication(db, publicationId);
      if (!publication) throw ApplicationFailure.nonRetryable(`publication ${publicationId} not found`, 'NotFound');
      return {
        status: publication.status,
        scheduledTime: publication.scheduledTime?.toISOString() ?? null,
        postUrl: publication.postUrl,
        publishedAt: publication.publishedAt?.toISOString() ?? null,
      };
    },

    /** At the scheduled time: go ahead, or hold the publication while its account or model is paused. */
    async beginPublication(publicationId: string): Promise<{ state: 'go' | 'held' | 'published'; reason?: string; postUrl?: string; publishedAt?: string }> {
      const ctx = await mustPublication(publicationId);
      const { publication, account, model, platform } = ctx;
      if (publication.status === 'published') {
        return { state: 'published', postUrl: publication.postUrl ?? undefined, publishedAt: publication.publishedAt?.toISOString() };
      }
      const reason = account.status !== 'active'
        ? `account @${account.username} is ${account.status}`
        : model.status === 'paused' ? `model ${model.name} is paused` : undefined;
      if (reason) {
        if (publication.status !== 'held') {
          await updatePublication(db, publicationId, { status: 'held' });
          await publicationEvent(ctx, { type: 'publication_held', description: reason });
        }
        return { state: 'held', reason };
      }
      await updatePublication(db, publicationId, { status: 'processing', publishStep: publication.publishStep ?? 'prepared' });
      await publicationEvent(ctx, { type: 'publication_started', description: `publishing to ${platform.name} as @${account.username}` });
      return { state: 'go' };
    },

    async recordPublished(publicationId: string, post: { url: string; externalId: string }): Promise<{ publishedAt: string }> {
      const publication = await findPublication(db, publicationId);
      if (publication?.status === 'published' && publication.publishedAt) return { publishedAt: publication.publishedAt.toISOString() };
      const publishedAt = new Date();
      await updatePublication(db, publicationId, {
        status: 'published', publishStep: 'published', publishedAt, postUrl: post.url, externalId: post.externalId, lastError: null,
      });
      await publicationEvent(publicationId, { type: 'publication_published', description: post.url });
      return { publishedAt: publishedAt.toISOString() };
    },

    /**
     * A publish attempt gave up. Account-level errors pause the account, hold its other scheduled publications
     * and raise an alert. An attempt that clicked publish but never saw the result ends `unconfirmed`.
     */
    async recordPublicationFailure(publicationId: string, failure: { type: string; message: string }): Promise<{ status: PublicationStatus }> {
      const ctx = await mustPublication(publicationId);
      const { publication, account } = ctx;
      const error = `${failure.type}: ${failure.message}`;
      // The account first: once the publication reads failed, its account already says why.
      const accountStatus = accountErrorStatus[failure.type];
      if (accountStatus && account.status === 'active') {
        const held = await setAccountStatusMoving(db, account.id, accountStatus, { from: 'scheduled', to: 'held' });
        await publicationEvent(ctx, {
          type: accountStatus === 'session_expired' ? 'session_expired' : 'account_paused',
          description: `@${account.username} ${accountStatus} after ${failure.type}; ${held.length} scheduled publication(s) held`,
          data: { errorType: failure.type, held: held.map((h) => h.id) },
        });
        await publicationEvent(ctx, {
          type: 'alert', description: `account @${account.username} ${accountStatus}: ${failure.message}`, data: { kind: 'account_paused', errorType: failure.type },
        });
      }
      const status: PublicationStatus = failure.type === 'Unconfirmed' || publication.publishStep === 'unconfirmed' ? 'unconfirmed' : 'failed';
      await updatePublication(db, publicationId, { status, lastError: error });
      await publicationEvent(ctx, {
        type: status === 'unconfirmed' ? 'publication_unconfirmed' : 'publication_failed', description: error, data: { errorType: failure.type },
      });
      await publicationEvent(ctx, { type: 'alert', description: `publication ${status}: ${error}`, data: { kind: `publication_${status}`, errorType: failure.type } });
      return { status };
    },

    async recordReschedule(publicationId: string, request: Actor & { scheduledTime: string }): Promise<void> {
      await updatePublication(db, publicationId, { scheduledTime: new Date(request.scheduledTime), status: 'scheduled' });
      await publicationEvent(publicationId, { type: 'publication_rescheduled', actor: request.actor, description: `moved to ${request.scheduledTime}`, data: { at: request.at } });
    },

    async recordRetry(publicationId: string, request: Actor): Promise<void> {
      await publicationEvent(publicationId, { type: 'retry', actor: request.actor, description: 'publish again now', data: { at: request.at } });
    },

    async releasePublication(publicationId: string, request: Actor): Promise<void> {
      const publication = await findPublication(db, publicationId);
      if (publication?.status === 'held') await updatePublication(db, publicationId, { status: 'scheduled' });
      await publicationEvent(publicationId, { type: 'publication_scheduled', actor: request.actor, description: 'released: the account or model was resumed' });
    },

    async cancelPublication(publicationId: string, request: Actor & { reason?: string }): Promise<void> {
      await updatePublication(db, publicationId, { status: 'canceled' });
      await publicationEvent(publicationId, { type: 'publication_canceled', actor: request.actor, description: request.reason ?? 'canceled', data: { at: request.at } });
    },

    async storeMetrics(publicationId: string, metrics: Partial<PostMetrics>, source: string): Promise<void> {
      await insertMetrics(db, { publicationId, source, views: metrics.views, likes: metrics.likes, comments: metrics.comments, shares: metrics.shares });
      await publicationEvent(publicationId, { type: 'metrics_read', description: `views ${metrics.views ?? '?'}, likes ${metrics.likes ?? '?'}` });
    },
  };
}
export type StoreActivities = ReturnType<typeof createStoreActivities>;
