/**
 * A fake Telegram Bot API: a real HTTP server on 127.0.0.1 (random port) speaking the Bot API as the bot sees it
 * (`<origin>/bot<token>/<method>` with JSON, form or multipart bodies, `{ ok, result }` / `{ ok: false,
 * error_code, description }` answers) and serving files at `<origin>/file/bot<token>/<file_path>`. It records
 * every call, and a test plays the people: users writing to the bot, albums, button presses, replies.
 *
 *   const tg = await startFakeTelegram();                 // TELEGRAM_API_ROOT = tg.apiRoot, TELEGRAM_BOT_TOKEN = tg.token
 *   const file = tg.addFile(buffer);                      // or tg.addFile({ path }) for big files
 *   tg.sendVideo(user, file, { caption: 'Hola' });        // an update the bot gets from getUpdates (or its webhook)
 *   await tg.waitForCall((c) => c.method === 'sendMessage' && c.params.chat_id === user.id);
 *
 * Behaves like the real thing where the bot could get it wrong: getUpdates long-polls and confirms by offset,
 * refuses to run while a webhook is set (409) and ends an older concurrent poll (409); messages must go to chats
 * the bot has seen, HTML must parse (unknown or unclosed tags are a 400), texts and captions have Telegram's
 * length limits, edits of a missing or unchanged message are a 400, callback queries are answered once, and in
 * cloud mode getFile refuses files over 20 MB ("file is too big"). `mode: 'local'` behaves like a local Bot API
 * server (--local): any size, and getFile answers an absolute path on this machine's disk.
 *
 * Channels (the Telegram channel publishing driver): `addChannel` makes a channel (public with a username, or
 * private) where the bot is an administrator with "Post messages" unless told otherwise; `setBotMember`,
 * `makeBotAdmin` and `removeBot` change that later. `getChat`, `getChatMember` and `sendVideo` (multipart upload or
 * a file_id, caption, inline URL buttons, has_spoiler, supports_streaming) check what Telegram checks: '@username'
 * chat ids, the bot's rights in the channel (403 kicked / not a member, 400 "need administrator rights"), the
 * 50 MB upload limit of the cloud API (413 "Request Entity Too Large"; none in `local` mode), and 429 answers
 * carry `Retry-After` like `parameters.retry_after`. `loseNextAnswer` performs a call and then drops the
 * connection without answering (the message exists; the caller never learns it).
 *
 * Written from (fetched 2026):
 *   https://core.telegram.org/bots/api#making-requests            answers, error_code, ResponseParameters.retry_after
 *   https://core.telegram.org/bots/api#sending-files              multipart upload vs file_id; 50 MB for other files
 *   https://core.telegram.org/bots/api#using-a-local-bot-api-server  uploads up to 2000 MB in --local mode
 *   https://core.telegram.org/bots/api#sendvideo                  parameters; "caption 0-1024 characters after entities parsing"
 *   https://core.telegram.org/bots/api#getchat                    ChatFullInfo (id, type, title, username, accent_color_id…)
 *   https://core.telegram.org/bots/api#getchatmember, #chatmember ChatMemberOwner/Administrator(can_post_messages)/Member/
 *                                                                 Restricted/Left/Banned
 *   https://core.telegram.org/bots/api#inlinekeyboardbutton       url buttons
 *   https://core.telegram.org/bots/api#message                    channel posts: sender_chat, no from; has_media_spoiler
 *   tdlib/telegram-bot-api Client.cpp check_chat_access (error texts: "bot was kicked from the channel chat", "bot is
 *   not a member of the channel chat"), HttpConnection.cpp (Retry-After header), Query.cpp ("Too Many Requests: retry
 *   after N"); "Bad Request: need administrator rights in the channel chat" (400) as reported in
 *   https://github.com/teloxide/teloxide/issues/450; 413 body as in https://github.com/tdlib/telegram-bot-api/issues/720;
 *   dotless button hosts refused with BUTTON_URL_INVALID: https://github.com/rubenlagus/TelegramBots/issues/302.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Json = Record<string, any>;

export interface RecordedCall {
  method: string;
  params: Json;
  /** Files sent in a multipart body: field → { name, size, type, sha256 of the bytes }. */
  files: Record<string, { name: string; size: number; type: string; sha256: string }>;
  at: number;
  status: number;
  response: Json;
  /** The call was performed but its answer never left (loseNextAnswer): the connection was dropped instead. */
  lost?: boolean;
}

export interface FakeFile {
  file_id: string;
  file_unique_id: string;
  file_size: number;
  /** Where the bytes are. */
  path: string;
}

export interface TgUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  username?: string;
  language_code?: string;
}

export interface TgChat {
  id: number;
  type: 'private' | 'group' | 'supergroup' | 'channel';
  title?: string;
  first_name?: string;
  username?: string;
}

/** The statuses of https://core.telegram.org/bots/api#chatmember. */
export type ChatMemberStatus = 'creator' | 'administrator' | 'member' | 'restricted' | 'left' | 'kicked';

export interface FakeTelegramOptions {
  /** cloud (default): 20 MB getFile limit and relative file paths; local: a local Bot API server in --local mode. */
  mode?: 'cloud' | 'local';
}

const CLOUD_FILE_LIMIT = 20 * 1024 * 1024;
/** "Bots can currently send video files of up to 50 MB in size" (sendVideo); a local server takes up to 2000 MB. */
export const CLOUD_UPLOAD_LIMIT = 50 * 1024 * 1024;
/** Room for the other multipart fields before a body counts as over the upload limit. */
const UPLOAD_BODY_SLACK = 1024 * 1024;

const allowedTags = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler', 'a', 'code', 'pre', 'blockquote', 'tg-emoji']);

/** Parses Telegram HTML like the Bot API does; returns the visible text or an error description. */
export function parseTelegramHtml(html: string): { text: string } | { error: string } {
  const stack: string[] = [];
  let text = '';
  let i = 0;
  while (i < html.length) {
    const ch = html[i]!;
    if (ch === '<') {
      const end = html.indexOf('>', i);
      const tag = end === -1 ? undefined : /^<(\/?)([a-zA-Z][a-zA-Z0-9-]*)(\s[^<>]*)?>$/.exec(html.slice(i, end + 1));
      const offset = Buffer.byteLength(html.slice(0, i));
      if (!tag) return { error: `Bad Request: can't parse entities: Unsupported start tag "" at byte offset ${offset}` };
      const name = tag[2]!.toLowerCase();
      if (!allowedTags.has(name)) return { error: `Bad Request: can't parse entities: Unsupported start tag "${name}" at byte offset ${offset}` };
      if (tag[1]) {
        if (stack.pop() !== name) return { error: `Bad Request: can't parse entities: Unmatched end tag at byte offset ${offset}, expected "</${stack.at(-1) ?? ''}>", found "</${name}>"` };
      } else {
        stack.push(name);
      }
      i = end + 1;
      continue;
    }
    if (ch === '&') {
      const entity = /^&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});/.exec(html.slice(i));
      if (entity) {
        const name = entity[1]!;
        text += name === 'lt' ? '<' : name === 'gt' ? '>' : name === 'amp' ? '&' : name === 'quot' ? '"'
          : String.fromCodePoint(name.startsWith('#x') ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10));
        i += entity[0].length;
        continue;
      }
    }
    text += ch;
    i++;
  }
  if (stack.length > 0) return { error: `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "${stack.at(-1)}"` };
  return { text };
}

/**
 * multipart/form-data as the Bot API reads it: lenient about header spacing and unquoted parameters (grammY
 * sends `content-disposition:form-data;name="x";filename=photo.jpg`, which stricter parsers refuse).
 */
export function parseMultipart(body: Buffer, contentType: string): { name: string; filename?: string; type?: string; data: Buffer }[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!boundary) throw new Error('multipart body without boundary');
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const parts: { name: string; filename?: string; type?: string; data: Buffer }[] = [];
  let at = body.indexOf(delimiter);
  if (at === -1) throw new Error('multipart boundary not found');
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === '--') break;
    const headerEnd = body.indexOf('\r\n\r\n', at);
    const next = body.indexOf(delimiter, at);
    if (headerEnd === -1 || next === -1) throw new Error('truncated multipart body');
    const headers = body.subarray(at, headerEnd).toString('utf8').split('\r\n').filter(Boolean);
    const data = body.subarray(headerEnd + 4, next - 2);
    const disposition = headers.find((line) => /^content-disposition\s*:/i.test(line)) ?? '';
    const param = (key: string) => new RegExp(`;\\s*${key}\\s*=\\s*(?:"([^"]*)"|([^;]*))`, 'i').exec(disposition);
    const name = param('name');
    if (!name) throw new Error('multipart part without a name');
    const filename = param('filename');
    const type = headers.find((line) => /^content-type\s*:/i.test(line))?.split(':')[1]?.trim();
    parts.push({ name: (name[1] ?? name[2] ?? '').trim(), ...(filename ? { filename: (filename[1] ?? filename[2] ?? '').trim() } : {}), ...(type ? { type } : {}), data });
    at = next;
  }
  return parts;
}

/** An inline keyboard with at least one button, or undefined (an empty one removes the buttons). */
function liveMarkup(markup: unknown): Json | undefined {
  const rows = (markup as Json | undefined)?.inline_keyboard;
  if (!Array.isArray(rows)) return undefined;
  const kept = rows.filter((row: unknown) => Array.isArray(row) && row.length > 0);
  return kept.length > 0 ? { inline_keyboard: kept } : undefined;
}

const updateTypes = new Set([
  'message', 'edited_message', 'channel_post', 'edited_channel_post', 'business_connection', 'business_message', 'edited_business_message',
  'deleted_business_messages', 'message_reaction', 'message_reaction_count', 'inline_query', 'chosen_inline_result', 'callback_query',
  'shipping_query', 'pre_checkout_query', 'purchased_paid_media', 'poll', 'poll_answer', 'my_chat_member', 'chat_member',
  'chat_join_request', 'chat_boost', 'removed_chat_boost',
]);

/**
 * allowed_updates as Telegram applies it: an update of a type the bot did not ask for is not delivered. Updates
 * a test forges without any known type (malformed on purpose) are delivered, so the bot has to cope with them.
 */
function deliverable(update: Json, allowed: Set<string>): boolean {
  const types = Object.keys(update).filter((k) => updateTypes.has(k));
  return types.length === 0 || types.some((k) => allowed.has(k));
}

/** Telegram counts UTF-16 code units. */
const telegramLength = (text: string) => text.length;

class ApiError extends Error {
  constructor(readonly code: number, readonly description: string, readonly parameters?: Json) {
    super(description);
  }
}

/** The body was over the cloud API's upload limit: answered 413 like api.telegram.org does. */
class TooLarge extends Error {}

/** What the bot may do in a chat (Client.cpp check_chat_access: read for getChat/getChatMember(self), write to send). */
type Access = 'read' | 'write';

export class FakeTelegram extends EventEmitter {
  readonly token: string;
  readonly bot: TgUser;
  apiRoot = '';
  mode: 'cloud' | 'local';
  readonly calls: RecordedCall[] = [];
  /** Every update ever pushed, in order. */
  readonly updates: Json[] = [];
  /** Highest update id the bot confirmed (getUpdates offset - 1, or delivered to the webhook). */
  confirmedUpTo = 0;
  webhook: { url: string; secret?: string; allowedUpdates?: string[] } | undefined;
  readonly webhookDeliveries: { updateId: number; status: number }[] = [];
  /** File downloads served (`/file/bot<token>/<path>`), by file_id. */
  readonly downloads: string[] = [];

  private server = createServer((req, res) => void this.route(req, res));
  private dir = mkdtempSync(join(tmpdir(), 'fake-telegram-'));
  private nextUpdateId = randomInt(100_000, 900_000);
  private messageIds = new Map<number, number>();
  private messages = new Map<string, Json>();
  private knownChats = new Map<number, TgChat>();
  private blocked = new Set<number>();
  private files = new Map<string, FakeFile>();
  private filesByPath = new Map<string, FakeFile>();
  private openQueries = new Set<string>();
  private failures: { method: string; error: { error_code: number; description: string; parameters?: Json }; remaining: number }[] = [];
  /** The bot's ChatMember record per chat (channels made with addChannel, or changed with setBotMember). */
  private botMembers = new Map<number, Json>();
  /** Messages the bot posted in channels (they carry sender_chat, not from). */
  private botPosts = new Set<string>();
  private lostAnswers: { method: string; remaining: number }[] = [];
  private poll: { res: ServerResponse; finish: () => void } | undefined;
  private webhookQueue: Promise<void> = Promise.resolve();

  constructor(options: FakeTelegramOptions = {}) {
    super();
    this.setMaxListeners(100);
    const id = randomInt(1_000_000_000, 2_000_000_000);
    this.token = `${id}:${randomBytes(26).toString('base64url').slice(0, 35)}`;
    this.bot = { id, is_bot: true, first_name: 'Trafico Test', username: 'trafico_test_bot' };
    this.mode = options.mode ?? 'cloud';
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', resolve);
    });
    // Telegram keeps idle connections open for long; a short keep-alive would make reused sockets hang up.
    this.server.keepAliveTimeout = 60_000;
    const { port } = this.server.address() as AddressInfo;
    this.apiRoot = `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    this.poll?.finish();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  // ── What the test controls ────────────────────────────────────────────────────────────────

  /** The next `times` calls of `method` fail with this Bot API error (e.g. 429 with parameters.retry_after). */
  failNext(method: string, error: { error_code: number; description: string; parameters?: Json }, times = 1) {
    this.failures.push({ method, error, remaining: times });
  }

  /** The user blocked the bot: sends to that chat answer 403. */
  blockBot(chatId: number) {
    this.blocked.add(chatId);
  }

  /** A chat the bot can write to without having had an update from it (e.g. the admin group). */
  addChat(chat: TgChat) {
    this.knownChats.set(chat.id, chat);
  }

  /**
   * A channel (`type: 'channel'`; public when it has a username, else private) with a Bot API id like
   * -1001234567890. The bot is an administrator with "Post messages" unless `bot` says otherwise.
   */
  addChannel(channel: { title: string; username?: string; id?: number }, bot: { status?: ChatMemberStatus; canPostMessages?: boolean } = {}): TgChat {
    const id = channel.id ?? -(1_000_000_000_000 + randomInt(1_000_000_000, 2_000_000_000));
    const chat: TgChat = { id, type: 'channel', title: channel.title, ...(channel.username ? { username: channel.username } : {}) };
    this.knownChats.set(id, chat);
    this.setBotMember(id, bot.status ?? 'administrator', { canPostMessages: bot.canPostMessages ?? true });
    return chat;
  }

  /** The bot's status in a chat, as getChatMember(chat, bot) will answer it and as sending checks it. */
  setBotMember(chatId: number, status: ChatMemberStatus, opts: { canPostMessages?: boolean } = {}) {
    const chat = this.knownChats.get(chatId);
    if (!chat) throw new Error(`setBotMember: unknown chat ${chatId} (addChannel or addChat first)`);
    this.botMembers.set(chatId, this.memberRecord(chat, status, opts.canPostMessages ?? true));
  }

  /** The channel's owner makes the bot an administrator (with or without "Post messages"). */
  makeBotAdmin(chatId: number, opts: { canPostMessages?: boolean } = {}) {
    this.setBotMember(chatId, 'administrator', opts);
  }

  /** The channel's owner removes the bot ('left') or bans it ('kicked'). */
  removeBot(chatId: number, how: 'left' | 'kicked' = 'left') {
    this.setBotMember(chatId, how);
  }

  /** The next `times` calls of `method` are performed (the message is sent) but the connection drops before the answer. */
  loseNextAnswer(method: string, times = 1) {
    this.lostAnswers.push({ method, remaining: times });
  }

  /** A file the bot can fetch with getFile: bytes, or a path on disk (for big files); `size` overrides what Telegram reports. */
  addFile(source: Buffer | { path: string }, opts: { size?: number } = {}): FakeFile {
    const n = this.files.size + 1;
    let path: string;
    if (Buffer.isBuffer(source)) {
      path = join(this.dir, `file_${n}.bin`);
      writeFileSync(path, source);
    } else {
      path = source.path;
    }
    const file: FakeFile = {
      file_id: `BAACAgIAAxkBAAI${randomBytes(18).toString('base64url')}`,
      file_unique_id: `AgAD${randomBytes(6).toString('base64url')}`,
      file_size: opts.size ?? statSync(path).size,
      path,
    };
    this.files.set(file.file_id, file);
    return file;
  }

  user(id: number, extra: Partial<TgUser> = {}): TgUser {
    return { id, is_bot: false, first_name: `Persona ${id}`, language_code: 'es', ...extra };
  }

  private privateChat(user: TgUser): TgChat {
    return { id: user.id, type: 'private', first_name: user.first_name, ...(user.username ? { username: user.username } : {}) };
  }

  private nextMessageId(chatId: number) {
    const id = (this.messageIds.get(chatId) ?? 0) + 1;
    this.messageIds.set(chatId, id);
    return id;
  }

  /** Pushes a raw update (anything at all; `update_id` is added when missing). Returns its id. */
  pushUpdate(update: Json): number {
    const updateId = typeof update.update_id === 'number' ? update.update_id : this.nextUpdateId++;
    if (updateId >= this.nextUpdateId) this.nextUpdateId = updateId + 1;
    const full: Json = { ...update, update_id: updateId };
    for (const key of ['message', 'edited_message', 'channel_post']) {
      const chat = full[key]?.chat;
      if (chat && typeof chat.id === 'number') this.knownChats.set(chat.id, chat as TgChat);
      if (full[key] && typeof full[key].message_id === 'number' && chat && typeof chat.id === 'number') this.messages.set(`${chat.id}:${full[key].message_id}`, full[key]);
    }
    if (full.callback_query && typeof full.callback_query.id === 'string') this.openQueries.add(full.callback_query.id);
    this.updates.push(full);
    this.emit('update', full);
    if (this.webhook) this.deliverToWebhook(full);
    else this.wakePoll();
    return updateId;
  }

  /** A message from `user` in their private chat (or in `chat`). Returns the update id and the message. */
  sendMessage(user: TgUser, fields: Json, chat?: TgChat): { updateId: number; message: Json } {
    const where = chat ?? this.privateChat(user);
    const message = { message_id: this.nextMessageId(where.id), from: user, chat: where, date: Math.floor(Date.now() / 1000), ...fields };
    return { updateId: this.pushUpdate({ message }), message };
  }

  sendText(user: TgUser, text: string, opts: { chat?: TgChat; replyTo?: Json } = {}) {
    const entities = text.startsWith('/') ? [{ type: 'bot_command', offset: 0, length: text.split(/\s/)[0]!.length }] : undefined;
    return this.sendMessage(user, { text, ...(entities ? { entities } : {}), ...(opts.replyTo ? { reply_to_message: opts.replyTo } : {}) }, opts.chat);
  }

  /** A video as Telegram describes it (as video, document, video note or animation). */
  sendVideo(user: TgUser, file: FakeFile, opts: { caption?: string; mediaGroupId?: string; as?: 'video' | 'document' | 'video_note' | 'animation'; mimeType?: string; fileName?: string } = {}) {
    const as = opts.as ?? 'video';
    const base = { file_id: file.file_id, file_unique_id: file.file_unique_id, file_size: file.file_size };
    const media = as === 'video' ? { ...base, width: 360, height: 640, duration: 3, mime_type: opts.mimeType ?? 'video/mp4', ...(opts.fileName ? { file_name: opts.fileName } : {}) }
      : as === 'document' ? { ...base, mime_type: opts.mimeType ?? 'video/mp4', file_name: opts.fileName ?? 'clip.mp4' }
        : as === 'video_note' ? { ...base, length: 360, duration: 3 }
          : { ...base, width: 360, height: 640, duration: 3, mime_type: 'video/mp4', file_name: opts.fileName ?? 'animation.mp4' };
    return this.sendMessage(user, {
      [as]: media,
      ...(as === 'animation' ? { document: { ...base, mime_type: 'video/mp4', file_name: 'animation.mp4' } } : {}),
      ...(opts.caption !== undefined ? { caption: opts.caption } : {}),
      ...(opts.mediaGroupId ? { media_group_id: opts.mediaGroupId } : {}),
    });
  }

  /** `user` presses an inline button of a message the bot sent. Returns the callback query id. */
  click(user: TgUser, message: Json, data: string): string {
    const id = `${randomInt(1e9, 9e9)}${randomInt(1e5, 9e5)}`;
    this.pushUpdate({ callback_query: { id, from: user, message, chat_instance: String(message.chat.id), data } });
    return id;
  }

  /** The latest state of a message (bot edits applied). */
  message(chatId: number, messageId: number): Json | undefined {
    return this.messages.get(`${chatId}:${messageId}`);
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Messages the bot sent to a chat (sendMessage and sendPhoto that succeeded), oldest first. */
  sentTo(chatId: number): RecordedCall[] {
    return this.calls.filter((c) => (c.method === 'sendMessage' || c.method === 'sendPhoto') && c.status === 200 && Number(c.params.chat_id) === chatId);
  }

  /** Resolves with the first recorded call (past or future) matching `match`; rejects at the deadline saying what was seen. */
  waitForCall(match: (call: RecordedCall) => boolean, opts: { timeoutMs?: number; what?: string; after?: number } = {}): Promise<RecordedCall> {
    const start = opts.after ?? 0;
    const found = this.calls.slice(start).find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const onCall = (call: RecordedCall) => {
        if (!match(call)) return;
        clearTimeout(timer);
        this.off('call', onCall);
        resolve(call);
      };
      const timer = setTimeout(() => {
        this.off('call', onCall);
        const recent = this.calls.slice(-8).map((c) => `${c.method}(${JSON.stringify(c.params).slice(0, 160)}) → ${c.status}`).join('\n  ');
        reject(new Error(`timed out waiting for ${opts.what ?? 'a Bot API call'}; last calls:\n  ${recent}`));
      }, opts.timeoutMs ?? 60_000);
      this.on('call', onCall);
    });
  }

  /** Resolves once the bot has taken (confirmed) the update with this id. */
  waitConsumed(updateId: number, timeoutMs = 30_000): Promise<void> {
    if (this.confirmedUpTo >= updateId) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onConfirm = () => {
        if (this.confirmedUpTo < updateId) return;
        clearTimeout(timer);
        this.off('confirmed', onConfirm);
        resolve();
      };
      const timer = setTimeout(() => {
        this.off('confirmed', onConfirm);
        reject(new Error(`the bot did not take update ${updateId} in time (confirmed up to ${this.confirmedUpTo})`));
      }, timeoutMs);
      this.on('confirmed', onConfirm);
    });
  }

  // ── HTTP ──────────────────────────────────────────────────────────────────────────────────

  private async route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const fileMatch = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (fileMatch) return this.serveFile(fileMatch[1]!, decodeURIComponent(fileMatch[2]!), res);
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!match) return this.reply(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, token, method] = match;
    let params: Json = {};
    let files: RecordedCall['files'] = {};
    let bytes: Record<string, Buffer> = {};
    const record = (status: number, response: Json, lost?: boolean) => {
      const call: RecordedCall = { method: method!, params, files, at: Date.now(), status, response, ...(lost ? { lost } : {}) };
      this.calls.push(call);
      this.emit('call', call);
    };
    try {
      ({ params, files, bytes } = await this.readParams(req, url));
    } catch (error) {
      if (error instanceof TooLarge) {
        // api.telegram.org's front refuses the body before the Bot API sees it (no token check, plain 413).
        const body = { ok: false, error_code: 413, description: 'Request Entity Too Large' };
        record(413, body);
        return this.reply(res, 413, body);
      }
      return this.reply(res, 400, { ok: false, error_code: 400, description: `Bad Request: ${(error as Error).message}` });
    }
    if (token !== this.token) {
      const body = { ok: false, error_code: 401, description: 'Unauthorized' };
      record(401, body);
      return this.reply(res, 401, body);
    }
    const failure = this.failures.find((f) => f.method === method && f.remaining > 0);
    if (failure) {
      failure.remaining--;
      const body = { ok: false, ...failure.error };
      record(failure.error.error_code, body);
      return this.reply(res, failure.error.error_code, body);
    }
    if (method === 'getUpdates') return this.getUpdates(params, req, res, record);
    try {
      const result = this.call(method!, params, files, bytes);
      const body = { ok: true, result };
      const lose = this.lostAnswers.find((l) => l.method === method && l.remaining > 0);
      if (lose) {
        // Done, but the answer never leaves: what a caller sees when a connection dies mid-answer.
        lose.remaining--;
        record(200, body, true);
        req.socket.destroy();
        return;
      }
      record(200, body);
      return this.reply(res, 200, body);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const body = { ok: false, error_code: error.code, description: error.description, ...(error.parameters ? { parameters: error.parameters } : {}) };
      record(error.code, body);
      return this.reply(res, error.code, body);
    }
  }

  private reply(res: ServerResponse, status: number, body: Json) {
    if (res.destroyed || res.headersSent) return;
    const text = JSON.stringify(body);
    // The Bot API server sends Retry-After beside parameters.retry_after (telegram-bot-api HttpConnection.cpp).
    const retryAfter = body.ok === false && typeof body.parameters?.retry_after === 'number' ? { 'retry-after': String(body.parameters.retry_after) } : {};
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...retryAfter });
    res.end(text);
  }

  private async readParams(req: IncomingMessage, url: URL): Promise<{ params: Json; files: RecordedCall['files']; bytes: Record<string, Buffer> }> {
    const params: Json = Object.fromEntries(url.searchParams);
    const files: RecordedCall['files'] = {};
    const bytes: Record<string, Buffer> = {};
    const chunks: Buffer[] = [];
    // The cloud API takes uploads up to 50 MB; past that the body is read to the end (so the client gets the
    // answer rather than a reset) but not kept.
    const limit = this.mode === 'cloud' ? CLOUD_UPLOAD_LIMIT + UPLOAD_BODY_SLACK : Infinity;
    let received = 0;
    for await (const chunk of req) {
      received += (chunk as Buffer).length;
      if (received <= limit) chunks.push(chunk as Buffer);
    }
    if (received > limit) throw new TooLarge();
    const body = Buffer.concat(chunks);
    const type = req.headers['content-type'] ?? '';
    if (body.length === 0) return { params, files, bytes };
    if (type.includes('application/json')) {
      Object.assign(params, JSON.parse(body.toString('utf8')));
    } else if (type.includes('application/x-www-form-urlencoded')) {
      Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
    } else if (type.includes('multipart/form-data')) {
      for (const part of parseMultipart(body, type)) {
        if (part.filename === undefined) {
          params[part.name] = part.data.toString('utf8');
        } else {
          if (this.mode === 'cloud' && part.data.length > CLOUD_UPLOAD_LIMIT) throw new TooLarge();
          files[part.name] = { name: part.filename, size: part.data.length, type: part.type ?? 'application/octet-stream', sha256: createHash('sha256').update(part.data).digest('hex') };
          bytes[part.name] = part.data;
          params[part.name] = `attach://${part.name}`;
        }
      }
    } else {
      throw new Error('unsupported content type');
    }
    // Form and multipart bodies carry objects as JSON strings, as the real API accepts them.
    for (const key of ['reply_markup', 'reply_parameters', 'link_preview_options', 'allowed_updates', 'commands', 'scope', 'caption_entities', 'entities']) {
      if (typeof params[key] === 'string') {
        try {
          params[key] = JSON.parse(params[key]);
        } catch {
          throw new Error(`field "${key}" must be JSON-serialized`);
        }
      }
    }
    // Files referenced as attach://name inside other fields.
    for (const [key, value] of Object.entries(params)) {
      if (typeof value === 'string' && value.startsWith('attach://') && files[value.slice(9)] && key !== value.slice(9)) {
        files[key] = files[value.slice(9)]!;
        bytes[key] = bytes[value.slice(9)]!;
      }
    }
    return { params, files, bytes };
  }

  private serveFile(token: string, path: string, res: ServerResponse) {
    const file = token === this.token ? this.filesByPath.get(path) ?? this.filesByPath.get(`/${path}`) : undefined;
    if (!file) return this.reply(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    this.downloads.push(file.file_id);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': statSync(file.path).size });
    createReadStream(file.path).pipe(res);
  }

  private getUpdates(params: Json, req: IncomingMessage, res: ServerResponse, record: (status: number, body: Json) => void) {
    if (this.webhook) {
      const body = { ok: false, error_code: 409, description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first" };
      record(409, body);
      return this.reply(res, 409, body);
    }
    // Another poll is still open: Telegram ends it, as when two bot instances poll with one token.
    if (this.poll) {
      const old = this.poll;
      this.poll = undefined;
      old.finish();
    }
    const offset = Number(params.offset ?? 0);
    const limit = Math.min(100, Math.max(1, Number(params.limit ?? 100)));
    const timeoutS = Math.min(50, Math.max(0, Number(params.timeout ?? 0)));
    const allowed = Array.isArray(params.allowed_updates) && params.allowed_updates.length > 0 ? new Set<string>(params.allowed_updates) : undefined;
    if (offset > 0 && offset - 1 > this.confirmedUpTo) {
      this.confirmedUpTo = offset - 1;
      this.emit('confirmed');
    }
    const pending = () => this.updates
      .filter((u) => u.update_id > this.confirmedUpTo && u.update_id >= offset)
      .filter((u) => !allowed || deliverable(u, allowed));
    const respond = () => {
      const result = pending().slice(0, limit);
      const body = { ok: true, result };
      record(200, body);
      this.reply(res, 200, body);
    };
    if (pending().length > 0 || timeoutS === 0) return respond();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (this.poll?.res === res) this.poll = undefined;
      if (!res.destroyed) respond();
    };
    const timer = setTimeout(finish, timeoutS * 1000);
    this.poll = { res, finish };
    req.on('close', () => {
      if (!res.writableEnded) {
        done = true;
        clearTimeout(timer);
        if (this.poll?.res === res) this.poll = undefined;
      }
    });
  }

  private wakePoll() {
    const poll = this.poll;
    if (poll) {
      this.poll = undefined;
      poll.finish();
    }
  }

  private deliverToWebhook(update: Json) {
    const hook = this.webhook!;
    if (hook.allowedUpdates && !deliverable(update, new Set(hook.allowedUpdates))) return;
    this.webhookQueue = this.webhookQueue.then(async () => {
      let status = 0;
      try {
        const response = await fetch(hook.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(hook.secret ? { 'x-telegram-bot-api-secret-token': hook.secret } : {}) },
          body: JSON.stringify(update),
        });
        status = response.status;
        await response.arrayBuffer();
      } catch {
        status = 0;
      }
      this.webhookDeliveries.push({ updateId: update.update_id, status });
      if (status >= 200 && status < 300 && update.update_id > this.confirmedUpTo) {
        this.confirmedUpTo = update.update_id;
        this.emit('confirmed');
      }
    });
  }

  // ── Methods ───────────────────────────────────────────────────────────────────────────────

  private chatFor(chatIdParam: unknown, access: Access = 'write'): TgChat {
    // "Unique identifier for the target chat or username of the target channel (in the format @channelusername)".
    if (typeof chatIdParam === 'string' && chatIdParam.startsWith('@')) {
      const name = chatIdParam.slice(1).toLowerCase();
      const chat = [...this.knownChats.values()].find((c) => c.type !== 'private' && c.username?.toLowerCase() === name);
      if (!chat) throw new ApiError(400, 'Bad Request: chat not found');
      return this.checkAccess(chat, access);
    }
    const chatId = Number(chatIdParam);
    if (chatIdParam === undefined || chatIdParam === '' || !Number.isFinite(chatId)) throw new ApiError(400, 'Bad Request: chat_id is empty');
    const chat = this.knownChats.get(chatId);
    if (!chat) throw new ApiError(400, 'Bad Request: chat not found');
    if (this.blocked.has(chatId)) throw new ApiError(403, 'Forbidden: bot was blocked by the user');
    return this.checkAccess(chat, access);
  }

  /**
   * The bot's rights in a channel (Client.cpp check_chat_access): banned → 403 for anything; not a member → 403 to
   * write, and to read a private channel; a member without "Post messages" → 400 when it posts. Other chats, and
   * channels known only from updates (a bot gets channel posts only as an administrator), pass as before.
   */
  private checkAccess(chat: TgChat, access: Access): TgChat {
    if (chat.type !== 'channel') return chat;
    const member = this.botMembers.get(chat.id);
    if (!member) return chat;
    if (member.status === 'kicked') throw new ApiError(403, 'Forbidden: bot was kicked from the channel chat');
    const isMember = member.status === 'creator' || member.status === 'administrator' || member.status === 'member' || (member.status === 'restricted' && member.is_member);
    if (!isMember && (access === 'write' || !chat.username)) throw new ApiError(403, 'Forbidden: bot is not a member of the channel chat');
    const canPost = member.status === 'creator' || (member.status === 'administrator' && member.can_post_messages === true);
    if (access === 'write' && !canPost) throw new ApiError(400, 'Bad Request: need administrator rights in the channel chat');
    return chat;
  }

  /** A ChatMember object for the bot (https://core.telegram.org/bots/api#chatmember). */
  private memberRecord(chat: TgChat, status: ChatMemberStatus, canPostMessages: boolean): Json {
    const user = { id: this.bot.id, is_bot: true, first_name: this.bot.first_name, username: this.bot.username };
    const channel = chat.type === 'channel';
    switch (status) {
      case 'creator':
        return { status, user, is_anonymous: false };
      case 'administrator':
        return {
          status, user, can_be_edited: false, is_anonymous: false, can_manage_chat: true, can_delete_messages: channel, can_manage_video_chats: false,
          can_restrict_members: false, can_promote_members: false, can_change_info: false, can_invite_users: true, can_post_stories: false,
          can_edit_stories: false, can_delete_stories: false,
          ...(channel ? { can_post_messages: canPostMessages, can_edit_messages: canPostMessages } : { can_pin_messages: false }),
        };
      case 'restricted':
        return {
          status, user, is_member: true, can_send_messages: false, can_send_audios: false, can_send_documents: false, can_send_photos: false,
          can_send_videos: false, can_send_video_notes: false, can_send_voice_notes: false, can_send_polls: false, can_send_other_messages: false,
          can_add_web_page_previews: false, can_change_info: false, can_invite_users: false, can_pin_messages: false, can_manage_topics: false, until_date: 0,
        };
      case 'kicked':
        return { status, user, until_date: 0 };
      default:
        return { status, user };
    }
  }

  private visible(text: unknown, parseMode: unknown, what: 'text' | 'caption', limit: number): string {
    if (typeof text !== 'string') throw new ApiError(400, `Bad Request: message ${what} is empty`);
    let shown = text;
    if (parseMode === 'HTML') {
      const parsed = parseTelegramHtml(text);
      if ('error' in parsed) throw new ApiError(400, parsed.error);
      shown = parsed.text;
    } else if (parseMode !== undefined) {
      throw new ApiError(400, `Bad Request: unsupported parse_mode ${String(parseMode)} in this fake`);
    }
    if (shown.trim() === '' && what === 'text') throw new ApiError(400, 'Bad Request: message text is empty');
    if (telegramLength(shown) > limit) throw new ApiError(400, what === 'text' ? 'Bad Request: message is too long' : 'Bad Request: message caption is too long');
    return shown;
  }

  private checkMarkup(markup: unknown) {
    if (markup === undefined) return;
    const m = markup as Json;
    if (m.inline_keyboard !== undefined) {
      if (!Array.isArray(m.inline_keyboard)) throw new ApiError(400, "Bad Request: field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array");
      for (const row of m.inline_keyboard) {
        for (const button of row) {
          if (typeof button.text !== 'string' || button.text === '') throw new ApiError(400, 'Bad Request: text buttons are unallowed in the inline keyboard');
          if (button.callback_data !== undefined && Buffer.byteLength(String(button.callback_data)) > 64) throw new ApiError(400, 'Bad Request: BUTTON_DATA_INVALID');
          if (button.url !== undefined) this.checkButtonUrl(String(button.url));
        }
      }
    }
  }

  /** URL buttons: http(s) or tg:// links; Telegram refuses hosts without a dot, such as localhost. */
  private checkButtonUrl(url: string) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ApiError(400, 'Bad Request: BUTTON_URL_INVALID');
    }
    if (!['http:', 'https:', 'tg:'].includes(parsed.protocol)) throw new ApiError(400, `Bad Request: inline keyboard button URL '${url}' is invalid: Unsupported URL protocol`);
    if (parsed.protocol !== 'tg:' && !parsed.hostname.includes('.')) throw new ApiError(400, 'Bad Request: BUTTON_URL_INVALID');
  }

  private replyTarget(chat: TgChat, params: Json): Json | undefined {
    const messageId = params.reply_parameters?.message_id ?? params.reply_to_message_id;
    if (messageId === undefined) return undefined;
    const target = this.messages.get(`${chat.id}:${messageId}`);
    if (!target && !params.reply_parameters?.allow_sending_without_reply) throw new ApiError(400, 'Bad Request: message to be replied not found');
    return target;
  }

  private newMessage(chat: TgChat, fields: Json, params: Json): Json {
    const replyTo = this.replyTarget(chat, params);
    // A channel post is sent on behalf of the channel: `sender_chat` is the channel and there is no `from`.
    const sender = chat.type === 'channel' ? { sender_chat: chat } : { from: this.bot };
    const message: Json = {
      message_id: this.nextMessageId(chat.id), ...sender, chat, date: Math.floor(Date.now() / 1000), ...fields,
      ...(replyTo ? { reply_to_message: replyTo } : {}),
      ...(liveMarkup(params.reply_markup) ? { reply_markup: liveMarkup(params.reply_markup) } : {}),
    };
    this.messages.set(`${chat.id}:${message.message_id}`, message);
    if (chat.type === 'channel') this.botPosts.add(`${chat.id}:${message.message_id}`);
    return message;
  }

  private editable(params: Json): Json {
    const chat = this.chatFor(params.chat_id);
    const key = `${chat.id}:${Number(params.message_id)}`;
    const message = this.messages.get(key);
    if (!message || (message.from?.id !== this.bot.id && !this.botPosts.has(key))) throw new ApiError(400, 'Bad Request: message to edit not found');
    return message;
  }

  /** sendVideo's `video`: an upload (kept as a file the bot can reuse by file_id) or the file_id of a known file. */
  private videoFor(params: Json, upload: RecordedCall['files'][string] | undefined, data: Buffer | undefined): FakeFile {
    if (upload) {
      if (upload.size === 0 || !data) throw new ApiError(400, 'Bad Request: file must be non-empty');
      const path = join(this.dir, `upload_${this.files.size + 1}.mp4`);
      writeFileSync(path, data);
      return this.addFile({ path });
    }
    const id = params.video;
    if (typeof id !== 'string' || id === '') throw new ApiError(400, 'Bad Request: there is no video in the request');
    if (/^https?:\/\//i.test(id)) throw new ApiError(400, 'Bad Request: sending a video by URL is not supported by this fake');
    const file = this.files.get(id);
    if (!file) throw new ApiError(400, 'Bad Request: wrong file identifier/HTTP URL specified');
    return file;
  }

  private call(method: string, params: Json, files: RecordedCall['files'], bytes: Record<string, Buffer>): unknown {
    switch (method) {
      case 'getMe':
        return { ...this.bot, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false };
      case 'getChat': {
        const chat = this.chatFor(params.chat_id, 'read');
        // ChatFullInfo: the Chat fields plus accent_color_id and max_reaction_count (always present).
        return { ...chat, accent_color_id: 0, max_reaction_count: 11, ...(chat.username ? { active_usernames: [chat.username] } : {}) };
      }
      case 'getChatMember': {
        const chat = this.chatFor(params.chat_id, 'read');
        const userId = Number(params.user_id);
        if (params.user_id === undefined || params.user_id === '' || !Number.isSafeInteger(userId)) throw new ApiError(400, 'Bad Request: invalid user_id specified');
        // This fake keeps only the bot's own membership; asking about anyone else is what Telegram says of a stranger.
        if (userId !== this.bot.id) throw new ApiError(400, 'Bad Request: user not found');
        return this.botMembers.get(chat.id) ?? this.memberRecord(chat, chat.type === 'channel' ? 'administrator' : 'member', true);
      }
      case 'sendVideo': {
        const chat = this.chatFor(params.chat_id);
        const file = this.videoFor(params, files.video, bytes.video);
        if (params.caption !== undefined) this.visible(params.caption, params.parse_mode, 'caption', 1024);
        this.checkMarkup(params.reply_markup);
        const flag = (value: unknown) => value === true || value === 'true';
        const video = {
          file_id: file.file_id, file_unique_id: file.file_unique_id,
          width: Number(params.width ?? 0), height: Number(params.height ?? 0), duration: Number(params.duration ?? 0),
          ...(files.video ? { file_name: files.video.name } : {}), mime_type: 'video/mp4', file_size: file.file_size,
        };
        return this.newMessage(chat, {
          video,
          ...(params.caption !== undefined ? { caption: params.caption } : {}),
          ...(flag(params.has_spoiler) ? { has_media_spoiler: true } : {}),
        }, params);
      }
      case 'setWebhook': {
        if (typeof params.url !== 'string') throw new ApiError(400, 'Bad Request: bad webhook: URL must be specified');
        if (params.url === '') {
          this.webhook = undefined;
          return true;
        }
        if (params.secret_token !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(String(params.secret_token))) throw new ApiError(400, 'Bad Request: secret token contains unallowed characters');
        this.webhook = { url: params.url, secret: params.secret_token, allowedUpdates: Array.isArray(params.allowed_updates) ? params.allowed_updates : undefined };
        this.wakePoll();
        // Updates waiting when the webhook is set are delivered to it, as Telegram does.
        for (const update of this.updates.filter((u) => u.update_id > this.confirmedUpTo)) this.deliverToWebhook(update);
        return true;
      }
      case 'deleteWebhook':
        this.webhook = undefined;
        return true;
      case 'getWebhookInfo':
        return { url: this.webhook?.url ?? '', has_custom_certificate: false, pending_update_count: this.updates.filter((u) => u.update_id > this.confirmedUpTo).length };
      case 'setMyCommands':
      case 'deleteMyCommands':
        if (method === 'setMyCommands' && !Array.isArray(params.commands)) throw new ApiError(400, 'Bad Request: commands must be an array');
        if (params.scope?.type === 'chat') this.chatFor(params.scope.chat_id);
        return true;
      case 'sendChatAction':
        this.chatFor(params.chat_id);
        return true;
      case 'sendMessage': {
        const chat = this.chatFor(params.chat_id);
        this.visible(params.text, params.parse_mode, 'text', 4096);
        this.checkMarkup(params.reply_markup);
        return this.newMessage(chat, { text: params.text }, params);
      }
      case 'sendPhoto': {
        const chat = this.chatFor(params.chat_id);
        const upload = files.photo;
        if (!upload && (typeof params.photo !== 'string' || params.photo === '')) throw new ApiError(400, 'Bad Request: there is no photo in the request');
        if (upload && upload.size === 0) throw new ApiError(400, 'Bad Request: file must be non-empty');
        if (params.caption !== undefined) this.visible(params.caption, params.parse_mode, 'caption', 1024);
        this.checkMarkup(params.reply_markup);
        const photo = [{ file_id: `AgACAgIAAxk${randomBytes(16).toString('base64url')}`, file_unique_id: `AQAD${randomBytes(5).toString('base64url')}`, width: 320, height: 568, file_size: upload?.size ?? 1000 }];
        return this.newMessage(chat, { photo, ...(params.caption !== undefined ? { caption: params.caption } : {}) }, params);
      }
      case 'editMessageText': {
        const message = this.editable(params);
        if (message.text === undefined) throw new ApiError(400, 'Bad Request: there is no text in the message to edit');
        this.visible(params.text, params.parse_mode, 'text', 4096);
        this.checkMarkup(params.reply_markup);
        const markup = liveMarkup(params.reply_markup);
        if (message.text === params.text && JSON.stringify(message.reply_markup) === JSON.stringify(markup)) {
          throw new ApiError(400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
        }
        message.text = params.text;
        if (markup) message.reply_markup = markup;
        else delete message.reply_markup;
        message.edit_date = Math.floor(Date.now() / 1000);
        return message;
      }
      case 'editMessageCaption': {
        const message = this.editable(params);
        if (message.photo === undefined && message.video === undefined && message.document === undefined) throw new ApiError(400, 'Bad Request: there is no caption in the message to edit');
        this.visible(params.caption ?? '', params.parse_mode, 'caption', 1024);
        this.checkMarkup(params.reply_markup);
        const markup = liveMarkup(params.reply_markup);
        if (message.caption === params.caption && JSON.stringify(message.reply_markup) === JSON.stringify(markup)) {
          throw new ApiError(400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
        }
        message.caption = params.caption;
        if (markup) message.reply_markup = markup;
        else delete message.reply_markup;
        message.edit_date = Math.floor(Date.now() / 1000);
        return message;
      }
      case 'editMessageReplyMarkup': {
        const message = this.editable(params);
        this.checkMarkup(params.reply_markup);
        const markup = liveMarkup(params.reply_markup);
        if (markup) message.reply_markup = markup;
        else delete message.reply_markup;
        return message;
      }
      case 'answerCallbackQuery': {
        const id = String(params.callback_query_id ?? '');
        if (!this.openQueries.delete(id)) throw new ApiError(400, 'Bad Request: query is too old and response timeout expired or query ID is invalid');
        if (params.text !== undefined && String(params.text).length > 200) throw new ApiError(400, 'Bad Request: MESSAGE_TOO_LONG');
        return true;
      }
      case 'getFile': {
        const file = this.files.get(String(params.file_id ?? ''));
        if (!file) throw new ApiError(400, 'Bad Request: invalid file_id');
        if (this.mode === 'cloud' && file.file_size > CLOUD_FILE_LIMIT) throw new ApiError(400, 'Bad Request: file is too big');
        const filePath = this.mode === 'local' ? file.path : `videos/file_${[...this.files.keys()].indexOf(file.file_id)}.mp4`;
        this.filesByPath.set(filePath, file);
        return { file_id: file.file_id, file_unique_id: file.file_unique_id, file_size: file.file_size, file_path: filePath };
      }
      default:
        throw new ApiError(404, 'Not Found: method not found');
    }
  }
}

export async function startFakeTelegram(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const fake = new FakeTelegram(options);
  await fake.listen();
  return fake;
}
