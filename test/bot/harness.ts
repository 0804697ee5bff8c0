/**
 * The whole product (PostgreSQL, Temporal dev server, workers, Chromium, the demo platform) with its Telegram bot
 * talking to the fake Bot API, plus the steps the bot tests share: link a model, send videos, wait for replies.
 */
import { eq } from 'drizzle-orm';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { telegramConfig, type TelegramConfig } from '../../config.js';
import { createTelegramBot, type TelegramBot } from '../../bot/index.js';
import { createLogger } from '../../main.js';
import { contents, models, telegramUploads } from '../../db/schema.js';
import { makeTestVideo } from '../helpers/media.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { startFakeTelegram, type FakeFile, type FakeTelegram, type Json, type RecordedCall, type TgChat, type TgUser } from '../fakes/telegram-server.js';

const execFileAsync = promisify(execFile);

export interface BotHarness {
  stack: TestStack;
  tg: FakeTelegram;
  adminChat: TgChat;
  /** The admin, a member of the admin group. */
  admin: TgUser;
  /** The bot that runs now (the app's, or one a test started with other settings). */
  bot: TelegramBot;
  close(): Promise<void>;
}

export async function startBotStack(env: Record<string, string> = {}): Promise<BotHarness> {
  const tg = await startFakeTelegram();
  const adminChat: TgChat = { id: -1001234567890, type: 'supergroup', title: 'Tráfico · admin' };
  tg.addChat(adminChat);
  const stack = await startTestStack({
    embedded: false,
    env: {
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.apiRoot,
      // The fake plays the cloud Bot API (20 MB downloads) unless a test switches it to a local server.
      TELEGRAM_LOCAL_API: 'false',
      TELEGRAM_ADMIN_CHAT_ID: String(adminChat.id),
      TELEGRAM_GROUP_QUIET_MS: '400',
      ...env,
    },
  });
  const harness: BotHarness = {
    stack, tg, adminChat,
    admin: tg.user(5550001, { username: 'jefa', first_name: 'Jefa' }),
    bot: stack.app.bot!,
    async close() {
      await harness.bot.stop();
      await stack.close();
      await tg.close();
    },
  };
  return harness;
}

/** Replaces the running bot with one built from other Telegram settings (as if its role restarted with another env). */
export async function restartBot(h: BotHarness, patch: Partial<TelegramConfig>) {
  await h.bot.stop();
  const { fileLimitBytes, ...current } = h.stack.app.config.telegram;
  // The download limit follows localApi unless the patch sets it.
  void fileLimitBytes;
  const telegram = telegramConfig({ ...current, ...patch, token: h.stack.app.config.telegram.token, webhook: undefined });
  const config = { ...h.stack.app.config, telegram };
  const { app } = h.stack;
  h.bot = createTelegramBot({ db: app.db.db, temporal: app.temporal, config, log: createLogger(config) });
  await h.bot.start({ poll: true, notify: true });
}

export const db = (h: BotHarness) => h.stack.app.db.db;

/** The next message the bot sends to `chatId` (after call index `after`) whose text/caption matches. */
export function botSays(h: BotHarness, chatId: number, pattern: RegExp, opts: { after?: number; timeoutMs?: number } = {}): Promise<RecordedCall> {
  return h.tg.waitForCall(
    (c) => (c.method === 'sendMessage' || c.method === 'sendPhoto') && c.status === 200 && Number(c.params.chat_id) === chatId
      && pattern.test(String(c.params.text ?? c.params.caption ?? '')),
    { after: opts.after, timeoutMs: opts.timeoutMs ?? 90_000, what: `the bot to say ${pattern} to chat ${chatId}` },
  );
}

/** Index to pass as `after`: only calls from now on count. */
export const mark = (h: BotHarness) => h.tg.calls.length;

export const textOf = (call: RecordedCall) => String(call.params.text ?? call.params.caption ?? '');

/** The message the bot sent, as the fake stores it (so a test can press its buttons or reply to it). */
export function sentMessage(h: BotHarness, call: RecordedCall): Json {
  const result = call.response.result as Json;
  return h.tg.message(result.chat.id, result.message_id)!;
}

/** Links `user` to the model with a code from the API, as the admin and the model would. */
export async function linkModel(h: BotHarness, modelId: string, user: TgUser) {
  const response = await fetch(`${h.stack.url}/api/models/${modelId}/telegram-link`, {
    method: 'POST', headers: { authorization: `Bearer ${h.stack.apiToken}`, 'content-type': 'application/json' }, body: '{}',
  });
  if (response.status !== 201) throw new Error(`telegram-link: HTTP ${response.status}`);
  const { code } = (await response.json()) as { code: string };
  const after = mark(h);
  h.tg.sendText(user, `/start ${code}`);
  await botSays(h, user.id, /Listo|All set/, { after });
  return code;
}

/** A real, unique clip registered as a Telegram file. */
export async function videoFile(h: BotHarness, opts: { seconds?: number } = {}): Promise<FakeFile> {
  const path = await makeTestVideo(join(h.stack.dataDir, `tg-${randomUUID()}.mp4`), { seconds: opts.seconds ?? 2 });
  return h.tg.addFile({ path });
}

/** A real H.264 clip of about `megabytes` MB (constant bitrate with filler), unique like every test clip. */
export async function bigVideoFile(h: BotHarness, megabytes: number): Promise<FakeFile> {
  const path = join(h.stack.dataDir, `big-${randomUUID()}.mp4`);
  const seconds = 4;
  const bitrate = `${Math.round((megabytes * 8 * 1024 * 1024) / seconds / 1_000_000)}M`;
  await execFileAsync('ffmpeg', [
    '-y', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=720x1280:rate=30', '-metadata', `comment=${randomUUID()}`,
    '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', bitrate, '-minrate', bitrate, '-maxrate', bitrate,
    '-bufsize', '4M', '-x264-params', 'nal-hrd=cbr', '-pix_fmt', 'yuv420p', path,
  ]);
  return h.tg.addFile({ path });
}

/** Contents that came from this Telegram user, oldest first. */
export async function contentsFrom(h: BotHarness, userId: number) {
  return db(h).select({ content: contents, upload: telegramUploads }).from(telegramUploads)
    .innerJoin(contents, eq(contents.id, telegramUploads.contentId))
    .where(eq(telegramUploads.telegramUserId, userId))
    .orderBy(telegramUploads.createdAt, telegramUploads.messageId);
}

export async function waitForContents(h: BotHarness, userId: number, n: number) {
  return waitFor(async () => {
    const rows = await contentsFrom(h, userId);
    return rows.length >= n ? rows : undefined;
  }, { what: `${n} content(s) from Telegram user ${userId}`, timeoutMs: 30_000 });
}

export async function modelRow(h: BotHarness, id: string) {
  const [row] = await db(h).select().from(models).where(eq(models.id, id));
  return row!;
}

export const shortIdOf = (id: string) => id.slice(0, 8);
