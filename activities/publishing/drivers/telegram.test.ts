/**
 * The Telegram channel driver against the fake Bot API (test/fakes/telegram-server.ts): connecting a channel,
 * publishing to public and private channels, the refusals Telegram answers, a lost answer, the 50 MB cloud limit.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTelegram, type FakeTelegram, type TgChat } from '../../../test/fakes/telegram-server.js';
import { apiApps, setupContext, testApiContext } from '../../../test/helpers/api-driver.js';
import { makeTestVideo } from '../../../test/helpers/media.js';
import { PublishError } from '../errors.js';
import { CredentialsRejected, type ApiApps, type ApiPost } from './api-types.js';
import { fitCaption, parseChatId, postUrl, telegramChannelDriver as driver, type TelegramChannelCredentials } from './telegram.js';

let tg: FakeTelegram;
let apps: ApiApps;
let dir: string;
let video: string;
let videoSha: string;
const trackingUrl = 'https://trafico.example/t/abc123';

beforeAll(async () => {
  tg = await startFakeTelegram();
  apps = apiApps({ TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.apiRoot, TELEGRAM_LOCAL_API: 'false' });
  dir = mkdtempSync(join(tmpdir(), 'telegram-driver-'));
  video = await makeTestVideo(join(dir, 'clip.mp4'), { seconds: 2 });
  videoSha = createHash('sha256').update(readFileSync(video)).digest('hex');
});

afterAll(async () => {
  await tg?.close();
  rmSync(dir, { recursive: true, force: true });
});

let serial = 0;
function publicChannel(bot?: Parameters<FakeTelegram['addChannel']>[1]): TgChat {
  serial++;
  return tg.addChannel({ title: `Canal público ${serial}`, username: `canal_publico_${serial}` }, bot);
}
function privateChannel(bot?: Parameters<FakeTelegram['addChannel']>[1]): TgChat {
  serial++;
  return tg.addChannel({ title: `Canal privado ${serial}` }, bot);
}

const credentialsOf = (chat: TgChat): TelegramChannelCredentials => ({ chatId: chat.id, title: chat.title!, ...(chat.username ? { username: chat.username } : {}) });

function post(overrides: Partial<ApiPost> = {}): ApiPost {
  const marker = `ref:${createHash('sha1').update(String(Math.random())).digest('hex').slice(0, 12)}`;
  return {
    publicationId: '00000000-0000-4000-8000-0000000000aa',
    videoPath: video,
    caption: `Esta noche en vivo ✨\n\n#envivo #latina\n${trackingUrl}\n${marker}`,
    tags: ['envivo', 'latina'],
    marker,
    trackingUrl,
    sensitive: false,
    language: 'es',
    media: { durationSeconds: 2, width: 360, height: 640, sizeBytes: statSync(video).size },
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof Error)) throw new Error('expected a rejection, but it resolved');
  return error;
}

const lastSendVideo = () => tg.callsTo('sendVideo').at(-1)!;

describe('connecting a channel (acceptCredentials)', () => {
  it('accepts a public channel by @username when the bot is an administrator that may post', async () => {
    const chat = publicChannel();
    const result = await driver.acceptCredentials(setupContext(apps), { chatId: `@${chat.username}` });
    expect(result).toEqual({ credentials: { chatId: chat.id, username: chat.username, title: chat.title }, username: chat.username });
    expect(tg.callsTo('getChatMember').at(-1)!.params).toMatchObject({ chat_id: chat.id, user_id: tg.bot.id });
  });

  it('accepts a private channel by its numeric id, given as a number or as text', async () => {
    const chat = privateChannel();
    for (const chatId of [chat.id, String(chat.id), ` ${chat.id} `]) {
      const result = await driver.acceptCredentials(setupContext(apps), { chatId });
      expect(result).toEqual({ credentials: { chatId: chat.id, title: chat.title } });
    }
  });

  it('refuses, naming chatId, when the bot is not an administrator or may not post', async () => {
    const notMember = publicChannel({ status: 'left' });
    const left = await rejection(driver.acceptCredentials(setupContext(apps), { chatId: `@${notMember.username}` }));
    expect(left).toBeInstanceOf(CredentialsRejected);
    expect((left as CredentialsRejected).field).toBe('chatId');
    expect(left.message).toContain('is not in the channel');
    expect(left.message).toContain('"Post messages"');
    expect(left.message).toContain(`@${tg.bot.username}`);

    const noPost = privateChannel({ canPostMessages: false });
    const withoutRight = await rejection(driver.acceptCredentials(setupContext(apps), { chatId: noPost.id }));
    expect(withoutRight).toBeInstanceOf(CredentialsRejected);
    expect((withoutRight as CredentialsRejected).field).toBe('chatId');
    expect(withoutRight.message).toMatch(/administrator without the "Post messages" right/);

    const banned = privateChannel({ status: 'kicked' });
    const kicked = await rejection(driver.acceptCredentials(setupContext(apps), { chatId: banned.id }));
    expect(kicked).toBeInstanceOf(CredentialsRejected);
    expect(kicked.message).toContain('Forbidden: bot was kicked from the channel chat');
  });

  it('refuses a chat that is not a channel, an unknown chat and a malformed chatId', async () => {
    const group: TgChat = { id: -1009876543210, type: 'supergroup', title: 'Grupo de fans', username: 'grupo_de_fans' };
    tg.addChat(group);
    const notChannel = await rejection(driver.acceptCredentials(setupContext(apps), { chatId: '@grupo_de_fans' }));
    expect(notChannel).toBeInstanceOf(CredentialsRejected);
    expect((notChannel as CredentialsRejected).field).toBe('chatId');
    expect(notChannel.message).toContain('is a supergroup chat, not a channel');

    const unknown = await rejection(driver.acceptCredentials(setupContext(apps), { chatId: -1001111111111 }));
    expect(unknown).toBeInstanceOf(CredentialsRejected);
    expect(unknown.message).toContain('Bad Request: chat not found');

    for (const chatId of [undefined, '', 'hola!', 12345, '@abc', 1.5]) {
      const bad = await rejection(driver.acceptCredentials(setupContext(apps), { chatId }));
      expect(bad, String(chatId)).toBeInstanceOf(CredentialsRejected);
      expect((bad as CredentialsRejected).field).toBe('chatId');
    }
  });

  it('refuses when no bot token is configured, saying TELEGRAM_BOT_TOKEN is needed, without calling Telegram', async () => {
    const before = tg.calls.length;
    const noBot = apiApps({ TELEGRAM_API_ROOT: tg.apiRoot });
    const error = await rejection(driver.acceptCredentials(setupContext(noBot), { chatId: '@canal_publico_1' }));
    expect(error).toBeInstanceOf(CredentialsRejected);
    expect((error as CredentialsRejected).field).toBe('chatId');
    expect(error.message).toContain('TELEGRAM_BOT_TOKEN');
    expect(tg.calls.length).toBe(before);
  });
});

describe('publishing (sendVideo)', () => {
  it('posts to a public channel: the video bytes, the caption, the "Ver en vivo" button; URL t.me/<username>/<id>', async () => {
    const chat = publicChannel();
    const ctx = testApiContext(driver, apps, credentialsOf(chat));
    const p = post();
    const ref = await driver.publish(ctx, p);

    const call = lastSendVideo();
    expect(call.status).toBe(200);
    const messageId = call.response.result.message_id as number;
    expect(ref).toEqual({ url: `https://t.me/${chat.username}/${messageId}`, externalId: `${chat.id}:${messageId}` });
    expect(ctx.steps).toEqual(['submitting']);
    expect(call.files.video).toMatchObject({ size: statSync(video).size, sha256: videoSha });
    expect(call.params).toMatchObject({ chat_id: String(chat.id), caption: p.caption, supports_streaming: 'true', width: '360', height: '640', duration: '2' });
    expect(call.params.has_spoiler).toBeUndefined();
    expect(call.params.reply_markup).toEqual({ inline_keyboard: [[{ text: 'Ver en vivo', url: trackingUrl }]] });
    const message = tg.message(chat.id, messageId)!;
    expect(message.sender_chat).toEqual(chat);
    expect(message.has_media_spoiler).toBeUndefined();
  });

  it('posts to a private channel: URL t.me/c/<id without -100>/<id>; a sensitive video goes behind a spoiler', async () => {
    const chat = privateChannel();
    const ctx = testApiContext(driver, apps, credentialsOf(chat));
    const ref = await driver.publish(ctx, post({ sensitive: true, language: 'en' }));

    const call = lastSendVideo();
    const messageId = call.response.result.message_id as number;
    expect(ref.url).toBe(`https://t.me/c/${String(chat.id).slice(4)}/${messageId}`);
    expect(ref.url).toMatch(/^https:\/\/t\.me\/c\/\d{10}\/\d+$/);
    expect(ref.externalId).toBe(`${chat.id}:${messageId}`);
    expect(call.params.has_spoiler).toBe('true');
    expect(tg.message(chat.id, messageId)!.has_media_spoiler).toBe(true);
    // The button speaks the model's caption language.
    expect(call.params.reply_markup).toEqual({ inline_keyboard: [[{ text: 'Watch live', url: trackingUrl }]] });
  });

  it('posts without a button when there is no tracking URL, and trims a long caption keeping the marker last', async () => {
    const chat = publicChannel();
    const ctx = testApiContext(driver, apps, credentialsOf(chat));
    const long = post({ trackingUrl: null });
    long.caption = `${'muy largo '.repeat(150)}\n${long.marker}`;
    await driver.publish(ctx, long);
    const call = lastSendVideo();
    expect(call.status).toBe(200);
    expect(call.params.reply_markup).toBeUndefined();
    expect(call.params.caption.length).toBeLessThanOrEqual(1024);
    expect(call.params.caption.endsWith(`\n${long.marker}`)).toBe(true);
    expect(call.params.caption).toContain('muy largo');
  });

  it('429: Retryable after Telegram\'s retry_after, step back to prepared', async () => {
    const chat = publicChannel();
    const ctx = testApiContext(driver, apps, credentialsOf(chat));
    tg.failNext('sendVideo', { error_code: 429, description: 'Too Many Requests: retry after 17', parameters: { retry_after: 17 } });
    const error = await rejection(driver.publish(ctx, post()));
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).type).toBe('Retryable');
    expect((error as PublishError).retryAfterMs).toBe(17_000);
    expect(error.message).toContain('Too Many Requests: retry after 17');
    expect(ctx.steps).toEqual(['submitting', 'prepared']);
  });

  it('the bot removed from the channel (kicked, left, or its "Post messages" right taken): SessionExpired, reconnect', async () => {
    const cases: [string, (chat: TgChat) => void, string][] = [
      ['kicked', (chat) => tg.removeBot(chat.id, 'kicked'), 'Forbidden: bot was kicked from the channel chat'],
      ['left', (chat) => tg.removeBot(chat.id), 'Forbidden: bot is not a member of the channel chat'],
      ['no post right', (chat) => tg.makeBotAdmin(chat.id, { canPostMessages: false }), 'Bad Request: need administrator rights in the channel chat'],
    ];
    for (const [name, change, description] of cases) {
      const chat = publicChannel();
      const ctx = testApiContext(driver, apps, credentialsOf(chat));
      change(chat);
      const error = await rejection(driver.publish(ctx, post()));
      expect(error, name).toBeInstanceOf(PublishError);
      expect((error as PublishError).type, name).toBe('SessionExpired');
      expect(error.message).toContain(description);
      expect(error.message).toContain('reconnect the account');
      expect(ctx.steps, name).toEqual(['submitting', 'prepared']);
      expect(lastSendVideo().status).toBe(description.startsWith('Forbidden') ? 403 : 400);
    }
  });

  it('400: RejectedByPlatform with Telegram\'s description, step back to prepared', async () => {
    const chat = privateChannel();
    const ctx = testApiContext(driver, apps, credentialsOf(chat));
    tg.failNext('sendVideo', { error_code: 400, description: 'Bad Request: VIDEO_CONTENT_TYPE_INVALID' });
    const error = await rejection(driver.publish(ctx, post()));
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).type).toBe('RejectedByPlatform');
    expect(error.message).toContain('Bad Request: VIDEO_CONTENT_TYPE_INVALID');
    expect(ctx.steps).toEqual(['submitting', 'prepared']);
  });

  it('a lost answer: the video is posted, the driver throws Retryable and leaves the step at submitting', async () => {
    const chat = publicChannel();
    const ctx = testApiContext(driver, apps, credentialsOf(chat));
    tg.loseNextAnswer('sendVideo');
    const error = await rejection(driver.publish(ctx, post()));
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).type).toBe('Retryable');
    // The worker sees `submitting` and, with no findByMarker for Telegram, ends the publication unconfirmed.
    expect(ctx.steps).toEqual(['submitting']);
    const call = lastSendVideo();
    expect(call.lost).toBe(true);
    expect(tg.message(chat.id, call.response.result.message_id)).toBeDefined();
  });

  it('over 50 MB on the cloud Bot API: refused before any upload, naming the local Bot API server', async () => {
    const big = join(dir, 'big.mp4');
    writeFileSync(big, '');
    await truncate(big, 50 * 1024 * 1024 + 1);
    const chat = publicChannel();
    const ctx = testApiContext(driver, apps, credentialsOf(chat));
    const before = tg.callsTo('sendVideo').length;
    const error = await rejection(driver.publish(ctx, post({ videoPath: big })));
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).type).toBe('RejectedByPlatform');
    expect(error.message).toContain('local Bot API server');
    expect(tg.callsTo('sendVideo').length).toBe(before);
    expect(ctx.steps).toEqual([]);
  });

  it('over 50 MB with a local Bot API server: uploaded', async () => {
    const local = await startFakeTelegram({ mode: 'local' });
    try {
      const big = join(dir, 'big-local.mp4');
      writeFileSync(big, '');
      await truncate(big, 51 * 1024 * 1024);
      const localApps = apiApps({ TELEGRAM_BOT_TOKEN: local.token, TELEGRAM_API_ROOT: local.apiRoot });
      expect(localApps.telegram.localApi).toBe(true);
      const chat = local.addChannel({ title: 'Canal grande', username: 'canal_grande' });
      const ctx = testApiContext(driver, localApps, credentialsOf(chat));
      const ref = await driver.publish(ctx, post({ videoPath: big }));
      expect(ref.url).toMatch(/^https:\/\/t\.me\/canal_grande\/\d+$/);
      expect(local.callsTo('sendVideo')[0]!.files.video!.size).toBe(51 * 1024 * 1024);
    } finally {
      await local.close();
    }
  });
});

describe('session and metrics', () => {
  it('checkSession: logged_in while the bot may post; logged_out when removed, kicked or stripped of "Post messages"', async () => {
    const chat = privateChannel();
    const ctx = testApiContext(driver, apps, credentialsOf(chat));
    expect(await driver.checkSession(ctx)).toBe('logged_in');
    tg.makeBotAdmin(chat.id, { canPostMessages: false });
    expect(await driver.checkSession(ctx)).toBe('logged_out');
    tg.removeBot(chat.id);
    expect(await driver.checkSession(ctx)).toBe('logged_out');
    tg.removeBot(chat.id, 'kicked');
    expect(await driver.checkSession(ctx)).toBe('logged_out');
    tg.makeBotAdmin(chat.id);
    expect(await driver.checkSession(ctx)).toBe('logged_in');
    const gone = testApiContext(driver, apps, { chatId: -1002222222222, title: 'Borrado' });
    expect(await driver.checkSession(gone)).toBe('logged_out');
  });

  it('checkSession: unknown when Telegram cannot be reached or asks to wait', async () => {
    const chat = publicChannel();
    tg.failNext('getChatMember', { error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } });
    expect(await driver.checkSession(testApiContext(driver, apps, credentialsOf(chat)))).toBe('unknown');
    const closed = await startFakeTelegram();
    const unreachable = apiApps({ TELEGRAM_BOT_TOKEN: closed.token, TELEGRAM_API_ROOT: closed.apiRoot });
    await closed.close();
    expect(await driver.checkSession(testApiContext(driver, unreachable, credentialsOf(chat)))).toBe('unknown');
  });

  it('readMetrics: the Bot API has no counters for channel posts, so nothing (never zeros)', async () => {
    const chat = publicChannel();
    const ctx = testApiContext(driver, apps, credentialsOf(chat));
    const before = tg.calls.length;
    expect(await driver.readMetrics(ctx, { url: `https://t.me/${chat.username}/1`, externalId: `${chat.id}:1` })).toEqual({});
    expect(tg.calls.length).toBe(before);
    expect(driver.findByMarker).toBeUndefined();
  });
});

describe('helpers', () => {
  it('parseChatId takes ids, @usernames and t.me links', () => {
    expect(parseChatId(-1001234567890)).toBe(-1001234567890);
    expect(parseChatId('-1001234567890')).toBe(-1001234567890);
    expect(parseChatId('@Canal_Latino')).toBe('@Canal_Latino');
    expect(parseChatId('Canal_Latino')).toBe('@Canal_Latino');
    expect(parseChatId('https://t.me/canal_latino')).toBe('@canal_latino');
    expect(() => parseChatId('https://t.me/+AbCdEf123')).toThrow(CredentialsRejected);
    expect(() => parseChatId(42)).toThrow(/user's or bot's id/);
  });

  it('fitCaption keeps short captions as they are and the marker last in long ones', () => {
    expect(fitCaption('hola\nref:0123456789ab', 'ref:0123456789ab')).toBe('hola\nref:0123456789ab');
    const fitted = fitCaption(`${'x'.repeat(2000)}\nref:0123456789ab`, 'ref:0123456789ab');
    expect(fitted.length).toBeLessThanOrEqual(1024);
    expect(fitted.endsWith('…\nref:0123456789ab')).toBe(true);
  });

  it('postUrl: public by username, private by the id without -100', () => {
    expect(postUrl({ id: -1001234567890, username: 'canal' }, 7)).toBe('https://t.me/canal/7');
    expect(postUrl({ id: -1001234567890 }, 7)).toBe('https://t.me/c/1234567890/7');
  });
});

describe('the fake Bot API (what the driver relies on)', () => {
  it('answers a cloud upload over 50 MB with 413 Request Entity Too Large', async () => {
    const chat = publicChannel();
    const form = new FormData();
    form.append('chat_id', String(chat.id));
    form.append('video', new Blob([Buffer.alloc(50 * 1024 * 1024 + 1)], { type: 'video/mp4' }), 'big.mp4');
    const response = await fetch(`${tg.apiRoot}/bot${tg.token}/sendVideo`, { method: 'POST', body: form });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ ok: false, error_code: 413, description: 'Request Entity Too Large' });
  });

  it('sends a known video again by file_id, takes @username chat ids, and sends Retry-After with a 429', async () => {
    const chat = publicChannel();
    const ctx = testApiContext(driver, apps, credentialsOf(chat));
    await driver.publish(ctx, post());
    const fileId = lastSendVideo().response.result.video.file_id as string;
    const again = await fetch(`${tg.apiRoot}/bot${tg.token}/sendVideo`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chat_id: `@${chat.username}`, video: fileId }),
    });
    const body = await again.json() as { ok: boolean; result: { chat: TgChat; video: { file_id: string } } };
    expect(body.ok).toBe(true);
    expect(body.result.chat.id).toBe(chat.id);
    expect(body.result.video.file_id).toBe(fileId);

    tg.failNext('getMe', { error_code: 429, description: 'Too Many Requests: retry after 5', parameters: { retry_after: 5 } });
    const limited = await fetch(`${tg.apiRoot}/bot${tg.token}/getMe`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('5');
  });

  it('refuses URL buttons Telegram refuses', async () => {
    const chat = publicChannel();
    const send = (url: string) => fetch(`${tg.apiRoot}/bot${tg.token}/sendMessage`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat_id: chat.id, text: 'hola', reply_markup: { inline_keyboard: [[{ text: 'Ver', url }]] } }),
    }).then((r) => r.json() as Promise<{ ok: boolean; description?: string }>);
    expect((await send('http://localhost:8080/t/x')).description).toBe('Bad Request: BUTTON_URL_INVALID');
    expect((await send('ftp://trafico.example/x')).description).toMatch(/Unsupported URL protocol/);
    expect((await send('https://trafico.example/t/x')).ok).toBe(true);
  });
});
