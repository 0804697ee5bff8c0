/**
 * Reposts (issue 17, PRD contenido_origen_id): a new content linked to its origin, going only to chosen accounts,
 * with a new caption draft; used by the repost service (dashboard) and by live-aware posting (stream workflow).
 *
 * Decisions:
 * - The origin is always the family's root: reposting a repost reposts its origin, so one cooldown covers them all.
 * - The repost row starts with the origin's file path and facts (sha256, duration, size…); ingest then gives it its
 *   own file (a hard link in media/<repostId>/, a copy where linking fails) and skips the probe, the hash and the
 *   duplicate check. Each content owns its file, so media retention deleting one never takes the other's video.
 *   A `reusable` origin is not touched by retention (it only deletes `approved` contents' videos); neither is the clip
 *   an enabled live-posting setting names (db/media-retention.ts).
 * - Cooldown (evergreen only): an account is in cooldown while the family (origin + reposts) has a post on it
 *   published within `cooldownDays`, or one still to go out (scheduled, held, processing, unconfirmed, or a repost
 *   not yet scheduled that targets it). Live posts skip the cooldown (at most one per session is their limit) but
 *   count towards it.
 * - The caption: the given one for each target platform (the model's hashtags for it, fitted to its limits, `{link}`
 *   kept for the post's tracking link); without one the pipeline drafts a fresh caption from the origin's context
 *   (LLM when configured) for the target platforms only.
 * - Status starts `new`: the content workflow applies the model's approval setting (and moderation) as for any video.
 */
import { existsSync } from 'node:fs';
import { and, asc, desc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import { fitDraft, hashtagsFor } from '../core/captions.js';
import { cooldownUntil, defaultRepostCooldownDays, type AccountCooldown } from '../core/reposts.js';
import type { LivePostingSettings } from '../core/streams.js';
import type { CaptionDrafts } from '../core/types.js';
import { contentWorkflowId } from '../contracts/workflows.js';
import { randomUUID } from 'node:crypto';
import { type Db, inTransaction } from './client.js';
import { recordEvent } from './events.js';
import { loadPublishingContext } from './publishing-context.js';
import { contents, models, platformAccounts, platforms, publications, publicationStats, streams, type Content } from './schema.js';

export interface RepostInput {
  originContentId: string;
  accountIds: string[];
  /** The caption draft for every target platform; absent = a new draft from the origin's. */
  caption?: string;
  actor: string;
  /** Live-aware posting: the session it is for (at most one such content per session). */
  live?: { streamId: string };
  /** Evergreen cooldown per account in days (config `streams.repostCooldownDays`); absent = the default, 30. Not applied to live posts. */
  cooldownDays?: number;
}

export type RepostErrorCode =
  | 'origin_not_found' | 'not_reusable' | 'origin_media_missing' | 'unknown_accounts' | 'accounts_unavailable'
  | 'no_accounts' | 'cooldown' | 'stream_not_found';

/** An account a refusal names (cooldown, unavailable). */
export interface RepostAccountRef {
  accountId: string;
  username: string;
  platform: string;
  /** `cooldown`: when it ends (null while a post of the family is still pending there). */
  until?: Date | null;
}

/** Why a repost was refused; `code` is stable, `message` (English, for logs and API clients) names the accounts. */
export class RepostError extends Error {
  constructor(readonly code: RepostErrorCode, message: string, readonly accounts: RepostAccountRef[] = []) {
    super(message);
    this.name = 'RepostError';
  }
}

const postedStatuses = ['published', 'published_as_draft'] as const;
const pendingStatuses = ['scheduled', 'held', 'processing', 'unconfirmed'] as const;

/** The family's root: the content itself, or the origin it reposts. */
export async function repostRoot(db: Db, contentId: string, opts: { lock?: boolean } = {}): Promise<Content | undefined> {
  const find = (id: string) => {
    const query = db.select().from(contents).where(eq(contents.id, id));
    return (opts.lock ? query.for('update') : query).then((rows) => rows[0]);
  };
  const content = await find(contentId);
  if (!content?.originContentId) return content;
  return (await find(content.originContentId)) ?? content;
}

/** Whether any publication of the content went out. */
export async function hasPostedPublication(db: Db, contentId: string): Promise<boolean> {
  const [row] = await db.select({ id: publications.id }).from(publications)
    .where(and(eq(publications.contentId, contentId), inArray(publications.status, [...postedStatuses]))).limit(1);
  return row !== undefined;
}

/**
 * The accounts among `accountIds` in cooldown for the family of `rootId` at `now` (see the decisions above). An
 * account with both a recent post and a pending one reads `pending` (its cooldown has not started counting yet).
 */
export async function repostCooldowns(db: Db, rootId: string, accountIds: string[], days: number, now = new Date()): Promise<AccountCooldown[]> {
  if (accountIds.length === 0) return [];
  const family = or(eq(contents.id, rootId), eq(contents.originContentId, rootId));
  const since = new Date(now.getTime() - days * 86_400_000);
  const [posted, pendingReposts] = await Promise.all([
    db.select({
      accountId: publications.accountId,
      lastPostedAt: sql<string | null>`max(${publications.publishedAt}) filter (where ${inArray(publications.status, [...postedStatuses])})`,
      pending: sql<boolean>`bool_or(${inArray(publications.status, [...pendingStatuses])})`,
    })
      .from(publications).innerJoin(contents, eq(contents.id, publications.contentId))
      .where(and(family, inArray(publications.accountId, accountIds)))
      .groupBy(publications.accountId),
    // A repost not scheduled yet (ingesting, captioning, waiting for approval) already holds its accounts.
    db.select({ targets: contents.targetAccountIds }).from(contents).where(and(
      eq(contents.originContentId, rootId), inArray(contents.status, ['new', 'approved']),
      sql`not exists (select 1 from ${publications} p where p.content_id = ${contents.id})`,
    )),
  ]);
  const out = new Map<string, AccountCooldown>();
  const wanted = new Set(accountIds);
  for (const { targets } of pendingReposts) {
    for (const accountId of targets ?? []) if (wanted.has(accountId)) out.set(accountId, { accountId, cause: 'pending', until: null });
  }
  for (const row of posted) {
    if (out.has(row.accountId)) continue;
    if (row.pending) {
      out.set(row.accountId, { accountId: row.accountId, cause: 'pending', until: null });
      continue;
    }
    const last = row.lastPostedAt ? new Date(row.lastPostedAt) : null;
    if (last && days > 0 && last >= since) out.set(row.accountId, { accountId: row.accountId, cause: 'posted', until: cooldownUntil(last, days) });
  }
  return accountIds.flatMap((id) => (out.has(id) ? [out.get(id)!] : []));
}

const describeAccounts = (refs: RepostAccountRef[]) => refs.map((r) => `@${r.username} (${r.platform}${
  r.until === undefined ? '' : r.until === null ? ', a post still pending' : `, until ${r.until.toISOString()}`})`).join(', ');

/** Creates the repost content row (idempotent for `live`: the session's existing one is returned, `created: false`). */
export async function createRepost(db: Db, input: RepostInput): Promise<{ contentId: string; created: boolean }> {
  return inTransaction(db, async (tx) => {
    let streamModelId: string | undefined;
    if (input.live) {
      // The session's row lock makes two broadcastStart deliveries (or two workers) create one content.
      const [stream] = await tx.select({ id: streams.id, modelId: streams.modelId, livePostContentId: streams.livePostContentId })
        .from(streams).where(eq(streams.id, input.live.streamId)).for('update');
      if (!stream) throw new RepostError('stream_not_found', `stream ${input.live.streamId} not found`);
      if (stream.livePostContentId) return { contentId: stream.livePostContentId, created: false };
      streamModelId = stream.modelId;
    }

    // The root's row lock serialises reposts of one family, so two at once never both pass the cooldown.
    const root = await repostRoot(tx, input.originContentId, { lock: true });
    if (!root) throw new RepostError('origin_not_found', `content ${input.originContentId} not found`);
    if (streamModelId && root.modelId !== streamModelId) {
      throw new RepostError('origin_not_found', `content ${root.id} is not a content of the stream's model`);
    }
    const reusable = root.status === 'reusable' || (input.live !== undefined && await hasPostedPublication(tx, root.id));
    if (!reusable) {
      throw new RepostError('not_reusable', input.live
        ? `content ${root.id} is neither marked reusable nor published`
        : `content ${root.id} is not marked reusable (it is ${root.status}); mark it reusable first`);
    }
    if (!existsSync(root.filePath)) throw new RepostError('origin_media_missing', `the video of content ${root.id} is no longer stored (media retention deleted it)`);

    const publishing = await loadPublishingContext(tx, { modelId: root.modelId });
    if (!publishing) throw new RepostError('origin_not_found', `model ${root.modelId} not found`);
    const owned = await tx.select({ id: platformAccounts.id, username: platformAccounts.username, platform: platforms.name })
      .from(platformAccounts).innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
      .where(eq(platformAccounts.modelId, root.modelId));
    const ref = new Map(owned.map((a) => [a.id, { accountId: a.id, username: a.username, platform: a.platform }]));
    const available = new Map(publishing.targets.map((t) => [t.account.id, t]));
    const asked = [...new Set(input.accountIds)];
    const unknown = asked.filter((id) => !ref.has(id));
    if (unknown.length > 0) throw new RepostError('unknown_accounts', `accountIds: not accounts of this model: ${unknown.join(', ')}`);
    const unavailable = asked.filter((id) => !available.has(id)).map((id) => ref.get(id)!);
    // A live setting may name an account paused since: it is left out. A person asking for one hears why.
    if (unavailable.length > 0 && !input.live) {
      throw new RepostError('accounts_unavailable', `accountIds: cannot publish now (inactive account, disabled platform or not allowed by her rules): ${describeAccounts(unavailable)}`, unavailable);
    }
    let candidates = (asked.length > 0 ? asked : [...available.keys()]).filter((id) => available.has(id));
    if (candidates.length === 0) throw new RepostError('no_accounts', `model ${publishing.model.name} has no account that can publish now`);

    if (!input.live) {
      const cooled = await repostCooldowns(tx, root.id, candidates, input.cooldownDays ?? defaultRepostCooldownDays);
      const blocked = new Set(cooled.map((c) => c.accountId));
      candidates = candidates.filter((id) => !blocked.has(id));
      if (candidates.length === 0) {
        const refs = cooled.map((c) => ({ ...ref.get(c.accountId)!, until: c.until }));
        throw new RepostError('cooldown', `every account is in its repost cooldown: ${describeAccounts(refs)}`, refs);
      }
    }

    let drafts: CaptionDrafts | null = null;
    const caption = input.caption?.trim();
    if (caption) {
      drafts = {};
      for (const id of candidates) {
        const { platform, capabilities } = available.get(id)!;
        drafts[platform.name] ??= fitDraft({ caption, tags: hashtagsFor(publishing.rules, platform.name), source: 'edited' }, capabilities);
      }
    }
    const first = drafts ? Object.values(drafts)[0] : undefined;
    const id = randomUUID();
    await tx.insert(contents).values({
      id, modelId: root.modelId, filePath: root.filePath, originalFilename: root.originalFilename, sha256: root.sha256,
      durationSeconds: root.durationSeconds, width: root.width, height: root.height, sizeBytes: root.sizeBytes, codec: root.codec,
      sentBy: input.actor, context: root.context, sensitive: root.sensitive,
      captionDrafts: drafts, generatedCaption: first?.caption ?? null, generatedTags: first?.tags ?? null,
      originContentId: root.id, targetAccountIds: candidates, workflowId: contentWorkflowId(id),
    });
    const links = { contentId: id, modelId: root.modelId, actor: input.actor };
    if (input.live) {
      await tx.update(streams).set({ livePostContentId: id }).where(eq(streams.id, input.live.streamId));
      await recordEvent(tx, 'content_reposted', { originContentId: root.id, accounts: candidates.length, live: true }, links);
      await recordEvent(tx, 'live_post_created', { streamId: input.live.streamId, accounts: candidates.length }, links);
    } else {
      await recordEvent(tx, 'content_reposted', { originContentId: root.id, accounts: candidates.length }, links);
    }
    return { contentId: id, created: true };
  });
}

/** Removes a repost whose workflow could not start (nothing references it yet); its events stay, unlinked. */
export async function deleteUnstartedRepost(db: Db, contentId: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    await tx.update(streams).set({ livePostContentId: null }).where(eq(streams.livePostContentId, contentId));
    await tx.delete(contents).where(and(eq(contents.id, contentId), sql`${contents.originContentId} is not null`,
      sql`not exists (select 1 from ${publications} p where p.content_id = ${contents.id})`));
  });
}

/** Marks (or unmarks) a root content reusable: `approved` ⇄ `reusable`, with its event, in one transaction. */
export async function setContentReusable(db: Db, contentId: string, reusable: boolean, actor: string): Promise<Content | undefined> {
  return inTransaction(db, async (tx) => {
    const [content] = await tx.select().from(contents).where(eq(contents.id, contentId)).for('update');
    if (!content) return undefined;
    const target = reusable ? 'reusable' : 'approved';
    if (content.status === target) return content;
    const [updated] = await tx.update(contents).set({ status: target }).where(eq(contents.id, contentId)).returning();
    await recordEvent(tx, 'strategy_changed', { change: reusable ? 'content marked reusable' : 'content no longer reusable' }, {
      contentId, modelId: content.modelId, actor,
    });
    return updated;
  });
}

export interface FamilyPublication {
  id: string;
  accountId: string;
  username: string;
  platform: string;
  status: string;
  scheduledTime: Date | null;
  publishedAt: Date | null;
  postUrl: string | null;
  views: number | null;
  likes: number | null;
  clicks: number;
}

export interface FamilyMember {
  content: Content;
  /** The session it was the "en vivo ahora" post of, when it was one. */
  liveStreamId: string | null;
  publications: FamilyPublication[];
}

/** The family of a content (its root first, then the reposts, oldest first), each with its publications' latest results. */
export async function repostFamily(db: Db, contentId: string): Promise<FamilyMember[] | undefined> {
  const root = await repostRoot(db, contentId);
  if (!root) return undefined;
  const reposts = await db.select().from(contents).where(eq(contents.originContentId, root.id))
    .orderBy(asc(contents.receivedAt), asc(contents.id));
  const members = [root, ...reposts];
  const ids = members.map((c) => c.id);
  const [pubs, live] = await Promise.all([
    db.select({
      contentId: publications.contentId, id: publications.id, accountId: publications.accountId, username: platformAccounts.username,
      platform: platforms.name, status: publications.status, scheduledTime: publications.scheduledTime, publishedAt: publications.publishedAt,
      postUrl: publications.postUrl, views: publicationStats.views, likes: publicationStats.likes,
      clicks: sql<number>`coalesce(${publicationStats.clicks}, 0)`.mapWith(Number),
    })
      .from(publications)
      .innerJoin(platformAccounts, eq(platformAccounts.id, publications.accountId))
      .innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
      .leftJoin(publicationStats, eq(publicationStats.publicationId, publications.id))
      .where(inArray(publications.contentId, ids))
      .orderBy(asc(publications.createdAt), asc(publications.id)),
    db.select({ id: streams.id, contentId: streams.livePostContentId }).from(streams).where(inArray(streams.livePostContentId, ids)),
  ]);
  return members.map((content) => ({
    content,
    liveStreamId: live.find((s) => s.contentId === content.id)?.id ?? null,
    publications: pubs.filter((p) => p.contentId === content.id).map(({ contentId: _c, ...p }) => p),
  }));
}

export interface ReusableSuggestion {
  contentId: string;
  modelId: string;
  modelName: string;
  filePath: string;
  thumbnailPath: string | null;
  context: string | null;
  receivedAt: Date;
  posts: number;
  views: number;
  likes: number;
  clicks: number;
  lastPublishedAt: Date | null;
}

/**
 * Published root contents not marked reusable yet, with the summed latest results of their posts, best first by
 * clicks then views (what the analytics page suggests marking reusable).
 */
export async function reusableSuggestions(db: Db, opts: { modelId?: string; limit: number }): Promise<ReusableSuggestion[]> {
  const posted = inArray(publications.status, [...postedStatuses]);
  const clicks = sql<number>`coalesce(sum(${publicationStats.clicks}), 0)`.mapWith(Number);
  const views = sql<number>`coalesce(sum(${publicationStats.views}), 0)`.mapWith(Number);
  return db.select({
    contentId: contents.id, modelId: contents.modelId, modelName: models.name, filePath: contents.filePath, thumbnailPath: contents.thumbnailPath,
    context: contents.context, receivedAt: contents.receivedAt,
    posts: sql<number>`count(${publications.id})`.mapWith(Number), views,
    likes: sql<number>`coalesce(sum(${publicationStats.likes}), 0)`.mapWith(Number), clicks,
    lastPublishedAt: sql<Date | null>`max(${publications.publishedAt})`.mapWith((v: string | null) => (v ? new Date(v) : null)),
  })
    .from(contents)
    .innerJoin(models, eq(models.id, contents.modelId))
    .innerJoin(publications, and(eq(publications.contentId, contents.id), posted))
    .leftJoin(publicationStats, eq(publicationStats.publicationId, publications.id))
    .where(and(eq(contents.status, 'approved'), isNull(contents.originContentId), opts.modelId ? eq(contents.modelId, opts.modelId) : undefined))
    .groupBy(contents.id, models.name)
    .orderBy(desc(clicks), desc(views), desc(contents.receivedAt))
    .limit(opts.limit);
}

/** A model's live-posting setting (null = never set). */
export async function findLivePosting(db: Db, modelId: string): Promise<{ modelName: string; settings: LivePostingSettings | null } | undefined> {
  const [row] = await db.select({ name: models.name, livePosting: models.livePosting }).from(models).where(eq(models.id, modelId));
  return row ? { modelName: row.name, settings: row.livePosting ?? null } : undefined;
}

/** Stores a model's live-posting setting with its `model_updated` event, in one transaction. */
export async function saveLivePosting(db: Db, modelId: string, settings: LivePostingSettings, actor: string): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    const [row] = await tx.update(models).set({ livePosting: settings }).where(eq(models.id, modelId))
      .returning({ name: models.name });
    if (!row) return false;
    await recordEvent(tx, 'model_updated', { name: row.name, changed: ['livePosting'] }, { modelId, actor });
    return true;
  });
}

/** A model's root contents a live-posting setting may name: reusable, or approved with a published post; newest first. */
export async function livePostingCandidates(db: Db, modelId: string, limit: number): Promise<Content[]> {
  const posted = sql`exists (select 1 from ${publications} p where p.content_id = ${contents.id} and p.status in ('published', 'published_as_draft'))`;
  return db.select().from(contents)
    .where(and(eq(contents.modelId, modelId), isNull(contents.originContentId),
      or(eq(contents.status, 'reusable'), and(eq(contents.status, 'approved'), posted))))
    .orderBy(desc(contents.receivedAt)).limit(limit);
}

/** Every account of a model (any status) with its platform's name, by platform then username. */
export async function accountsOfModelWithPlatform(db: Db, modelId: string) {
  return db.select({ id: platformAccounts.id, username: platformAccounts.username, platform: platforms.name, status: platformAccounts.status })
    .from(platformAccounts).innerJoin(platforms, eq(platforms.id, platformAccounts.platformId))
    .where(eq(platformAccounts.modelId, modelId)).orderBy(asc(platforms.name), asc(platformAccounts.username));
}
