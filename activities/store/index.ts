/** Database steps of the lifecycle (pipeline queue): approval, scheduling, status transitions, metrics. */
import { ApplicationFailure } from '@temporalio/activity';
import { randomUUID } from 'node:crypto';
import { buildCaption, idempotencyMarker } from '../../core/captions.js';
import { capabilitiesFor, mediaMismatch } from '../../core/platforms.js';
import { publicationWorkflowId } from '../../core/task-queues.js';
import { defaultDistributionRules, type PostMetrics, type PublicationStatus } from '../../core/types.js';
import {
  activeAccountsForModel, findContent, findModel, findPublication, insertMetrics, insertPublications, publicationContext,
  publicationsOfContent, recordEvent, updateContent, updatePublication,
} from '../../db/queries.js';
import type { ActivityDeps } from '../deps.js';

export interface ScheduledPublication {
  publicationId: string;
  workflowId: string;
  modelName: string;
  platformName: string;
  accountUsername: string;
  scheduledTime: string;
}

export function createStoreActivities({ db }: ActivityDeps) {
  async function mustContent(contentId: string) {
    const content = await findContent(db, contentId);
    if (!content) throw ApplicationFailure.nonRetryable(`content ${contentId} not found`, 'NotFound');
    const model = await findModel(db, content.modelId);
    if (!model) throw ApplicationFailure.nonRetryable(`model ${content.modelId} not found`, 'NotFound');
    return { content, model, rules: { ...defaultDistributionRules, ...model.distribution } };
  }

  return {
    /** Approves at once when the model's rules do not ask for a person. */
    async approveIfAutomatic(contentId: string): Promise<{ approved: boolean }> {
      const { content, model, rules } = await mustContent(contentId);
      if (content.status === 'approved') return { approved: true };
      if (rules.approvalRequired) return { approved: false };
      await updateContent(db, contentId, { status: 'approved', approvedAt: new Date(), approvedBy: 'auto:rules' });
      await recordEvent(db, { type: 'content_approved', contentId, modelId: model.id, actor: 'auto:rules', description: 'auto-approved by the model rules' });
      return { approved: true };
    },

    async recordDecision(contentId: string, decision: { approved: boolean; actor: string; reason?: string }): Promise<void> {
      const { model } = await mustContent(contentId);
      if (decision.approved) {
        await updateContent(db, contentId, { status: 'approved', approvedAt: new Date(), approvedBy: decision.actor });
      } else {
        await updateContent(db, contentId, { status: 'rejected', rejectionReason: decision.reason ?? null });
      }
      await recordEvent(db, {
        type: decision.approved ? 'content_approved' : 'content_rejected',
        contentId,
        modelId: model.id,
        actor: decision.actor,
        description: decision.reason ?? (decision.approved ? 'approved' : 'rejected'),
      });
    },

    /**
     * One publication per active account the model may post to, as soon as possible.
     * Idempotent: a retry finds the rows it already inserted (unique content+account).
     */
    async schedulePublications(contentId: string): Promise<ScheduledPublication[]> {
      const { content, model, rules } = await mustContent(contentId);
      const targets = (await activeAccountsForModel(db, model.id)).filter(
        ({ platform }) => rules.allowedPlatforms.length === 0 || rules.allowedPlatforms.includes(platform.name),
      );
      const now = new Date();
      const rows = [];
      for (const { account, platform } of targets) {
        const caps = capabilitiesFor(platform.technicalConfig.driver, platform.capabilities);
        const mismatch = mediaMismatch({ durationSeconds: content.durationSeconds ?? 0, sizeBytes: content.sizeBytes ?? 0 }, caps);
        if (mismatch) {
          await recordEvent(db, { type: 'alert', contentId, modelId: model.id, accountId: account.id, description: `not sent to ${platform.name}: ${mismatch}` });
          continue;
        }
        const id = randomUUID();
        const marker = idempotencyMarker(id);
        const { caption, tags } = buildCaption(
          {
            modelName: model.name, context: content.context, hashtags: content.generatedTags ?? rules.hashtags,
            template: rules.captionTemplate, language: rules.language, trackingUrl: account.trackingUrl, marker,
          },
          caps,
        );
        rows.push({
          id, contentId, accountId: account.id, scheduledTime: now, captionUsed: caption, tagsUsed: tags,
          idempotencyMarker: marker, workflowId: publicationWorkflowId(id), status: 'scheduled' as const,
        });
      }
      await insertPublications(db, rows);
      const stored = await publicationsOfContent(db, contentId);
      const byAccount = new Map(targets.map((t) => [t.account.id, t]));
      const scheduled = stored.flatMap((p) => {
        const target = byAccount.get(p.accountId);
        if (!target || !p.scheduledTime) return [];
        return [{
          publicationId: p.id, workflowId: publicationWorkflowId(p.id), modelName: model.name,
          platformName: target.platform.name, accountUsername: target.account.username, scheduledTime: p.scheduledTime.toISOString(),
        }];
      });
      for (const s of scheduled) {
        await recordEvent(db, {
          type: 'publication_scheduled', contentId, modelId: model.id, publicationId: s.publicationId,
          description: `@${s.accountUsername} on ${s.platformName} at ${s.scheduledTime}`,
        });
      }
      return scheduled;
    },

    async publicationPlan(publicationId: string): Promise<{ scheduledTime: string | null; status: PublicationStatus }> {
      const publication = await findPublication(db, publicationId);
      if (!publication) throw ApplicationFailure.nonRetryable(`publication ${publicationId} not found`, 'NotFound');
      return { scheduledTime: publication.scheduledTime?.toISOString() ?? null, status: publication.status };
    },

    async markPublicationProcessing(publicationId: string): Promise<void> {
      const ctx = await publicationContext(db, publicationId);
      if (!ctx) throw ApplicationFailure.nonRetryable(`publication ${publicationId} not found`, 'NotFound');
      if (ctx.publication.status === 'published') return;
      await updatePublication(db, publicationId, { status: 'processing', publishStep: ctx.publication.publishStep ?? 'prepared' });
      await recordEvent(db, {
        type: 'publication_started', publicationId, contentId: ctx.content.id, modelId: ctx.model.id, accountId: ctx.account.id,
        description: `publishing to ${ctx.platform.name} as @${ctx.account.username}`,
      });
    },

    async recordPublished(publicationId: string, post: { url: string; externalId: string }): Promise<void> {
      const publication = await findPublication(db, publicationId);
      if (publication?.status === 'published') return;
      await updatePublication(db, publicationId, {
        status: 'published', publishStep: 'published', publishedAt: new Date(), postUrl: post.url, externalId: post.externalId, lastError: null,
      });
      await recordEvent(db, { type: 'publication_published', publicationId, contentId: publication?.contentId, description: post.url });
    },

    async recordPublicationFailure(publicationId: string, error: string): Promise<void> {
      const publication = await findPublication(db, publicationId);
      await updatePublication(db, publicationId, { status: 'failed', lastError: error });
      await recordEvent(db, { type: 'publication_failed', publicationId, contentId: publication?.contentId, description: error });
    },

    async storeMetrics(publicationId: string, metrics: Partial<PostMetrics>, source: string): Promise<void> {
      await insertMetrics(db, { publicationId, source, views: metrics.views, likes: metrics.likes, comments: metrics.comments, shares: metrics.shares });
      await recordEvent(db, { type: 'metrics_read', publicationId, description: `views ${metrics.views ?? '?'}, likes ${metrics.likes ?? '?'}` });
    },
  };
}
export type StoreActivities = ReturnType<typeof createStoreActivities>;
