/**
 * Evergreen reposts and the live-posting setting (issue 17), shared by the API and the dashboard: mark a published
 * content reusable, repost it (db/reposts.ts createRepost, then its own `contentWorkflow` from the start), read the
 * origin's and the reposts' results together, suggest top contents to mark, and a model's "en vivo ahora" setting.
 */
import { existsSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import type { LifecycleOptions } from '../core/lifecycle.js';
import type { LivePostingSettings } from '../core/streams.js';
import type { FamilyMember as FamilyMemberView, LivePostingView, RepostFamily, ReusableSuggestions } from '../contracts/api/reposts.js';
import { ContentIdKey, ModelNameKey } from '../contracts/search-attributes.js';
import { contentWorkflowId, TaskQueues, WorkflowTypes, type ContentWorkflow } from '../contracts/workflows.js';
import type { Db } from '../db/client.js';
import { findContent } from '../db/contents.js';
import { findModel } from '../db/models.js';
import { loadPublishingContext } from '../db/publishing-context.js';
import {
  accountsOfModelWithPlatform, createRepost, deleteUnstartedRepost, livePostingCandidates, findLivePosting, hasPostedPublication, repostCooldowns, repostFamily, RepostError,
  reusableSuggestions, saveLivePosting, setContentReusable, type FamilyMember,
} from '../db/reposts.js';
import { ServiceError, viaTemporal } from './errors.js';
import { mediaDeletedAt } from './storage.js';

export interface RepostServiceDeps {
  db: Db;
  temporal: Client;
  lifecycle: LifecycleOptions;
  mediaDir: string;
  /** `REPOST_COOLDOWN_DAYS` (config `streams.repostCooldownDays`). */
  cooldownDays: number;
}

/** Whether a content's video is still on disk (retention deletes it and leaves its marker). */
async function videoStored(mediaDir: string, content: { id: string; filePath: string }): Promise<boolean> {
  return existsSync(content.filePath) && (await mediaDeletedAt(mediaDir, content.id)) === null;
}

/** The reasons of db/reposts.ts, as the kinds every interface maps (409 for a state, 400 for a wrong field). */
function fromRepostError(error: RepostError): ServiceError {
  switch (error.code) {
    case 'origin_not_found':
    case 'stream_not_found':
      return new ServiceError('not_found', error.code, error.message);
    case 'unknown_accounts':
      return new ServiceError('invalid', error.code, error.message, { fields: { accountIds: error.message.replace(/^accountIds: /, '') } });
    case 'cooldown':
    case 'accounts_unavailable':
      return new ServiceError('conflict', error.code, error.message, { fields: { accountIds: error.message.replace(/^accountIds: /, '') } });
    default:
      return new ServiceError('conflict', error.code, error.message);
  }
}

/**
 * Marks a published content reusable (status `reusable`: offered for reposts, and its video kept by media retention),
 * or back to `approved`. Only an origin (not a repost), with a published publication and its video still stored.
 */
export async function markReusable(deps: Pick<RepostServiceDeps, 'db' | 'mediaDir'>, id: string, reusable: boolean, actor: string) {
  const content = await findContent(deps.db, id);
  if (!content) throw new ServiceError('not_found', 'not_found', `content ${id} not found`);
  if (content.originContentId) {
    throw new ServiceError('conflict', 'is_repost', `content ${id} is a repost of ${content.originContentId}: mark its origin instead`);
  }
  if (content.status !== 'approved' && content.status !== 'reusable') {
    throw new ServiceError('conflict', 'not_published', `content ${id} is ${content.status}; only a published content can be reusable`);
  }
  if (reusable && content.status !== 'reusable') {
    if (!(await hasPostedPublication(deps.db, id))) {
      throw new ServiceError('conflict', 'not_published', `content ${id} has no published publication yet; only a published content can be reusable`);
    }
    if (!(await videoStored(deps.mediaDir, content))) {
      throw new ServiceError('conflict', 'media_deleted', `the video of content ${id} is no longer stored (media retention deleted it), so it cannot be reposted`);
    }
  }
  const updated = await setContentReusable(deps.db, id, reusable, actor);
  if (!updated) throw new ServiceError('not_found', 'not_found', `content ${id} not found`);
  return { id, status: updated.status };
}

/**
 * Reposts a reusable content: the new content (db/reposts.ts createRepost: accounts out of cooldown, new caption
 * draft) and its `contentWorkflow`, which runs it like any video (ingest, caption, approval as her rules say,
 * schedule on its target accounts only). If the workflow cannot start, the new row is removed again.
 */
export async function repostContent(deps: RepostServiceDeps, id: string, input: { accountIds?: string[]; caption?: string; actor: string }) {
  let created: { contentId: string; created: boolean };
  try {
    created = await createRepost(deps.db, {
      originContentId: id, accountIds: input.accountIds ?? [], caption: input.caption, actor: input.actor, cooldownDays: deps.cooldownDays,
    });
  } catch (error) {
    if (error instanceof RepostError) throw fromRepostError(error);
    throw error;
  }
  const content = (await findContent(deps.db, created.contentId))!;
  const model = await findModel(deps.db, content.modelId);
  const workflowId = contentWorkflowId(content.id);
  try {
    await viaTemporal('the repost', () => deps.temporal.workflow.start<ContentWorkflow>(WorkflowTypes.content, {
      workflowId,
      taskQueue: TaskQueues.pipeline,
      args: [{ contentId: content.id, options: deps.lifecycle }],
      typedSearchAttributes: [
        { key: ModelNameKey, value: model?.name ?? '' },
        { key: ContentIdKey, value: content.id },
      ],
      staticSummary: `${model?.name ?? ''}: repost of ${content.originContentId}`,
    }));
  } catch (error) {
    await deleteUnstartedRepost(deps.db, content.id);
    throw error;
  }
  return { id: content.id, workflowId, originContentId: content.originContentId!, targetAccountIds: content.targetAccountIds ?? [] };
}

const iso = (d: Date | null) => d?.toISOString() ?? null;
const isPosted = (status: string) => status === 'published' || status === 'published_as_draft';

function memberView(member: FamilyMember, isOrigin: boolean): FamilyMemberView {
  const posted = member.publications.filter((p) => isPosted(p.status));
  return {
    id: member.content.id,
    isOrigin,
    status: member.content.status,
    receivedAt: member.content.receivedAt.toISOString(),
    sentBy: member.content.sentBy,
    liveStreamId: member.liveStreamId,
    targetAccountIds: member.content.targetAccountIds ?? null,
    totals: {
      posts: posted.length,
      views: posted.reduce((n, p) => n + (p.views ?? 0), 0),
      likes: posted.reduce((n, p) => n + (p.likes ?? 0), 0),
      clicks: member.publications.reduce((n, p) => n + p.clicks, 0),
    },
    publications: member.publications.map((p) => ({
      ...p, status: p.status as FamilyMemberView['publications'][number]['status'],
      scheduledTime: iso(p.scheduledTime), publishedAt: iso(p.publishedAt),
    })),
  };
}

/**
 * A content's family — its origin and every repost, each with its publications' latest views, likes and clicks —
 * with the family's totals, and the accounts a repost could go to now with their cooldown.
 */
export async function contentReposts(deps: Pick<RepostServiceDeps, 'db' | 'mediaDir' | 'cooldownDays'>, id: string, now = new Date()): Promise<RepostFamily> {
  const family = await repostFamily(deps.db, id);
  if (!family) throw new ServiceError('not_found', 'not_found', `content ${id} not found`);
  const root = family[0]!.content;
  const members = family.map((m, i) => memberView(m, i === 0));
  const publishing = await loadPublishingContext(deps.db, { modelId: root.modelId });
  const targets = publishing?.targets ?? [];
  const cooled = new Map((await repostCooldowns(deps.db, root.id, targets.map((t) => t.account.id), deps.cooldownDays, now)).map((c) => [c.accountId, c]));
  const stored = await videoStored(deps.mediaDir, root);
  return {
    originId: root.id,
    contentId: id,
    reusable: root.status === 'reusable',
    canMarkReusable: (root.status === 'approved' || root.status === 'reusable') && stored
      && members[0]!.publications.some((p) => isPosted(p.status)),
    mediaDeleted: !stored,
    cooldownDays: deps.cooldownDays,
    totals: {
      posts: members.reduce((n, m) => n + m.totals.posts, 0),
      views: members.reduce((n, m) => n + m.totals.views, 0),
      likes: members.reduce((n, m) => n + m.totals.likes, 0),
      clicks: members.reduce((n, m) => n + m.totals.clicks, 0),
    },
    members,
    accounts: targets.map(({ account, platform }) => {
      const c = cooled.get(account.id);
      return { accountId: account.id, username: account.username, platform: platform.name, cooldown: c?.cause ?? null, cooldownUntil: iso(c?.until ?? null) };
    }),
  };
}

/** Published contents with the best clicks then views that are not reusable yet (and whose video is still stored). */
export async function suggestReusable(deps: Pick<RepostServiceDeps, 'db' | 'mediaDir'>, query: { modelId?: string; limit?: number }): Promise<ReusableSuggestions> {
  const limit = query.limit ?? 5;
  // A few more than asked: some may have lost their video to retention.
  const rows = await reusableSuggestions(deps.db, { modelId: query.modelId, limit: limit * 3 });
  const items = [];
  for (const row of rows) {
    if (items.length >= limit) break;
    if (!(await videoStored(deps.mediaDir, { id: row.contentId, filePath: row.filePath }))) continue;
    items.push({
      contentId: row.contentId, modelId: row.modelId, modelName: row.modelName, context: row.context,
      receivedAt: row.receivedAt.toISOString(), lastPublishedAt: iso(row.lastPublishedAt),
      thumbnailUrl: row.thumbnailPath ? `/api/contents/${row.contentId}/thumbnail` : null,
      posts: row.posts, views: row.views, likes: row.likes, clicks: row.clicks,
    });
  }
  return { items };
}

const candidateLimit = 50;

/** A model's live-posting setting, with what the form offers: her reusable or published contents, and her accounts. */
export async function getLivePosting(deps: Pick<RepostServiceDeps, 'db' | 'mediaDir'>, modelId: string): Promise<LivePostingView> {
  const found = await findLivePosting(deps.db, modelId);
  if (!found) throw new ServiceError('not_found', 'not_found', `model ${modelId} not found`);
  const rows = await livePostingCandidates(deps.db, modelId, candidateLimit);
  const candidates = [];
  for (const c of rows) {
    if (!(await videoStored(deps.mediaDir, c))) continue;
    candidates.push({
      id: c.id, status: c.status, receivedAt: c.receivedAt.toISOString(),
      label: c.context?.trim() || c.originalFilename || c.receivedAt.toISOString().slice(0, 16).replace('T', ' '),
      thumbnailUrl: c.thumbnailPath ? `/api/contents/${c.id}/thumbnail` : null,
    });
  }
  const accounts = (await accountsOfModelWithPlatform(deps.db, modelId)).map(({ id, username, platform, status }) => ({ id, username, platform, status }));
  return { modelId, settings: found.settings, candidates, accounts };
}

/**
 * Saves a model's live-posting setting: the clip must be hers, reusable or published, with its video stored (and it
 * is then kept by media retention while the setting is on); the accounts must be hers.
 */
export async function setLivePosting(
  deps: Pick<RepostServiceDeps, 'db' | 'mediaDir'>, modelId: string, body: LivePostingSettings, actor: string,
): Promise<LivePostingView> {
  const model = await findModel(deps.db, modelId);
  if (!model) throw new ServiceError('not_found', 'not_found', `model ${modelId} not found`);
  const fields: Record<string, string> = {};
  const content = await findContent(deps.db, body.contentId);
  if (!content || content.modelId !== modelId) fields.contentId = 'not a content of this model';
  else if (content.originContentId) fields.contentId = 'a repost: choose its origin';
  else if (!(content.status === 'reusable' || (content.status === 'approved' && await hasPostedPublication(deps.db, content.id)))) {
    fields.contentId = `must be reusable or published (it is ${content.status})`;
  } else if (!(await videoStored(deps.mediaDir, content))) fields.contentId = 'its video is no longer stored (media retention deleted it)';
  const ownedIds = new Set((await accountsOfModelWithPlatform(deps.db, modelId)).map((a) => a.id));
  const strangers = body.accountIds.filter((id) => !ownedIds.has(id));
  if (strangers.length > 0) fields.accountIds = `not accounts of this model: ${strangers.join(', ')}`;
  if (!body.caption.trim()) fields.caption = 'must not be empty';
  if (Object.keys(fields).length > 0) {
    const where = Object.entries(fields).map(([f, m]) => `${f}: ${m}`).join('; ');
    throw new ServiceError('invalid', 'invalid_live_posting', `live posting not saved: ${where}`, { fields });
  }
  const settings: LivePostingSettings = { enabled: body.enabled, contentId: body.contentId, accountIds: body.accountIds, caption: body.caption.trim() };
  await saveLivePosting(deps.db, modelId, settings, actor);
  return getLivePosting(deps, modelId);
}
