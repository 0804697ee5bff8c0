/**
 * Evergreen reposts and live posts against the real stack (PostgreSQL, Temporal dev server, Chromium, demo platform):
 * a repost runs the whole content workflow to published on its target accounts only, is never a duplicate, holds its
 * own copy of the video; the cooldown refuses; the origin's and the reposts' results come back together; live posts
 * are created once per session and put the tracking link where `{link}` was.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDistributionRules } from '../core/types.js';
import { contentWorkflowId, TaskQueues, WorkflowTypes } from '../contracts/workflows.js';
import { eventsOf } from '../db/events.js';
import { publishedContentsBefore } from '../db/media-retention.js';
import { createRepost, RepostError } from '../db/reposts.js';
import { contents, models, publicationStats, streams } from '../db/schema.js';
import { postJson, type PublicationJson } from './helpers/lifecycle.js';
import { demoAccount, publishedAndSettled as settle, repostModel, setAccountStatus, uploadFreshClip } from './helpers/reposts.js';
import { getJson, startTestStack, type TestStack } from './helpers/stack.js';

let stack: TestStack;
const run = randomBytes(4).toString('hex');
let modelId: string;
let accountA: string;
let accountB: string;

const db = () => stack.app.db.db;

beforeAll(async () => {
  stack = await startTestStack({ embedded: false, env: { REPOST_COOLDOWN_DAYS: '30' } });
  modelId = await repostModel(stack, 'Repost', run);
  accountA = await demoAccount(stack, modelId, `repost_a_${run}`, 'active');
  // B joins after the origin went out, so the origin is on A only.
  accountB = await demoAccount(stack, modelId, `repost_b_${run}`, 'paused');
});
afterAll(async () => stack?.close());

const post = (path: string, body?: unknown) => postJson(stack, path, body);
const publicationsOf = async (contentId: string) =>
  (await getJson<{ items: (PublicationJson & { accountUsername: string })[] }>(stack, `/api/publications?contentId=${contentId}`)).items;

const publishedAndSettled = (contentId: string) => settle(stack, contentId);

describe('evergreen reposts', () => {
  let originId: string;
  let repostId: string;
  let video: Buffer;

  it('refuses to repost or mark a content that is not published yet', async () => {
    ({ id: originId, video } = await uploadFreshClip(stack, modelId, `Original ${run}`));
    expect(await post(`/api/contents/${originId}/reposts`, {})).toMatchObject({ status: 409, body: { error: 'not_reusable' } });
    expect(await post(`/api/contents/${originId}/reusable`, { reusable: true })).toMatchObject({ status: 409, body: { error: 'not_published' } });
    await publishedAndSettled(originId);
    const pubs = await publicationsOf(originId);
    expect(pubs.map((p) => p.accountUsername)).toEqual([`repost_a_${run}`]);
  });

  it('marks the published origin reusable, and refuses reposting on an account in cooldown', async () => {
    expect(await post(`/api/contents/${originId}/reusable`, { reusable: true })).toMatchObject({ status: 200, body: { id: originId, status: 'reusable' } });
    await setAccountStatus(stack, accountB, 'active');

    const refused = await post(`/api/contents/${originId}/reposts`, { accountIds: [accountA] });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('cooldown');
    expect(refused.body.message).toContain(`@repost_a_${run}`);
    expect(refused.body.fields.accountIds).toContain('until');
    expect(await post(`/api/contents/${originId}/reposts`, { accountIds: [crypto.randomUUID()] }))
      .toMatchObject({ status: 400, body: { error: 'unknown_accounts' } });
    expect(await post(`/api/contents/${originId}/reposts`, { caption: 'x'.repeat(2201) })).toMatchObject({ status: 400 });
  });

  it('runs a repost through the whole workflow to published on its target accounts only, never as a duplicate', async () => {
    const created = await post(`/api/contents/${originId}/reposts`, {});
    expect(created.status).toBe(201);
    repostId = created.body.id;
    expect(created.body).toMatchObject({ workflowId: contentWorkflowId(repostId), originContentId: originId, targetAccountIds: [accountB] });

    const publication = await publishedAndSettled(repostId);
    expect(publication.postUrl).toMatch(new RegExp(`^${stack.demo.url}/p/`));
    expect((await publicationsOf(repostId)).map((p) => [p.accountUsername, p.status])).toEqual([[`repost_b_${run}`, 'published']]);
    const result = await stack.app.temporal.workflow.getHandle(contentWorkflowId(repostId)).result();
    expect(result).toMatchObject({ status: 'scheduled' });

    const [repost] = await db().select().from(contents).where(eq(contents.id, repostId));
    const [origin] = await db().select().from(contents).where(eq(contents.id, originId));
    expect(repost).toMatchObject({ status: 'approved', duplicateOfId: null, originContentId: originId, sha256: origin!.sha256 });
    const kinds = (await eventsOf(db(), { contentId: repostId })).map((e) => e.type);
    expect(kinds).toContain('content_reposted');
    expect(kinds).toContain('content_ingested');
    expect(kinds).not.toContain('content_duplicate');

    // Its own file (a hard link here), so retention deleting one never takes the other's video.
    expect(repost!.filePath).toBe(join(stack.dataDir, 'media', repostId, 'original.mp4'));
    expect(existsSync(repost!.thumbnailPath!)).toBe(true);
    expect(readFileSync(repost!.filePath).equals(video)).toBe(true);
    expect(statSync(origin!.filePath).ino).toBe(statSync(repost!.filePath).ino);
    // Retention would delete the repost's video once its posts are final, never the reusable origin's.
    const far = new Date(Date.now() + 86_400_000);
    const retainable = (await publishedContentsBefore(db(), { cutoff: far, failedBefore: far, afterId: null, limit: 10_000 })).map((c) => c.id);
    expect(retainable).toContain(repostId);
    expect(retainable).not.toContain(originId);
  });

  it('refuses a second repost while every account is in cooldown, naming them', async () => {
    const refused = await post(`/api/contents/${originId}/reposts`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('cooldown');
    expect(refused.body.message).toContain(`@repost_a_${run}`);
    expect(refused.body.message).toContain(`@repost_b_${run}`);
    // Reposting the repost reposts its origin: the same family, the same cooldown.
    expect(await post(`/api/contents/${repostId}/reposts`, {})).toMatchObject({ status: 409, body: { error: 'cooldown' } });
  });

  it('shows the origin and its reposts with their results together', async () => {
    const family = await getJson<Record<string, any>>(stack, `/api/contents/${repostId}/reposts`);
    expect(family).toMatchObject({ originId, contentId: repostId, reusable: true, mediaDeleted: false, cooldownDays: 30 });
    expect(family.members.map((m: any) => [m.id, m.isOrigin])).toEqual([[originId, true], [repostId, false]]);
    const stats = await db().select().from(publicationStats)
      .where(inArray(publicationStats.publicationId, family.members.flatMap((m: any) => m.publications.map((p: any) => p.id))));
    expect(stats).toHaveLength(2);
    let views = 0;
    for (const member of family.members) {
      expect(member.publications).toHaveLength(1);
      const p = member.publications[0];
      const s = stats.find((x) => x.publicationId === p.id)!;
      expect(p).toMatchObject({ status: 'published', views: s.views, likes: s.likes, clicks: s.clicks });
      expect(p.views).toBeGreaterThan(0);
      views += p.views;
    }
    expect(family.members[0].publications[0].accountId).toBe(accountA);
    expect(family.members[1].publications[0].accountId).toBe(accountB);
    expect(family.totals).toMatchObject({ posts: 2, views });
    const cooling = Object.fromEntries(family.accounts.map((a: any) => [a.accountId, a.cooldown]));
    expect(cooling).toEqual({ [accountA]: 'posted', [accountB]: 'posted' });
  });

  it('unmarks the origin: back to approved, and no longer repostable', async () => {
    expect(await post(`/api/contents/${originId}/reusable`, { reusable: false })).toMatchObject({ status: 200, body: { status: 'approved' } });
    expect(await post(`/api/contents/${originId}/reposts`, {})).toMatchObject({ status: 409, body: { error: 'not_reusable' } });
    expect(await post(`/api/contents/${repostId}/reusable`, { reusable: true })).toMatchObject({ status: 409, body: { error: 'is_repost' } });
  });

  it('saves a live-posting setting only with her own clip and accounts, and keeps that clip from media retention', async () => {
    const put = async (body: unknown) => {
      const response = await fetch(`${stack.url}/api/models/${modelId}/live-posting`, {
        method: 'PUT', headers: { authorization: `Bearer ${stack.apiToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    };
    const setting = { enabled: true, contentId: originId, accountIds: [accountB], caption: 'En vivo {link}' };
    const wrong = await put({ ...setting, contentId: crypto.randomUUID(), accountIds: [crypto.randomUUID()] });
    expect(wrong).toMatchObject({ status: 400, body: { error: 'invalid_live_posting' } });
    expect(Object.keys(wrong.body.fields).sort()).toEqual(['accountIds', 'contentId']);
    expect(await put({ ...setting, contentId: repostId })).toMatchObject({ status: 400, body: { fields: { contentId: expect.stringContaining('repost') } } });
    expect(await put({ ...setting, accountIds: [] })).toMatchObject({ status: 400, body: { error: 'invalid_request' } });

    const far = new Date(Date.now() + 86_400_000);
    const retainable = async () => (await publishedContentsBefore(db(), { cutoff: far, failedBefore: far, afterId: null, limit: 10_000 })).map((c) => c.id);
    // Unmarked, the published origin's video would go once its posts are old enough…
    expect(await retainable()).toContain(originId);
    const saved = await put(setting);
    expect(saved.status).toBe(200);
    expect(saved.body.settings).toEqual(setting);
    expect(saved.body.candidates.map((c: any) => c.id)).toContain(originId);
    // …but not while an enabled setting names it.
    expect(await retainable()).not.toContain(originId);
    expect((await put({ ...setting, enabled: false })).status).toBe(200);
    expect(await retainable()).toContain(originId);
  });

  describe('live posts', () => {
    it('creates one content per session however often it is asked, and posts the link where {link} was', async () => {
      const [stream] = await db().insert(streams).values({ modelId, site: 'chaturbate', startedAt: new Date(), origin: 'events_api' }).returning();
      // The live-posting setting names the clip: it is published (not reusable now), which is enough for live posts.
      const input = { originContentId: originId, accountIds: [accountB], caption: 'En vivo ahora {link} ven', actor: 'system:live', live: { streamId: stream!.id } };
      const [first, second] = await Promise.all([createRepost(db(), input), createRepost(db(), input)]);
      expect(first.contentId).toBe(second.contentId);
      expect([first.created, second.created].sort()).toEqual([false, true]);
      const third = await createRepost(db(), input);
      expect(third).toEqual({ contentId: first.contentId, created: false });
      const liveId = first.contentId;

      const [row] = await db().select().from(streams).where(eq(streams.id, stream!.id));
      expect(row!.livePostContentId).toBe(liveId);
      const live = await db().select().from(contents).where(and(eq(contents.originContentId, originId), eq(contents.id, liveId)));
      // Live posts skip the evergreen cooldown (B was posted on within it).
      expect(live[0]).toMatchObject({ targetAccountIds: [accountB], status: 'new' });
      const kinds = (await eventsOf(db(), { contentId: liveId })).map((e) => e.type);
      expect(kinds.filter((k) => k === 'live_post_created')).toHaveLength(1);
      expect(kinds.filter((k) => k === 'content_reposted')).toHaveLength(1);

      // Then through the normal content workflow, as the stream-source workflow starts it.
      await stack.app.temporal.workflow.start(WorkflowTypes.content, {
        workflowId: contentWorkflowId(liveId), taskQueue: TaskQueues.pipeline, args: [{ contentId: liveId, options: stack.app.config.lifecycle }],
      });
      const publication = await publishedAndSettled(liveId);
      const [body, ...rest] = publication.caption.split('\n\n');
      const base = stack.app.config.http.publicUrl.replace(/\/+$/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      expect(body).toMatch(new RegExp(`^En vivo ahora ${base}/t/[a-z0-9]+/[0-9a-f]{12} ven$`));
      expect(rest.join('\n\n')).not.toContain('/t/');
      expect(publication.caption).not.toContain('{link}');
    });

    it('refuses a session of another model and an unknown session', async () => {
      const other = await db().insert(models).values({ name: `Other ${run}`, distribution: defaultDistributionRules }).returning();
      const [stream] = await db().insert(streams).values({ modelId: other[0]!.id, site: 'chaturbate', startedAt: new Date(), origin: 'events_api' }).returning();
      const input = { originContentId: originId, accountIds: [accountB], actor: 'system:live' };
      await expect(createRepost(db(), { ...input, live: { streamId: stream!.id } })).rejects.toBeInstanceOf(RepostError);
      await expect(createRepost(db(), { ...input, live: { streamId: crypto.randomUUID() } })).rejects.toMatchObject({ code: 'stream_not_found' });
    });
  });
});
