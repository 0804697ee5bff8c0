/**
 * Telegram channels end to end through the product: the app's bot (TELEGRAM_BOT_TOKEN, talking to the fake Bot
 * API) is an administrator of a channel, the account stores only which channel (`{ chatId }`), and a video goes
 * from POST /api/contents to a channel post with the marker, the "Ver en vivo" button and a spoiler for a
 * sensitive model. Telegram gives a bot no counters, so nothing is stored for metrics. The bot removed from the
 * channel holds the account until it is an administrator again and the account is reconnected; a 429 waits for
 * retry_after; a lost answer ends `unconfirmed` with one post only (the Bot API cannot search a channel); a 400
 * fails with Telegram's words; a clip over the platform's size is not sent at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAccountWithPlatform } from '../db/accounts.js';
import { findContent } from '../db/contents.js';
import { eventsOf } from '../db/events.js';
import { findPublication, metricsOfPublication, publicationsOfContent } from '../db/publications.js';
import { startFakeTelegram, type FakeTelegram, type RecordedCall, type TgChat } from './fakes/telegram-server.js';
import { alertsOf, api, createApiAccount, oneOutTwoWaiting, platformIdOf, publishClip, waitForRetryToEnd, waitForStatus } from './helpers/api-platform.js';
import { makeTestVideo } from './helpers/media.js';
import { startTestStack, uploadVideo, type TestStack } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

let stack: TestStack;
let tg: FakeTelegram;

beforeAll(async () => {
  tg = await startFakeTelegram();
  // The fake plays the cloud Bot API (50 MB uploads). The app's bot also long-polls it; nothing here writes to it.
  stack = await startTestStack({
    embedded: false,
    // A public PUBLIC_URL: Telegram takes a button only to a host with a dot (the post's tracking link).
    env: { TELEGRAM_API_ROOT: tg.apiRoot, TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_LOCAL_API: 'false', PUBLIC_URL: 'https://trafico.example' },
  });
});
afterAll(async () => {
  await stack?.close();
  await tg?.close();
});

const db = () => stack.app.db.db;
const run = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;

type CredentialsReply = { error?: string; fields?: Record<string, string>; state?: string; status?: string };

function newChannel(opts: { private?: boolean; bot?: Parameters<FakeTelegram['addChannel']>[1] } = {}): TgChat {
  const id = run();
  return tg.addChannel({ title: `Canal ${id}`, ...(opts.private ? {} : { username: `canal_${id}` }) }, opts.bot);
}

async function connectedChannel(opts: { sensitive?: boolean; private?: boolean } = {}) {
  const channel = newChannel({ private: opts.private });
  const account = await createApiAccount(stack, 'telegram', { username: channel.username ?? `privado_${run()}`, sensitive: opts.sensitive });
  const connected = await api<CredentialsReply>(stack, 'POST', `/api/accounts/${account.accountId}/credentials`, { chatId: channel.username ? `@${channel.username}` : channel.id });
  expect(connected).toMatchObject({ status: 200, body: { state: 'logged_in', status: 'active' } });
  return { ...account, channel };
}

/** sendVideo calls to this channel, in order (the lost one included: it posted). */
const sendsTo = (chat: TgChat): RecordedCall[] => tg.callsTo('sendVideo').filter((c) => Number(c.params.chat_id) === chat.id);
/** The channel's posts by message id: the fake numbers them 1, 2, … per chat. */
const postsIn = (chat: TgChat) => {
  const posts = [];
  for (let id = 1; tg.message(chat.id, id); id++) posts.push(tg.message(chat.id, id)!);
  return posts;
};

describe('connecting a channel', () => {
  it('refuses, naming chatId, a channel where the bot is no administrator, a group, and a private channel without the bot', async () => {
    const { accountId } = await createApiAccount(stack, 'telegram');
    const credentials = (chatId: unknown) => api<CredentialsReply>(stack, 'POST', `/api/accounts/${accountId}/credentials`, { chatId });

    const memberOnly = newChannel({ bot: { status: 'member' } });
    const notAdmin = await credentials(`@${memberOnly.username}`);
    expect(notAdmin.status).toBe(400);
    expect(notAdmin.body.error).toBe('credentials_rejected');
    expect(Object.keys(notAdmin.body.fields ?? {})).toEqual(['chatId']);
    expect(notAdmin.body.fields!.chatId).toMatch(/not an administrator.*Post messages/);

    const noPosting = newChannel({ bot: { status: 'administrator', canPostMessages: false } });
    const withoutRight = await credentials(noPosting.id);
    expect(withoutRight.status).toBe(400);
    expect(withoutRight.body.fields!.chatId).toMatch(/without the "Post messages" right/);

    const group: TgChat = { id: -(1_000_000_000_000 + Math.floor(Math.random() * 1e9)), type: 'supergroup', title: 'Un grupo' };
    tg.addChat(group);
    const notChannel = await credentials(String(group.id));
    expect(notChannel.status).toBe(400);
    expect(Object.keys(notChannel.body.fields ?? {})).toEqual(['chatId']);
    expect(notChannel.body.fields!.chatId).toMatch(/is a supergroup chat, not a channel/);

    const privateWithoutBot = newChannel({ private: true, bot: { status: 'left' } });
    const notMember = await credentials(privateWithoutBot.id);
    expect(notMember.status).toBe(400);
    expect(notMember.body.fields!.chatId).toMatch(/not a member of the channel chat/);

    const malformed = await credentials('no es un canal!');
    expect(malformed.status).toBe(400);
    expect(Object.keys(malformed.body.fields ?? {})).toEqual(['chatId']);
    expect((await findAccountWithPlatform(db(), accountId))!.account.authData).toBeNull();
  });

  it('connects a channel where the bot may post: the account publishes through the API and keeps no token', async () => {
    const channel = newChannel();
    const { accountId, username } = await createApiAccount(stack, 'telegram', { username: channel.username });
    const connected = await api<CredentialsReply>(stack, 'POST', `/api/accounts/${accountId}/credentials`, { chatId: `https://t.me/${channel.username}` });
    expect(connected).toMatchObject({ status: 200, body: { state: 'logged_in', status: 'active' } });
    const stored = (await findAccountWithPlatform(db(), accountId))!.account;
    expect(stored.authData).toMatch(/^v2\./);
    expect(stored.authData).not.toContain(tg.token);
    expect(stored.status).toBe('active');
    const listed = await api<{ items: { id: string; publishesVia: string; connectWays: string[]; sessionSaved: boolean }[] }>(
      stack, 'GET', `/api/accounts?q=${encodeURIComponent(username)}`,
    );
    expect(listed.body.items.find((a) => a.id === accountId)).toMatchObject({ publishesVia: 'api', sessionSaved: true });
    // The connection asked Telegram about this very channel and the bot itself.
    expect(tg.callsTo('getChatMember').some((c) => Number(c.params.chat_id) === channel.id && Number(c.params.user_id) === tg.bot.id && c.status === 200)).toBe(true);
  });
});

describe('publishing', () => {
  it('posts the video to a public channel: t.me URL, the bytes, the marker, the live button, a spoiler; no counters stored', async () => {
    const channel = newChannel();
    const account = await createApiAccount(stack, 'telegram', { username: channel.username, sensitive: true });
    expect((await api(stack, 'POST', `/api/accounts/${account.accountId}/credentials`, { chatId: `@${channel.username}` })).status).toBe(200);

    const { publicationId, contentId } = await publishClip(stack, account.modelId, '¡Hola! Función especial 💃🏽');
    const published = await waitForStatus(stack, publicationId, ['published', 'failed', 'unconfirmed']);
    expect(published.status, published.lastError ?? '').toBe('published');

    const sends = sendsTo(channel);
    expect(sends).toHaveLength(1);
    const [send] = sends;
    const message = send!.response.result as { message_id: number; has_media_spoiler?: boolean; caption?: string };
    expect(published.postUrl).toBe(`https://t.me/${channel.username}/${message.message_id}`);
    expect(published.externalId).toBe(`${channel.id}:${message.message_id}`);
    // The video's very bytes went up as a multipart file.
    const content = (await findContent(db(), contentId))!;
    expect(send!.files.video).toMatchObject({ size: content.sizeBytes, sha256: content.sha256 });
    expect(send!.params.caption).toContain(published.idempotencyMarker);
    expect(send!.params.caption).toBe(published.captionUsed);
    // The button is the post's own tracking link (/t/<code>/<ref>), the one its caption carries.
    const trackingLink = (await findPublication(db(), publicationId))!.trackingLink!;
    expect(trackingLink).toMatch(/^https:\/\/trafico\.example\/t\/[0-9a-f]{10}\/[0-9a-f]{12}$/);
    expect(send!.params.caption).toContain(trackingLink);
    expect(send!.params.reply_markup).toEqual({ inline_keyboard: [[{ text: 'Ver en vivo', url: trackingLink }]] });
    expect(message.has_media_spoiler).toBe(true);
    expect(postsIn(channel)).toHaveLength(1);

    // Telegram gives a bot no counters: the metrics read ends the workflow without storing anything.
    const outcome = await stack.app.temporal.workflow.getHandle(published.workflowId!).result();
    expect(outcome).toMatchObject({ status: 'published', postUrl: published.postUrl });
    const events = await eventsOf(db(), { publicationId });
    expect(events.filter((e) => e.type === 'metrics_read')).toEqual([]);
    expect(events.filter((e) => e.type === 'metrics_parse_failed')).toEqual([]);
    expect(await metricsOfPublication(db(), publicationId)).toEqual([]);
  });

  it('posts to a private channel (by numeric id) with a t.me/c/ URL and no spoiler for a model that is not sensitive', async () => {
    const { modelId, channel } = await connectedChannel({ private: true });
    const { publicationId } = await publishClip(stack, modelId);
    const published = await waitForStatus(stack, publicationId, ['published', 'failed', 'unconfirmed']);
    expect(published.status, published.lastError ?? '').toBe('published');
    const [send] = sendsTo(channel);
    const messageId = (send!.response.result as { message_id: number }).message_id;
    expect(published.postUrl).toBe(`https://t.me/c/${String(channel.id).slice('-100'.length)}/${messageId}`);
    expect(send!.params.has_spoiler).toBeUndefined();
    expect(tg.message(channel.id, messageId)!.has_media_spoiler).toBeUndefined();
  });

  it('obeys a 429: the next try waits for retry_after, then one post', async () => {
    const { modelId, channel } = await connectedChannel();
    // Longer than the api queue's first retry interval (5 s), so only retry_after explains the wait.
    const retryAfter = 9;
    tg.failNext('sendVideo', { error_code: 429, description: `Too Many Requests: retry after ${retryAfter}`, parameters: { retry_after: retryAfter } });
    const { publicationId } = await publishClip(stack, modelId);
    const published = await waitForStatus(stack, publicationId, ['published', 'failed', 'unconfirmed']);
    expect(published.status, published.lastError ?? '').toBe('published');
    const tries = sendsTo(channel);
    expect(tries.map((c) => c.status)).toEqual([429, 200]);
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(retryAfter * 1000);
    expect(postsIn(channel)).toHaveLength(1);
    expect(published.attempts).toBe(2);
  });

  it('a lost answer after sendVideo ends unconfirmed with an alert, and the video is never sent again', async () => {
    const { modelId, accountId, channel } = await connectedChannel();
    tg.loseNextAnswer('sendVideo');
    const { publicationId } = await publishClip(stack, modelId);
    const unconfirmed = await waitForStatus(stack, publicationId, ['unconfirmed', 'published', 'failed']);
    expect(unconfirmed.status).toBe('unconfirmed');
    expect(unconfirmed.lastError).toMatch(/^Unconfirmed: telegram cannot be searched for the post of an earlier attempt whose answer never came; check the channel/);
    const sends = sendsTo(channel);
    expect(sends).toHaveLength(1);
    expect(sends[0]!.lost).toBe(true);
    expect(postsIn(channel)).toHaveLength(1);
    const alerts = (await alertsOf(stack, accountId)).map((e) => e.data as { kind: string });
    expect(alerts).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'publication_unconfirmed' })]));
    expect(unconfirmed.postUrl).toBeNull();
  });

  it('a 400 refusal fails the publication with Telegram\'s description and no retries', async () => {
    const { modelId, channel } = await connectedChannel();
    tg.failNext('sendVideo', { error_code: 400, description: 'Bad Request: VIDEO_CONTENT_TYPE_INVALID' });
    const { publicationId } = await publishClip(stack, modelId);
    const failed = await waitForStatus(stack, publicationId, ['failed', 'published', 'unconfirmed']);
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toBe('RejectedByPlatform: Telegram sendVideo: Bad Request: VIDEO_CONTENT_TYPE_INVALID');
    expect(failed.attempts).toBe(1);
    // Refused, so nothing was posted and a retry may post: the step went back to `prepared`.
    expect(failed.publishStep).toBe('prepared');
    expect(postsIn(channel)).toHaveLength(0);
  });
});

describe('the bot removed from the channel', () => {
  it('expires the session and holds the account; the bot an admin again and the account reconnected release it', async () => {
    const { modelId, accountId, channel } = await connectedChannel();
    // One publication goes out now; with an hour between posts the next two wait for their slots.
    const { next, later } = await oneOutTwoWaiting(stack, modelId);

    tg.removeBot(channel.id);
    expect((await api(stack, 'POST', `/api/publications/${next.publicationId}/publish-now`)).status).toBe(202);
    const failed = await waitForStatus(stack, next.publicationId, ['failed', 'published', 'unconfirmed']);
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toMatch(/^SessionExpired: the bot can no longer post in channel .*not a member of the channel chat.*reconnect the account/);
    expect(failed.attempts).toBe(1);
    expect((await findAccountWithPlatform(db(), accountId))!.account.status).toBe('session_expired');
    expect((await waitForStatus(stack, later.publicationId, ['held'])).status).toBe('held');
    const alerts = (await alertsOf(stack, accountId)).map((e) => e.data as { kind: string; errorType?: string });
    expect(alerts).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'account_paused', errorType: 'SessionExpired' })]));

    // Reconnecting before the owner fixed the channel is refused and releases nothing.
    const early = await api<CredentialsReply>(stack, 'POST', `/api/accounts/${accountId}/credentials`, { chatId: `@${channel.username}` });
    expect(early.status).toBe(400);
    expect(Object.keys(early.body.fields ?? {})).toEqual(['chatId']);
    expect((await findPublication(db(), later.publicationId))!.status).toBe('held');
    expect((await findAccountWithPlatform(db(), accountId))!.account.status).toBe('session_expired');

    tg.makeBotAdmin(channel.id);
    const reconnected = await api<CredentialsReply>(stack, 'POST', `/api/accounts/${accountId}/credentials`, { chatId: `@${channel.username}` });
    expect(reconnected).toMatchObject({ status: 200, body: { state: 'logged_in', status: 'active' } });
    expect((await waitForStatus(stack, later.publicationId, ['scheduled'])).status).toBe('scheduled');
    expect(await api(stack, 'POST', `/api/publications/${next.publicationId}/retry`)).toMatchObject({ status: 202 });
    const retried = await waitForRetryToEnd(stack, next.publicationId);
    expect(retried.status, retried.lastError ?? '').toBe('published');
    expect(postsIn(channel)).toHaveLength(2);
    expect(await api(stack, 'POST', `/api/publications/${later.publicationId}/cancel`)).toMatchObject({ status: 202 });
  });
});

describe('a clip over the platform\'s size', () => {
  it('is not sent to the channel: the not_sent alert names its size at scheduling time', async () => {
    const platformId = await platformIdOf(stack, 'telegram');
    const platforms = await api<{ items: { id: string; capabilities: { maxSizeBytes: number } }[] }>(stack, 'GET', '/api/platforms?limit=100');
    const original = platforms.body.items.find((p) => p.id === platformId)!.capabilities.maxSizeBytes;
    expect(original).toBe(50 * 1024 * 1024);
    const limit = 10_000;
    try {
      const { modelId, accountId, channel } = await connectedChannel();
      // Another platform takes the clip, so it is scheduled (not refused at ingest) and Telegram is skipped there.
      const other = await api<{ id: string }>(stack, 'POST', '/api/accounts', {
        modelId, platformId: await platformIdOf(stack, 'bluesky'), username: `otra_${run()}.bsky.social`,
      });
      expect(other.status).toBe(201);
      // Its publication waits for a slot twelve hours away: it is canceled before anything is posted.
      const slot = new Date(Date.now() + 12 * 3_600_000).toISOString().slice(11, 16);
      expect((await api(stack, 'PATCH', `/api/models/${modelId}`, {
        distribution: { allowedPlatforms: ['telegram', 'bluesky'], timezone: 'UTC', slots: [slot] },
      })).status).toBe(200);
      expect((await api(stack, 'PATCH', `/api/platforms/${platformId}`, { capabilities: { maxSizeBytes: limit } })).status).toBe(200);

      const video = readFileSync(await makeTestVideo(join(stack.dataDir, `grande-${run()}.mp4`), { seconds: 2, width: 360, height: 640 }));
      expect(video.length).toBeGreaterThan(limit);
      const created = await uploadVideo(stack, { modelId, context: 'demasiado grande', file: { data: video, name: 'clip.mp4' } });
      expect(created.status).toBe(202);
      const contentId = created.body.id as string;
      const publications = await waitFor(async () => {
        const found = await publicationsOfContent(db(), contentId);
        return found.length > 0 ? found : undefined;
      }, { what: 'the content to be scheduled', timeoutMs: 60_000 });
      expect(publications.map((p) => p.accountId)).toEqual([other.body.id]);

      const alert = await waitFor(async () => (await alertsOf(stack, accountId)).find((e) => (e.data as { kind: string }).kind === 'not_sent'), {
        what: 'the not_sent alert', timeoutMs: 30_000,
      });
      const content = (await findContent(db(), contentId))!;
      expect(alert.data).toEqual({ kind: 'not_sent', platform: 'telegram', reason: `size ${content.sizeBytes} B exceeds ${limit} B` });
      expect(sendsTo(channel)).toHaveLength(0);
      expect(await api(stack, 'POST', `/api/publications/${publications[0]!.id}/cancel`)).toMatchObject({ status: 202 });
    } finally {
      const restored = await api(stack, 'PATCH', `/api/platforms/${platformId}`, { capabilities: { maxSizeBytes: original } });
      expect(restored.status).toBe(200);
    }
  });
});
