/**
 * Database steps of the lifecycle (pipeline queue): approval, slot reservation, status transitions, metrics.
 * Every transition writes a system_events row. Each activity is idempotent: a retry finds its own earlier work.
 */
import { trackingRefOf, trackingUrl } from '../../core/tracking.js';
import { ApplicationFailure } from '@temporalio/activity';
import { randomUUID } from 'node:crypto';
import { applyCaptionEdits, draftCaption, finalizeCaption, idempotencyMarker } from '../../core/captions.js';
import { draftViolations } from '../../core/moderation.js';
import { activeModerationRules } from '../../db/moderation-rules.js';
import { platformSkipReason } from '../../core/platforms.js';
import { placeLink } from '../../core/reposts.js';
import { accountErrorStatus } from '../../core/publish-errors.js';
import { driverKindOf, type DriverKind } from '../../contracts/drivers.js';
import { nextFreeSlot, validateSchedulingRules } from '../../core/scheduling.js';
import { publicationWorkflowId, type Actor, type ApproveInput, type RejectInput } from '../../contracts/workflows.js';
import { isPosted, type PostMetrics, type PostedStatus, type PublicationStatus } from '../../core/types.js';
import { inTransaction, type Db } from '../../db/client.js';
import { lockAccounts, setAccountStatusMoving } from '../../db/accounts.js';
import { findContent, updateContent } from '../../db/contents.js';
import { describeEvent, recordEvent } from '../../db/events.js';
import type { EventKind, EventPayloads } from '../../contracts/events.js';
import { findPublication, insertMetrics, insertPublications, publicationContext, publicationsOfContent, updatePublication } from '../../db/publications.js';
import { loadPublishingContext, takenSlotsFor } from '../../db/publishing-context.js';
import type { ActivityDeps } from '../deps.js';
import { createReachDropCheck } from './reach-drop.js';

export interface ScheduledPublication {
  publicationId: string;
  workflowId: string;
  modelName: string;
  platformName: string;
  accountUsername: string;
  scheduledTime: string;
}

export function createStoreActivities({ db, config, log }: ActivityDeps) {
  const reachDrop = createReachDropCheck({ db, config, log });
  async function mustContent(contentId: string) {
    const content = await findContent(db, contentId);
    if (!content) throw ApplicationFailure.nonRetryable(`content ${contentId} not found`, 'NotFound');
    const publishing = await loadPublishingContext(db, { contentId });
    if (!publishing) throw ApplicationFailure.nonRetryable(`model ${content.modelId} not found`, 'NotFound');
    return { content, ...publishing };
  }
  async function mustPublication(publicationId: string) {
    const ctx = await publicationContext(db, publicationId);
    if (!ctx) throw ApplicationFailure.nonRetryable(`publication ${publicationId} not found`, 'NotFound');
    return ctx;
  }
  type PublicationContext = Awaited<ReturnType<typeof mustPublication>>;
  /** An event linked to the publication, its content, model and account (pass the context when it is already loaded). */
  async function publicationEvent<K extends EventKind>(
    target: string | PublicationContext, kind: K, payload: EventPayloads[K], by: { actor?: string; into?: Db } = {},
  ) {
    const ctx = typeof target === 'string' ? await mustPublication(target) : target;
    await recordEvent(by.into ?? db, kind, payload, { actor: by.actor, publicationId: ctx.publication.id, contentId: ctx.content.id, modelId: ctx.model.id, accountId: ctx.account.id });
  }

  return {
    /** Approves at once when the model's rules do not ask for a person; otherwise says how long until a reminder. */
    async approveIfAutomatic(contentId: string): Promise<{ approved: boolean; reminderAfterMs: number }> {
      const { content, model, rules, platforms } = await mustContent(contentId);
      const reminderAfterMs = Math.max(1, rules.approvalReminderHours * 3_600_000);
      if (content.status === 'approved') return { approved: true, reminderAfterMs };
      // Auto-moderation: a draft that breaks a limit or a rule waits for a person even when her rules approve alone.
      const limits = Object.fromEntries(platforms.map((p) => [p.platform.name, p.capabilities]));
      const found = draftViolations(content.captionDrafts ?? {}, limits, await activeModerationRules(db, model.id), model.id);
      const violations = Object.entries(found).filter(([, v]) => v.length > 0).map(([platform, v]) => ({ platform, codes: v.map((x) => x.code) }));
      if (rules.approvalRequired || violations.length > 0) {
        await recordEvent(db, 'approval_requested', violations.length ? { violations } : {}, { contentId, modelId: model.id });
        return { approved: false, reminderAfterMs };
      }
      await updateContent(db, contentId, { status: 'approved', approvedAt: new Date(), approvedBy: 'auto:rules' });
      await recordEvent(db, 'content_approved', { auto: true }, { contentId, modelId: model.id, actor: 'auto:rules' });
      return { approved: true, reminderAfterMs };
    },

    async recordApprovalReminder(contentId: string, count: number): Promise<void> {
      const { model } = await mustContent(contentId);
      await recordEvent(db, 'approval_reminder', { count }, { contentId, modelId: model.id });
    },

    /** Stores a person's decision with actor and time; an approval may carry edited captions per platform. */
    async recordDecision(contentId: string, decision: ({ approved: true } & ApproveInput) | ({ approved: false } & RejectInput)): Promise<void> {
      const { content, model } = await mustContent(contentId);
      const at = new Date(decision.at);
      if (decision.approved) {
        const drafts = applyCaptionEdits(content.captionDrafts ?? {}, decision.captions, { caption: content.generatedCaption, tags: content.generatedTags });
        await updateContent(db, contentId, { status: 'approved', approvedAt: at, approvedBy: decision.actor, captionDrafts: drafts });
      } else {
        await updateContent(db, contentId, { status: 'rejected', rejectionReason: decision.reason, rejectedAt: at, rejectedBy: decision.actor });
      }
      const links = { contentId, modelId: model.id, actor: decision.actor };
      if (decision.approved) {
        const overrides = decision.overrides?.length ? { overrides: decision.overrides } : {};
        await recordEvent(db, 'content_approved', { at: decision.at, editedCaptions: Object.keys(decision.captions ?? {}), ...overrides }, links);
      }
      else await recordEvent(db, 'content_rejected', { reason: decision.reason, at: decision.at }, links);
    },

    /**
     * One publication per account the model may post to, each in the next free slot of the rules engine.
     * The slot is reserved inside a transaction holding the accounts' row locks, so contents approved at the
     * same moment queue for the lock and never share a slot. Idempotent: a retry returns what was reserved.
     */
    async schedulePublications(contentId: string): Promise<ScheduledPublication[]> {
      const { content, model, rules, targets } = await mustContent(contentId);
      const problems = validateSchedulingRules(rules);
      if (problems.length > 0) {
        // Retrying cannot fix the rules; the admin must, and the alert says what to fix.
        const description = await recordEvent(db, 'alert', { kind: 'invalid_rules', modelName: model.name, problems }, { contentId, modelId: model.id });
        throw ApplicationFailure.nonRetryable(description, 'InvalidRules');
      }
      const notes: { accountId: string; alert: EventPayloads['alert'] }[] = [];
      await db.transaction(async (tx) => {
        const txDb = tx as unknown as Db;
        await lockAccounts(txDb, targets.map((t) => t.account.id));
        if ((await publicationsOfContent(txDb, contentId)).length > 0) return;
        const now = new Date();
        const rows = [];
        for (const target of targets) {
          const { account, platform, capabilities: caps } = target;
          const facts = { durationSeconds: content.durationSeconds ?? 0, sizeBytes: content.sizeBytes ?? 0, width: content.width ?? 0, height: content.height ?? 0 };
          // Clips a variant can fix (trim, fit to 9:16) go ahead; prepareMedia makes the variant before publishing.
          const mismatch = platformSkipReason(facts, caps);
          if (mismatch) {
            notes.push({ accountId: account.id, alert: { kind: 'not_sent', platform: platform.name, reason: mismatch } });
            continue;
          }
          const slot = nextFreeSlot({ rules, lead: caps, now, taken: await takenSlotsFor(txDb, target, now) });
          if (!slot) {
            notes.push({ accountId: account.id, alert: { kind: 'no_slot', username: account.username, platform: platform.name, maxLeadDays: caps.maxLeadDays } });
            continue;
          }
          const id = randomUUID();
          const marker = idempotencyMarker(id);
          const draft = content.captionDrafts?.[platform.name]
            ?? draftCaption({ modelName: model.name, context: content.context, language: rules.language, rules, platformName: platform.name }, caps);
          // The post's own link (/t/<code>/<ref>) attributes its clicks to it; the ref is the marker's id.
          const trackingLink = trackingUrl(config.http.publicUrl, account.trackingCode, trackingRefOf(id));
          // `{link}` in the draft (a live or repost caption) puts the link there instead of where the rules place it.
          const placed = placeLink(draft.caption, trackingLink);
          const { caption, tags } = finalizeCaption({ caption: placed.caption, tags: draft.tags }, caps, {
            trackingUrl: trackingLink, marker, linkPlacement: placed.linkInBody ? 'none' : rules.linkPlacement,
          });
          rows.push({
            id, contentId, accountId: account.id, scheduledTime: slot, captionUsed: caption, tagsUsed: tags, trackingLink,
            idempotencyMarker: marker, workflowId: publicationWorkflowId(id), status: 'scheduled' as const,
          });
        }
        await insertPublications(txDb, rows);
        for (const row of rows) {
          await recordEvent(txDb, 'publication_scheduled', { scheduledTime: row.scheduledTime.toISOString() }, {
            contentId, modelId: model.id, publicationId: row.id, accountId: row.accountId,
          });
        }
      });
      for (const note of notes) await recordEvent(db, 'alert', note.alert, { contentId, modelId: model.id, accountId: note.accountId });

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

    async publicationPlan(publicationId: string): Promise<{
      status: PublicationStatus; scheduledTime: string | null; postUrl: string | null; publishedAt: string | null; driverKind: DriverKind;
    }> {
      const { publication, platform } = await mustPublication(publicationId);
      return {
        driverKind: driverKindOf(platform.technicalConfig.driver),
        status: publication.status,
        scheduledTime: publication.scheduledTime?.toISOString() ?? null,
        postUrl: publication.postUrl,
        publishedAt: publication.publishedAt?.toISOString() ?? null,
      };
    },

    /** At the scheduled time: go ahead, or hold the publication while its account is not active, its model paused or its platform disabled. */
    async beginPublication(publicationId: string): Promise<{
      state: 'go' | 'held' | 'published'; postStatus?: PostedStatus; reason?: string; postUrl?: string; publishedAt?: string; driverKind: DriverKind;
    }> {
      const ctx = await mustPublication(publicationId);
      const { publication, account, model, platform } = ctx;
      const driverKind = driverKindOf(platform.technicalConfig.driver);
      if (isPosted(publication.status)) {
        return { state: 'published', postStatus: publication.status, postUrl: publication.postUrl ?? undefined, publishedAt: publication.publishedAt?.toISOString(), driverKind };
      }
      const held: EventPayloads['publication_held'] | undefined = account.status !== 'active'
        ? { cause: 'account', username: account.username, accountStatus: account.status }
        : model.status === 'paused' ? { cause: 'model', modelName: model.name }
        : !platform.active ? { cause: 'platform', platform: platform.name } : undefined;
      if (held) {
        if (publication.status !== 'held') {
          await updatePublication(db, publicationId, { status: 'held' });
          await publicationEvent(ctx, 'publication_held', held);
        }
        return { state: 'held', reason: describeEvent('publication_held', held), driverKind };
      }
      await updatePublication(db, publicationId, { status: 'processing', publishStep: publication.publishStep ?? 'prepared' });
      await publicationEvent(ctx, 'publication_started', { platform: platform.name, username: account.username });
      return { state: 'go', driverKind };
    },

    /** The post is out (or, with `draft`, waiting in the creator's app as a draft): its record and the model's notice. */
    async recordPublished(publicationId: string, post: { url: string; externalId: string; draft?: true }): Promise<{ publishedAt: string; status: PostedStatus }> {
      const publication = await findPublication(db, publicationId);
      if (publication && isPosted(publication.status) && publication.publishedAt) {
        return { publishedAt: publication.publishedAt.toISOString(), status: publication.status };
      }
      const publishedAt = new Date();
      const status: PostedStatus = post.draft ? 'published_as_draft' : 'published';
      await updatePublication(db, publicationId, {
        status, publishStep: 'published', publishedAt, postUrl: post.url, externalId: post.externalId, lastError: null,
      });
      await publicationEvent(publicationId, 'publication_published', { url: post.url, externalId: post.externalId, ...(post.draft ? { draft: true as const } : {}) });
      return { publishedAt: publishedAt.toISOString(), status };
    },

    /**
     * A publish attempt gave up. Account-level errors pause the account, hold its other scheduled publications
     * and raise an alert. An attempt that clicked publish but never saw the result ends `unconfirmed`.
     */
    async recordPublicationFailure(
      publicationId: string, failure: { type: string; message: string; retryAfterMs?: number },
    ): Promise<{ status: PublicationStatus; resumeAfterMs?: number }> {
      const ctx = await mustPublication(publicationId);
      const { publication, account, platform } = ctx;
      const error = `${failure.type}: ${failure.message}`;
      // Each outcome's status and its events land in one transaction: whoever reads the new status (the dashboard,
      // the bot's notices, a test) finds its alert beside it, and a crash in between leaves neither.
      if (failure.type === 'QuotaExhausted') {
        // A quota, not the post or the account: held (never failed) until it frees; the account stays active.
        const resumeAfterMs = Math.max(60_000, failure.retryAfterMs ?? 3_600_000);
        const until = new Date(Date.now() + resumeAfterMs).toISOString();
        await inTransaction(db, async (into) => {
          await updatePublication(into, publicationId, { status: 'held', lastError: error });
          await publicationEvent(ctx, 'publication_held', { cause: 'quota', platform: platform.name, until, message: failure.message }, { into });
        });
        return { status: 'held', resumeAfterMs };
      }
      const status: PublicationStatus = failure.type === 'Unconfirmed' || publication.publishStep === 'unconfirmed' ? 'unconfirmed' : 'failed';
      await inTransaction(db, async (into) => {
        // The account first: once the publication reads failed, its account already says why.
        const accountStatus = accountErrorStatus[failure.type];
        if (accountStatus && account.status === 'active') {
          const held = await setAccountStatusMoving(into, account.id, accountStatus, { from: 'scheduled', to: 'held' });
          const paused = { username: account.username, held: held.map((h) => h.id), errorType: failure.type };
          await publicationEvent(ctx, accountStatus === 'session_expired' ? 'session_expired' : 'account_paused', paused, { into });
          await publicationEvent(ctx, 'alert', {
            kind: 'account_paused', errorType: failure.type, message: failure.message, username: account.username,
            status: accountStatus === 'session_expired' ? 'session_expired' : 'paused',
          }, { into });
        }
        await updatePublication(into, publicationId, { status, lastError: error });
        const why = { errorType: failure.type, message: failure.message };
        await publicationEvent(ctx, status === 'unconfirmed' ? 'publication_unconfirmed' : 'publication_failed', why, { into });
        await publicationEvent(ctx, 'alert', { kind: status === 'unconfirmed' ? 'publication_unconfirmed' : 'publication_failed', ...why }, { into });
      });
      return { status };
    },

    async recordReschedule(publicationId: string, request: Actor & { scheduledTime: string }): Promise<void> {
      await updatePublication(db, publicationId, { scheduledTime: new Date(request.scheduledTime), status: 'scheduled' });
      await publicationEvent(publicationId, 'publication_rescheduled', { scheduledTime: request.scheduledTime, at: request.at }, { actor: request.actor });
    },

    async recordRetry(publicationId: string, request: Actor): Promise<void> {
      await publicationEvent(publicationId, 'retry', { at: request.at }, { actor: request.actor });
    },

    async releasePublication(publicationId: string, request: Actor): Promise<void> {
      const publication = await findPublication(db, publicationId);
      if (publication?.status === 'held') await updatePublication(db, publicationId, { status: 'scheduled' });
      await publicationEvent(publicationId, 'publication_scheduled', { released: true }, { actor: request.actor });
    },

    async cancelPublication(publicationId: string, request: Actor & { reason?: string }): Promise<void> {
      await updatePublication(db, publicationId, { status: 'canceled' });
      await publicationEvent(publicationId, 'publication_canceled', { reason: request.reason, at: request.at }, { actor: request.actor });
    },

    async storeMetrics(publicationId: string, metrics: Partial<PostMetrics>, source: string): Promise<void> {
      await insertMetrics(db, {
        publicationId, source, views: metrics.views, likes: metrics.likes, comments: metrics.comments, shares: metrics.shares, reach: metrics.reach, saves: metrics.saves,
      });
      await publicationEvent(publicationId, 'metrics_read', { ...metrics, source });
      // A reading 18–36 h after publishing may start a reach drop (activities/store/reach-drop.ts).
      await reachDrop.afterReading(publicationId, metrics.views);
    },
  };
}
export type StoreActivities = ReturnType<typeof createStoreActivities>;
