/**
 * Hostile input: well over 100 malformed or odd updates through the fake Bot API into the running bot (real
 * stack) — missing fields, wrong types, huge captions, emoji and RTL text, SQL-looking text, files that are not
 * videos, forged callback data, admin commands from people who are not the admin, strangers trying everything.
 * Each gets a sensible answer or silence, the bot keeps working, and strangers leave nothing behind.
 */
import { count, eq, inArray, like } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDistributionRules } from '../../core/types.js';
import { contents, models, systemEvents, telegramUploads } from '../../db/schema.js';
import type { Json, TgChat, TgUser } from '../fakes/telegram-server.js';
import { botSays, db, mark, startBotStack, textOf, type BotHarness } from './harness.js';

let h: BotHarness;
beforeAll(async () => {
  h = await startBotStack();
});
afterAll(async () => h?.close());

type Expectation =
  | { reply: RegExp; later?: RegExp }
  | { answer: RegExp }
  | { silence: true };

interface Case {
  name: string;
  /** Where the bot would answer (a private chat is the user's id). */
  chatId: number;
  updates: Json[];
  expect: Expectation;
  /** Callback query ids of this case (answers are matched by id). */
  queries?: string[];
  stranger?: boolean;
}

let nextId = 8_000_000;
const newUser = (extra: Partial<TgUser> = {}): TgUser => ({ id: nextId++, is_bot: false, first_name: 'Anon', language_code: 'es', ...extra });
const privateChat = (user: TgUser): TgChat => ({ id: user.id, type: 'private', first_name: user.first_name });
let messageId = 1;
const message = (from: Json | undefined, chat: Json | undefined, fields: Json = {}): Json => ({
  message: { message_id: messageId++, date: Math.floor(Date.now() / 1000), ...(from ? { from } : {}), ...(chat ? { chat } : {}), ...fields },
});
const uuid = () => randomUUID();

const sql = "'; DROP TABLE contents; --";
const rtl = 'مرحبا، أريد النشر ‏שלום עולם';
const emoji = '🔥💋👑🎥✨🇨🇴'.repeat(20);
const huge = 'ñ'.repeat(4096);
const hugeCaption = `Contexto ${'muy largo 🎉 '.repeat(900)}`;
const html = '<b>negrita</b><script>alert(1)</script> & <i>';
const refusal = /solo para las modelos del estudio/;
const refusalEn = /only for the studio's models/;

function fileFields(kind: string, extra: Json = {}): Json {
  const base = { file_id: `BAAC${randomUUID()}`, file_unique_id: `AgAD${nextId++}`, file_size: 1234 };
  switch (kind) {
    case 'video': return { video: { ...base, width: 360, height: 640, duration: 3, mime_type: 'video/mp4', ...extra } };
    case 'pdf': return { document: { ...base, mime_type: 'application/pdf', file_name: 'contrato.pdf', ...extra } };
    case 'png': return { document: { ...base, mime_type: 'image/png', file_name: 'foto.png', ...extra } };
    case 'photo': return { photo: [{ ...base, width: 90, height: 90 }, { ...base, file_id: `${base.file_id}x`, width: 800, height: 800 }] };
    case 'sticker': return { sticker: { ...base, type: 'regular', width: 512, height: 512, is_animated: false, is_video: false } };
    case 'voice': return { voice: { ...base, duration: 4, mime_type: 'audio/ogg' } };
    case 'audio': return { audio: { ...base, duration: 180, mime_type: 'audio/mpeg', title: 'Canción' } };
    case 'location': return { location: { latitude: 4.6, longitude: -74.08 } };
    case 'contact': return { contact: { phone_number: '+573001234567', first_name: 'Ana' } };
    case 'poll': return { poll: { id: '1', question: '¿Sí?', options: [{ text: 'sí', voter_count: 0 }], total_voter_count: 0, is_closed: false, is_anonymous: true, type: 'regular', allows_multiple_answers: false } };
    case 'dice': return { dice: { emoji: '🎲', value: 4 } };
    case 'animation': return { animation: { ...base, width: 320, height: 320, duration: 2, mime_type: 'video/mp4' }, document: { ...base, mime_type: 'video/mp4' } };
    case 'video_note': return { video_note: { ...base, length: 240, duration: 3 } };
    default: throw new Error(kind);
  }
}

function strangerCases(): Case[] {
  const cases: Case[] = [];
  const add = (name: string, fields: Json, expectation: Expectation = { reply: refusal }, user = newUser()) =>
    cases.push({ name: `stranger: ${name}`, chatId: user.id, updates: [message(user, privateChat(user), fields)], expect: expectation, stranger: true });
  add('hello', { text: 'hola, quiero publicar' });
  add('SQL', { text: sql });
  add('RTL', { text: rtl });
  add('emoji', { text: emoji });
  add('4096 characters', { text: huge });
  add('HTML', { text: html });
  add('/start without code', { text: '/start', entities: [{ type: 'bot_command', offset: 0, length: 6 }] });
  for (const code of [`' OR 1=1 --`, 'A'.repeat(64), 'B'.repeat(500), '🔥🔥', 'ZZZZZZZZZZ', '../../etc/passwd', '%00%27', 'NULL']) {
    add(`/start ${code.slice(0, 12)}`, { text: `/start ${code}`, entities: [{ type: 'bot_command', offset: 0, length: 6 }] }, { reply: /código no es válido/ });
  }
  for (const command of ['/status', '/daily', '/weekly', '/pause Modelo Demo', '/resume Modelo Demo', '/failed', '/retry 12345678', '/estado', '/help']) {
    add(command, { text: command, entities: [{ type: 'bot_command', offset: 0, length: command.split(' ')[0]!.length }] });
  }
  for (const kind of ['video', 'pdf', 'png', 'photo', 'sticker', 'voice', 'audio', 'location', 'contact', 'poll', 'dice', 'animation', 'video_note']) add(kind, fileFields(kind));
  add('video with a huge caption', { ...fileFields('video'), caption: hugeCaption });
  add('English app', { text: 'hello' }, { reply: refusalEn }, newUser({ language_code: 'en-US' }));
  add('no language', { text: 'hola' }, { reply: refusal }, newUser({ language_code: undefined }));
  add('forwarded message', { text: 'reenviado', forward_origin: { type: 'hidden_user', sender_user_name: 'X', date: 1 } });
  add('broken entities', { text: 'hola', entities: [{ type: 'bold', offset: 50, length: 900 }] });
  add('text that is a number', { text: 12345 });
  add('text that is an object', { text: { evil: true } });
  // Albums from a stranger: refused, nothing kept.
  const albumUser = newUser();
  cases.push({
    name: 'stranger: album of 3', chatId: albumUser.id, stranger: true, expect: { reply: refusal },
    updates: [0, 1, 2].map(() => message(albumUser, privateChat(albumUser), { ...fileFields('video'), media_group_id: 'g-stranger' })),
  });
  // Silence: no message at all, or not from a person.
  const editor = newUser();
  cases.push({ name: 'stranger: edited message', chatId: editor.id, stranger: true, expect: { silence: true }, updates: [{ edited_message: message(editor, privateChat(editor), { text: 'editado', edit_date: 1 }).message }] });
  const noFrom = newUser();
  cases.push({ name: 'private message without from', chatId: noFrom.id, stranger: true, expect: { silence: true }, updates: [message(undefined, privateChat(noFrom), { text: 'sin remitente' })] });
  const aBot = newUser({ is_bot: true });
  cases.push({ name: 'message from a bot', chatId: aBot.id, stranger: true, expect: { silence: true }, updates: [message(aBot, privateChat(aBot), { text: '/start AAAA' })] });
  const stringId = newUser();
  cases.push({ name: 'user id that is a string', chatId: stringId.id, stranger: true, expect: { silence: true }, updates: [message({ ...stringId, id: `${stringId.id}` }, privateChat(stringId), { text: 'hola' })] });
  const hugeId = newUser();
  cases.push({ name: 'chat id beyond safe integers', chatId: hugeId.id, stranger: true, expect: { silence: true }, updates: [message(hugeId, { id: 2 ** 60, type: 'private' }, { text: 'hola' })] });
  return cases;
}

function malformedCases(): Case[] {
  const ghost = -1; // nothing can be sent there: any call to it would be a bug
  const updates: Json[] = [
    {}, { foo: 'bar' }, { message: null }, { message: {} }, { message: { text: 'sin chat' } }, { message: { chat: null, text: 'x' } },
    { message: { message_id: 'uno', chat: { id: 'abc', type: 'private' }, text: 'x' } }, { callback_query: {} },
    { callback_query: { id: 42 } }, { edited_message: {} }, { message: { message_id: 1, date: 0, chat: { id: 5, type: 'weird' }, text: 'x' } },
  ];
  return updates.map((u, i) => ({
    name: `malformed update ${i}: ${JSON.stringify(u).slice(0, 60)}`, chatId: typeof u.message?.chat?.id === 'number' ? u.message.chat.id : ghost,
    updates: [u], expect: { silence: true },
  }));
}

function groupAndChannelCases(): Case[] {
  const cases: Case[] = [];
  const member = newUser({ username: 'intrusa' });
  let groupId = -200_000_000;
  const group = (type: 'group' | 'supergroup' = 'group'): TgChat => ({ id: groupId--, type, title: 'Grupo cualquiera' });
  for (const text of ['hola grupo', '/status', '/pause Modelo Demo', '/start ABCDEFGHJK', '/failed', sql]) {
    const chat = group();
    cases.push({ name: `group: ${text}`, chatId: chat.id, expect: { silence: true }, updates: [message(member, chat, { text, ...(text.startsWith('/') ? { entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }] } : {}) })] });
  }
  const topic = group('supergroup');
  cases.push({ name: 'supergroup topic message', chatId: topic.id, expect: { silence: true }, updates: [message(member, topic, { text: '/status', is_topic_message: true, message_thread_id: 7 })] });
  const channel: TgChat = { id: groupId--, type: 'channel', title: 'Canal' };
  cases.push({ name: 'channel post', chatId: channel.id, expect: { silence: true }, updates: [{ channel_post: { message_id: 1, date: 1, chat: channel, text: '/status' } }] });
  const added = group();
  cases.push({
    name: 'bot added to a group', chatId: added.id, expect: { silence: true },
    updates: [{ my_chat_member: { chat: added, from: member, date: 1, old_chat_member: { status: 'left', user: h.tg.bot }, new_chat_member: { status: 'member', user: h.tg.bot } } }],
  });
  return cases;
}

function callbackCases(): Case[] {
  const cases: Case[] = [];
  const stranger = newUser();
  const group: TgChat = { id: -300_000_001, type: 'group', title: 'Otro grupo' };
  const admin = h.admin;
  const adminMsg = { message_id: 999_999, date: 1, chat: h.adminChat, from: h.tg.bot, text: 'tarjeta falsa' };
  const add = (name: string, from: Json | undefined, msg: Json | undefined, data: unknown, expectation: RegExp, extra: Json = {}) => {
    const id = `cb${nextId++}`;
    cases.push({
      name: `callback: ${name}`, chatId: Number(msg?.chat?.id ?? -1), queries: [id], expect: { answer: expectation },
      updates: [{ callback_query: { id, chat_instance: '1', ...(from ? { from } : {}), ...(msg ? { message: msg } : {}), ...(data !== undefined ? { data } : {}), ...extra } }],
    });
  };
  const strangerMsg = { message_id: 1, date: 1, chat: privateChat(stranger), from: h.tg.bot, text: 'x' };
  const notAvailable = /no está disponible/;
  add('approve from a private chat', stranger, strangerMsg, `ap:${uuid()}`, notAvailable);
  add('reject from a private chat', stranger, strangerMsg, `rj:${uuid()}`, notAvailable);
  add('retry from a private chat', stranger, strangerMsg, `rt:${uuid()}`, notAvailable);
  add('approve from another group', stranger, { ...strangerMsg, chat: group }, `ap:${uuid()}`, notAvailable);
  add('no message (inline)', stranger, undefined, `ap:${uuid()}`, notAvailable, { inline_message_id: 'abc' });
  const unknown = /Acción desconocida/;
  for (const data of ["rt:' OR 1=1 --", 'x'.repeat(64), 'ap:', 'ap:not-a-uuid', `zz:${uuid()}`, `ap:${uuid()}:extra`, 'rt:../../etc', '🔥', '']) {
    add(`admin chat, forged data ${JSON.stringify(data).slice(0, 20)}`, admin, adminMsg, data, unknown);
  }
  add('admin chat, no data (game)', admin, adminMsg, undefined, unknown, { game_short_name: 'juego' });
  add('admin chat, data that is a number', admin, adminMsg, 12345, unknown);
  add('admin chat, approve a content that does not exist', admin, adminMsg, `ap:${uuid()}`, /No lo encontré/);
  add('admin chat, reject a content that does not exist', admin, adminMsg, `rj:${uuid()}`, /No encontré ese contenido/);
  add('admin chat, retry a publication that does not exist', admin, adminMsg, `rt:${uuid()}`, /No lo encontré/);
  add('admin chat, from someone unknown', stranger, adminMsg, `zz:${uuid()}`, unknown);
  return cases;
}

async function linkedModelCases(): Promise<Case[]> {
  const specs: { name: string; fields: (u: TgUser) => Json; expect: Expectation; extra?: (u: TgUser) => Json[] }[] = [
    { name: 'pdf document', fields: () => fileFields('pdf'), expect: { reply: /Solo puedo recibir videos/ } },
    { name: 'png document', fields: () => fileFields('png'), expect: { reply: /Solo puedo recibir videos/ } },
    { name: 'document without mime type', fields: () => ({ document: { file_id: 'x', file_unique_id: 'y', file_name: 'video.mp4' } }), expect: { reply: /Solo puedo recibir videos/ } },
    { name: 'video without file_id', fields: () => ({ video: { width: 1, height: 1, duration: 1 } }), expect: { reply: /No pude leer ese archivo/ } },
    { name: 'video with an empty file_id', fields: () => fileFields('video', { file_id: '' }), expect: { reply: /No pude leer ese archivo/ } },
    { name: 'video with a numeric file_id', fields: () => fileFields('video', { file_id: 123 }), expect: { reply: /No pude leer ese archivo/ } },
    { name: 'video that is a string', fields: () => ({ video: 'no soy un objeto' }), expect: { reply: /No pude leer ese archivo/ } },
    { name: 'video of 25 MB', fields: () => fileFields('video', { file_size: 25 * 1024 * 1024 }), expect: { reply: /pesa 25 MB y Telegram solo deja a los bots descargar hasta 20 MB/ } },
    { name: 'video of 3 GB', fields: () => fileFields('video', { file_size: 3 * 1024 ** 3 }), expect: { reply: /Telegram solo deja a los bots descargar hasta 20 MB/ } },
    { name: 'photo', fields: () => fileFields('photo'), expect: { reply: /Solo puedo recibir videos/ } },
    { name: 'sticker', fields: () => fileFields('sticker'), expect: { reply: /Solo puedo recibir videos/ } },
    { name: 'voice', fields: () => fileFields('voice'), expect: { reply: /Solo puedo recibir videos/ } },
    { name: 'audio', fields: () => fileFields('audio'), expect: { reply: /Solo puedo recibir videos/ } },
    { name: 'location', fields: () => fileFields('location'), expect: { reply: /Solo puedo recibir videos/ } },
    { name: 'contact', fields: () => fileFields('contact'), expect: { reply: /Solo puedo recibir videos/ } },
    { name: 'poll', fields: () => fileFields('poll'), expect: { reply: /Solo puedo recibir videos/ } },
    { name: 'dice', fields: () => fileFields('dice'), expect: { reply: /Solo puedo recibir videos/ } },
    { name: 'pdf with an HTML caption', fields: () => ({ ...fileFields('pdf'), caption: html }), expect: { reply: /Solo puedo recibir videos/ } },
    { name: 'SQL text', fields: () => ({ text: sql }), expect: { reply: /mándame un video/ } },
    { name: 'RTL text', fields: () => ({ text: rtl }), expect: { reply: /mándame un video/ } },
    { name: 'emoji text', fields: () => ({ text: emoji }), expect: { reply: /mándame un video/ } },
    { name: '4096 characters', fields: () => ({ text: huge }), expect: { reply: /mándame un video/ } },
    { name: 'HTML text', fields: () => ({ text: html }), expect: { reply: /mándame un video/ } },
    { name: 'text that is a number', fields: () => ({ text: 42 }), expect: { reply: /mándame un video/ } },
    { name: 'empty message', fields: () => ({}), expect: { reply: /Solo puedo recibir videos/ } },
    { name: '/status (admin command)', fields: () => ({ text: '/status', entities: [{ type: 'bot_command', offset: 0, length: 7 }] }), expect: { reply: /Todavía no me has enviado videos|Tus últimos videos/ } },
    { name: '/pause (admin command)', fields: () => ({ text: '/pause Modelo Demo', entities: [{ type: 'bot_command', offset: 0, length: 6 }] }), expect: { reply: /No conozco ese comando/ } },
    { name: '/retry (admin command)', fields: () => ({ text: `/retry ${sql}`, entities: [{ type: 'bot_command', offset: 0, length: 6 }] }), expect: { reply: /No conozco ese comando/ } },
    { name: '/failed (admin command)', fields: () => ({ text: '/failed', entities: [{ type: 'bot_command', offset: 0, length: 7 }] }), expect: { reply: /No conozco ese comando/ } },
    { name: '/daily (admin command)', fields: () => ({ text: '/daily', entities: [{ type: 'bot_command', offset: 0, length: 6 }] }), expect: { reply: /No conozco ese comando/ } },
    { name: '/start again', fields: () => ({ text: '/start', entities: [{ type: 'bot_command', offset: 0, length: 6 }] }), expect: { reply: /Ya estás vinculada/ } },
    { name: '/start with a bad code', fields: () => ({ text: `/start ${sql}`, entities: [{ type: 'bot_command', offset: 0, length: 6 }] }), expect: { reply: /código no es válido/ } },
    { name: '/help', fields: () => ({ text: '/help', entities: [{ type: 'bot_command', offset: 0, length: 5 }] }), expect: { reply: /Cómo enviar contenido/ } },
    { name: '/foo', fields: () => ({ text: '/foo bar', entities: [{ type: 'bot_command', offset: 0, length: 4 }] }), expect: { reply: /No conozco ese comando/ } },
    { name: 'command for another bot', fields: () => ({ text: '/help@otro_bot', entities: [{ type: 'bot_command', offset: 0, length: 14 }] }), expect: { reply: /No conozco ese comando/ } },
    // Videos the bot cannot judge before downloading: received, then refused by the workflow's download with a reason.
    { name: 'video with a bogus file and a huge caption', fields: () => ({ ...fileFields('video'), caption: hugeCaption }), expect: { reply: /Recibí tu video/, later: /No pudimos descargar tu video de Telegram/ } },
    { name: 'video named ../../etc/passwd with an odd mime type', fields: () => fileFields('video', { file_name: '../../etc/passwd', mime_type: 'video/x-evil<script>' }), expect: { reply: /Recibí tu video/, later: /No pudimos descargar/ } },
    { name: 'video with a negative size', fields: () => fileFields('video', { file_size: -5 }), expect: { reply: /Recibí tu video/, later: /No pudimos descargar/ } },
    { name: 'animation', fields: () => fileFields('animation'), expect: { reply: /Recibí tu video/, later: /No pudimos descargar/ } },
    { name: 'album mixing a photo and a video', fields: () => ({ ...fileFields('photo'), media_group_id: 'mix' }), extra: () => [{ ...fileFields('video'), media_group_id: 'mix' }], expect: { reply: /Solo puedo recibir videos/, later: /Recibí tu video/ } },
  ];
  const users = specs.map((_, i) => newUser({ username: `hostil_${i}` }));
  await db(h).insert(models).values(users.map((u, i) => ({
    name: `Hostil ${i} ${u.id}`, distribution: { ...defaultDistributionRules }, telegramUserId: u.id,
  })));
  const cases: Case[] = specs.map((spec, i) => {
    const user = users[i]!;
    const chat = privateChat(user);
    return {
      name: `linked model: ${spec.name}`, chatId: user.id, expect: spec.expect,
      updates: [message(user, chat, spec.fields(user)), ...(spec.extra?.(user) ?? []).map((f) => message(user, chat, f))],
    };
  });
  // Edits and a linked model writing in a group: silence.
  const u = users[0]!;
  const group: TgChat = { id: -400_000_001, type: 'group', title: 'Grupo' };
  cases.push({ name: 'linked model: edited message', chatId: -2, expect: { silence: true }, updates: [{ edited_message: { ...message(u, privateChat(u), { text: 'editado' }).message, edit_date: 1, chat: { id: -2, type: 'private' } } }] });
  cases.push({ name: 'linked model: in some group', chatId: group.id, expect: { silence: true }, updates: [message(u, group, { ...fileFields('video'), caption: 'en un grupo' })] });
  return cases;
}

describe('hostile input', () => {
  it('answers each odd update sensibly or not at all, keeps working, and strangers leave nothing behind', async () => {
    const contentCount = async () => (await db(h).select({ n: count() }).from(contents))[0]!.n;
    const contentsBefore = await contentCount();
    const cases = [...strangerCases(), ...malformedCases(), ...groupAndChannelCases(), ...callbackCases(), ...(await linkedModelCases())];
    const totalUpdates = cases.reduce((n, c) => n + c.updates.length, 0);
    expect(totalUpdates).toBeGreaterThanOrEqual(100);
    console.log(`hostile input: ${totalUpdates} updates in ${cases.length} cases`);

    const start = mark(h);
    let last = 0;
    for (const c of cases) for (const u of c.updates) last = h.tg.pushUpdate(u);
    await h.tg.waitConsumed(last, 60_000);
    await h.bot.idle(60_000);

    const outgoing = () => h.tg.calls.slice(start).filter((c) => c.method !== 'getUpdates' && c.method !== 'getFile');
    for (const c of cases) {
      const label = `${c.name}`;
      if ('reply' in c.expect) {
        const reply = await botSays(h, c.chatId, c.expect.reply, { after: start, timeoutMs: 30_000 }).catch(() => undefined);
        expect(reply, `${label}: expected a reply ${c.expect.reply}`).toBeDefined();
        if (c.expect.later) {
          const later = await botSays(h, c.chatId, c.expect.later, { after: start, timeoutMs: 60_000 }).catch(() => undefined);
          expect(later, `${label}: expected later ${c.expect.later}`).toBeDefined();
        }
      } else if ('answer' in c.expect) {
        const answer = h.tg.calls.slice(start).find((call) => call.method === 'answerCallbackQuery' && c.queries!.includes(String(call.params.callback_query_id)));
        expect(answer, `${label}: expected a callback answer`).toBeDefined();
        expect(String(answer!.params.text), label).toMatch(c.expect.answer);
        // A forged button never sends or edits anything.
        expect(outgoing().filter((call) => call.method !== 'answerCallbackQuery' && Number(call.params.chat_id) === c.chatId && c.chatId !== h.adminChat.id), label).toHaveLength(0);
      } else {
        expect(outgoing().filter((call) => Number(call.params.chat_id) === c.chatId), `${label}: expected silence`).toHaveLength(0);
      }
    }
    // Every call the bot made succeeded: no malformed HTML, no too-long text, no answer to a query twice.
    const failedCalls = outgoing().filter((c) => c.status !== 200);
    expect(failedCalls.map((c) => `${c.method} ${c.status} ${c.response.description}`)).toEqual([]);
    // Nothing the bot sent echoes a raw tag from the input.
    expect(outgoing().filter((c) => /<script>/.test(textOf(c)))).toEqual([]);

    // Strangers: nothing stored, nothing downloaded, nobody linked, no event about them.
    const strangerIds = cases.filter((c) => c.stranger).map((c) => c.chatId);
    expect(await db(h).select().from(telegramUploads).where(inArray(telegramUploads.telegramUserId, strangerIds))).toEqual([]);
    expect(await db(h).select().from(models).where(inArray(models.telegramUserId, strangerIds))).toEqual([]);
    for (const id of strangerIds.slice(0, 10)) expect(await db(h).select().from(systemEvents).where(like(systemEvents.actor, `%${id}%`))).toEqual([]);
    const strangerFiles = new Set(cases.filter((c) => c.stranger).flatMap((c) => c.updates.map((u) => JSON.stringify(u))));
    expect(h.tg.callsTo('getFile').filter((c) => [...strangerFiles].some((u) => u.includes(String(c.params.file_id))))).toEqual([]);
    // Linked models' files that are not videos (or too big) were not stored either: only the five that could be videos.
    expect(await contentCount()).toBe(contentsBefore + 5);
    const clipped = await db(h).select().from(contents).where(like(contents.context, 'Contexto muy largo%'));
    expect(clipped).toHaveLength(1);
    expect(clipped[0]!.context!.length).toBeLessThanOrEqual(4000);
    const odd = await db(h).select().from(telegramUploads).where(eq(telegramUploads.fileName, '../../etc/passwd'));
    expect(odd[0]!.filePath).toMatch(new RegExp(`^${h.stack.dataDir}/media/incoming/telegram-[0-9a-f-]+\\.mp4$`));

    // And the bot still works.
    const after = mark(h);
    h.tg.sendText(h.admin, '/status', { chat: h.adminChat });
    await botSays(h, h.adminChat.id, /<b>Estado<\/b>/, { after });
  });

  it('admin chat: odd commands get usage or help, and plain chatter is ignored', async () => {
    const say = async (text: string | Json, replyTo?: Json) => {
      const after = mark(h);
      const { updateId } = typeof text === 'string'
        ? h.tg.sendText(h.admin, text, { chat: h.adminChat, replyTo })
        : h.tg.sendMessage(h.admin, text, h.adminChat);
      await h.tg.waitConsumed(updateId);
      await h.bot.idle();
      return h.tg.sentTo(h.adminChat.id).filter((c) => h.tg.calls.indexOf(c) >= after).map(textOf);
    };
    expect(await say(`/retry ${sql}`)).toEqual([expect.stringMatching(/Uso: <code>\/retry ID/)]);
    expect(await say('/retry 00000000')).toEqual([expect.stringMatching(/No encontré ninguna publicación #00000000/)]);
    expect(await say('/retry')).toEqual([expect.stringMatching(/Uso/)]);
    expect(await say(`/pause ${'x'.repeat(5000)}`)).toEqual([expect.stringMatching(/No hay ninguna modelo/)]);
    expect(await say(`/pause ${sql}`)).toEqual([expect.stringMatching(/No hay ninguna modelo/)]);
    expect(await say(`/resume ${rtl}`)).toEqual([expect.stringMatching(/No hay ninguna modelo/)]);
    expect(await say('/pause Hostil')).toEqual([expect.stringMatching(/Hay varias modelos que coinciden/)]);
    expect(await say('/nada')).toEqual([expect.stringMatching(/Comandos del chat de administración/)]);
    expect(await say('hola equipo, ¿cómo va todo?')).toEqual([]);
    expect(await say(fileFields('photo'))).toEqual([]);
    expect(await say('respuesta a un mensaje cualquiera', { message_id: 1, date: 1, chat: h.adminChat, from: h.tg.bot, text: 'x' })).toEqual([]);
    // (getFile of the bogus files above fails on purpose; everything the bot itself sent went through.)
    expect(h.tg.calls.filter((c) => c.status !== 200 && c.method !== 'getUpdates' && c.method !== 'getFile')).toEqual([]);
  });
});
