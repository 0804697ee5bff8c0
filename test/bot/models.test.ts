/**
 * The Telegram bot end to end, from the models' side, against the real stack (PostgreSQL, Temporal dev server,
 * workers, Chromium, ffmpeg, the demo platform) and the fake Bot API: linking with one-time codes, a video that
 * becomes a post with the model told at each step, an album of three, a text right after a video as its context,
 * the 20 MB Cloud Bot API limit (and a local Bot API server lifting it), and strangers refused with nothing kept.
 */
import { count, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDistributionRules } from '../../core/types.js';
import { linkCodeHash } from '../../crypto/link-codes.js';
import { eventsOf, recordEvent } from '../../db/events.js';
import { contents, models, systemEvents, telegramUploads } from '../../db/schema.js';
import { publicationOf, setModelRules } from '../helpers/lifecycle.js';
import { waitFor } from '../helpers/wait.js';
import {
  bigVideoFile, botSays, contentsFrom, db, linkModel, mark, modelRow, restartBot, shortIdOf, startBotStack, textOf, videoFile,
  waitForContents, type BotHarness,
} from './harness.js';

let h: BotHarness;

beforeAll(async () => {
  h = await startBotStack();
});
afterAll(async () => h?.close());

async function demoPosts() {
  const { posts } = (await (await fetch(`${h.stack.demo.url}/__admin/posts`)).json()) as { posts: { id: string; caption: string; url: string }[] };
  return posts;
}

/** Published, and its workflow closed (its last step saves the account's session, which must not race the next test). */
async function publishedAndSettled(contentId: string) {
  const publication = await publicationOf(h.stack, contentId, ['published'], 120_000);
  await h.stack.app.temporal.workflow.getHandle(publication.workflowId).result();
  return publication;
}

describe('linking', () => {
  it('links a model with a one-time code that expires and works once', async () => {
    const [model] = await db(h).insert(models).values({ name: 'Model Link', distribution: { ...defaultDistributionRules, language: 'en' } }).returning();
    const ana = h.tg.user(7100001, { username: 'ana', language_code: 'es' });
    const eve = h.tg.user(7100002, { language_code: 'en' });

    // The API: auth, unknown model, then a code.
    const api = (id: string, token: string | null = h.stack.apiToken, body = '{}') => fetch(`${h.stack.url}/api/models/${id}/telegram-link`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body,
    });
    expect((await api(model!.id, null)).status).toBe(401);
    expect((await api('00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await api('not-a-uuid')).status).toBe(400);
    expect((await api(model!.id, h.stack.apiToken, '{"ttlHours":-1}')).status).toBe(400);
    const created = await api(model!.id);
    expect(created.status).toBe(201);
    const { code, expiresAt } = (await created.json()) as { code: string; expiresAt: string };
    expect(code).toMatch(/^[A-Z2-9]{10}$/);
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now() + 47 * 3_600_000);
    // Stored as its HMAC only: the database never holds a usable code.
    const stored = (await modelRow(h, model!.id)).telegramLinkCodeHash;
    expect(stored).toBe(linkCodeHash(h.stack.app.config.sessionSecret, code));
    expect(stored).not.toContain(code);

    // A wrong code: refused, nothing linked.
    let after = mark(h);
    h.tg.sendText(ana, '/start NOPE123456');
    expect(textOf(await botSays(h, ana.id, /código no es válido/, { after }))).toContain('/start');
    expect((await modelRow(h, model!.id)).telegramUserId).toBeNull();

    // The right code (typed in lower case): linked, answered in the model's language.
    after = mark(h);
    h.tg.sendText(ana, `/start ${code.toLowerCase()}`);
    expect(textOf(await botSays(h, ana.id, /All set, Model Link!/, { after }))).toContain('/help');
    const linked = await modelRow(h, model!.id);
    expect(linked).toMatchObject({ telegramUserId: ana.id, telegramLinkCodeHash: null, telegramLinkExpiresAt: null });
    expect((await eventsOf(db(h), {})).some((e) => e.type === 'telegram_linked' && e.modelId === model!.id && e.actor === `telegram:${ana.id}`)).toBe(true);

    // The same code again (someone else): it worked once, so it is invalid now.
    after = mark(h);
    h.tg.sendText(eve, `/start ${code}`);
    expect(textOf(await botSays(h, eve.id, /not valid or was already used/, { after }))).toBeTruthy();
    expect((await modelRow(h, model!.id)).telegramUserId).toBe(ana.id);

    // An expired code: refused as expired, and cleared.
    const second = (await (await api(model!.id)).json()) as { code: string };
    await db(h).update(models).set({ telegramLinkExpiresAt: new Date(Date.now() - 60_000) }).where(eq(models.id, model!.id));
    after = mark(h);
    h.tg.sendText(eve, `/start ${second.code}`);
    await botSays(h, eve.id, /expired/, { after });
    expect(await modelRow(h, model!.id)).toMatchObject({ telegramUserId: ana.id, telegramLinkCodeHash: null });

    // Linked and talking: /start without a code greets her; /help explains the limits.
    after = mark(h);
    h.tg.sendText(ana, '/start');
    await botSays(h, ana.id, /already linked/, { after });
    h.tg.sendText(ana, '/help');
    expect(textOf(await botSays(h, ana.id, /How to send content/, { after }))).toContain('20 MB');
  });
});

describe('a linked model sending videos', () => {
  const maria = () => h.tg.user(7200001, { username: 'maria_cam', first_name: 'María' });

  beforeAll(async () => {
    await setModelRules(h.stack, {});
    await linkModel(h, h.stack.seeded.modelId, maria());
  });

  it('turns a video into a post on the demo platform and tells the model at each step', async () => {
    const file = await videoFile(h);
    const after = mark(h);
    const { message } = h.tg.sendVideo(maria(), file, { caption: 'Hola desde Telegram 🎉 esta noche en vivo' });

    const received = await botSays(h, maria().id, /Recibí tu video \(#[0-9a-f]{8}\)/, { after });
    expect(received.params.reply_parameters).toMatchObject({ message_id: message.message_id });
    const [row] = await waitForContents(h, maria().id, 1);
    const { content, upload } = row!;
    expect(textOf(received)).toContain(`#${shortIdOf(content.id)}`);
    expect(content).toMatchObject({ modelId: h.stack.seeded.modelId, context: 'Hola desde Telegram 🎉 esta noche en vivo', sentBy: `telegram:${maria().id}` });
    expect(upload).toMatchObject({ kind: 'video', fileId: file.file_id, chatId: maria().id, messageId: message.message_id });

    const publication = await publishedAndSettled(content.id);
    // The workflow's ingest downloaded it through getFile + /file/bot<token>/…, after the bot had answered.
    const getFile = h.tg.calls.findIndex((c) => c.method === 'getFile' && c.params.file_id === file.file_id);
    expect(getFile).toBeGreaterThan(h.tg.calls.indexOf(received));
    expect(h.tg.downloads).toContain(file.file_id);
    const posts = (await demoPosts()).filter((p) => p.caption.includes(publication.caption.split('\n').at(-1)!));
    expect(posts).toHaveLength(1);
    expect(posts[0]!.caption).toContain('Hola desde Telegram 🎉');

    await botSays(h, maria().id, new RegExp(`Tu video #${shortIdOf(content.id)} fue aprobado`), { after });
    const published = await botSays(h, maria().id, new RegExp(`#${shortIdOf(content.id)} ya está publicado en demo`), { after });
    expect(textOf(published)).toContain(publication.postUrl!);

    // /estado lists it with its link.
    const before = mark(h);
    h.tg.sendText(maria(), '/estado');
    const status = await botSays(h, maria().id, /Tus últimos videos/, { after: before });
    expect(textOf(status)).toContain(`#${shortIdOf(content.id)}`);
    expect(textOf(status)).toContain(publication.postUrl!);

    // A post that a platform keeps as a draft (TikTok's inbox takes no text): she is sent the caption to paste.
    const beforeDraft = mark(h);
    await recordEvent(db(h), 'publication_published', { url: publication.postUrl!, externalId: 'draft-1', draft: true }, {
      publicationId: publication.id, contentId: content.id, modelId: h.stack.seeded.modelId,
    });
    const draft = await botSays(h, maria().id, new RegExp(`#${shortIdOf(content.id)} está en tu bandeja de borradores de demo`), { after: beforeDraft });
    expect(textOf(draft)).toContain(publication.caption.split('\n')[0]!);
    expect(draft.params.parse_mode).toBe('HTML');
  });

  it('takes an album of 3 as three contents with the album caption, and publishes all three', async () => {
    const files = [await videoFile(h), await videoFile(h), await videoFile(h)];
    const after = mark(h);
    const group = `1390${Date.now()}`;
    h.tg.sendVideo(maria(), files[0]!, { caption: 'Álbum de la noche', mediaGroupId: group });
    h.tg.sendVideo(maria(), files[1]!, { mediaGroupId: group });
    h.tg.sendVideo(maria(), files[2]!, { mediaGroupId: group, as: 'document', mimeType: 'video/quicktime', fileName: 'toma 3.mov' });

    const received = await botSays(h, maria().id, /Recibí tus 3 videos/, { after });
    const rows = (await waitForContents(h, maria().id, 4)).slice(-3);
    expect(rows.map((r) => r.upload.mediaGroupId)).toEqual([group, group, group]);
    expect(rows.map((r) => r.content.context)).toEqual(['Álbum de la noche', 'Álbum de la noche', 'Álbum de la noche']);
    expect(rows[2]!.upload).toMatchObject({ kind: 'document', mimeType: 'video/quicktime', fileName: 'toma 3.mov' });
    for (const r of rows) expect(textOf(received)).toContain(`#${shortIdOf(r.content.id)}`);
    // One answer for the album, not one per part.
    expect(h.tg.sentTo(maria().id).slice(h.tg.sentTo(maria().id).indexOf(received) + 1).filter((c) => /Recibí/.test(textOf(c)))).toHaveLength(0);

    for (const r of rows) {
      await publishedAndSettled(r.content.id);
      await botSays(h, maria().id, new RegExp(`#${shortIdOf(r.content.id)} ya está publicado`), { after });
    }
  });

  it('uses a text sent right after a video as its context, and says when the same video comes twice', async () => {
    const file = await videoFile(h);
    let after = mark(h);
    h.tg.sendVideo(maria(), file, { as: 'video_note' });
    h.tg.sendText(maria(), 'El contexto llega después');
    await botSays(h, maria().id, /Recibí tu video/, { after });
    const [row] = (await waitForContents(h, maria().id, 5)).slice(-1);
    expect(row!.content.context).toBe('El contexto llega después');
    expect(row!.upload.kind).toBe('video_note');
    await publishedAndSettled(row!.content.id);

    // The same clip again (a new message): received, then recognized as a duplicate and never published twice.
    after = mark(h);
    h.tg.sendVideo(maria(), file, { caption: 'otra vez' });
    await botSays(h, maria().id, /Recibí tu video/, { after });
    const [dup] = (await waitForContents(h, maria().id, 6)).slice(-1);
    const notice = await botSays(h, maria().id, new RegExp(`#${shortIdOf(dup!.content.id)}: Ya enviaste este mismo video`), { after });
    expect(textOf(notice)).toContain('no se publica dos veces');
    const duplicate = await waitFor(async () => {
      const [c] = await db(h).select().from(contents).where(eq(contents.id, dup!.content.id));
      return c?.status === 'duplicate' ? c : undefined;
    }, { what: 'the duplicate status' });
    expect(duplicate.duplicateOfId).toBe(row!.content.id);
  });

  it('refuses a 25 MB file with the explanation on the Cloud Bot API, and takes it from a local Bot API server', async () => {
    const big = await bigVideoFile(h, 25);
    expect(big.file_size).toBeGreaterThan(22 * 1024 * 1024);
    expect(big.file_size).toBeLessThan(30 * 1024 * 1024);
    const uploadsBefore = (await contentsFrom(h, maria().id)).length;
    let after = mark(h);
    h.tg.sendVideo(maria(), big, { caption: 'Video largo' });
    const refusal = await botSays(h, maria().id, /Telegram solo deja a los bots descargar hasta 20 MB/, { after });
    expect(textOf(refusal)).toMatch(/pesa 2\d MB/);
    expect(textOf(refusal)).toMatch(/más corta o comprimida/);
    // Nothing stored, nothing downloaded.
    await h.bot.idle();
    expect(await contentsFrom(h, maria().id)).toHaveLength(uploadsBefore);
    expect(h.tg.calls.filter((c) => c.method === 'getFile' && c.params.file_id === big.file_id)).toHaveLength(0);

    // The same deployment with TELEGRAM_API_ROOT on a local Bot API server (--local): the file is taken,
    // fetched from the server's disk (getFile answers an absolute path) and published.
    h.tg.mode = 'local';
    try {
      await restartBot(h, { localApi: true });
      after = mark(h);
      h.tg.sendVideo(maria(), big, { caption: 'Video largo, servidor local' });
      await botSays(h, maria().id, /Recibí tu video/, { after });
      const [row] = (await waitForContents(h, maria().id, uploadsBefore + 1)).slice(-1);
      expect(row!.content.context).toBe('Video largo, servidor local');
      const publication = await publishedAndSettled(row!.content.id);
      expect(publication.status).toBe('published');
      const [stored] = await db(h).select().from(contents).where(eq(contents.id, row!.content.id));
      expect(stored!.sizeBytes).toBe(big.file_size);
      await botSays(h, maria().id, new RegExp(`#${shortIdOf(row!.content.id)} ya está publicado`), { after });
    } finally {
      h.tg.mode = 'cloud';
      await restartBot(h, { localApi: false });
    }
  });
});

describe('people who are not linked', () => {
  it('get a polite refusal and nothing is stored or downloaded', async () => {
    const stranger = h.tg.user(7300001, { username: 'curioso', language_code: 'en' });
    const file = await videoFile(h);
    const contentCount = async () => (await db(h).select({ n: count() }).from(contents))[0]!.n;
    const contentsBefore = await contentCount();
    const after = mark(h);
    h.tg.sendText(stranger, 'hola, quiero publicar');
    h.tg.sendVideo(stranger, file, { caption: 'mi video' });
    h.tg.sendText(stranger, '/estado');
    h.tg.sendText(stranger, '/start');
    await h.tg.waitConsumed(h.tg.updates.at(-1)!.update_id);
    await h.bot.idle();
    const replies = h.tg.sentTo(stranger.id).filter((c) => h.tg.calls.indexOf(c) >= after);
    expect(replies).toHaveLength(4);
    for (const reply of replies) expect(textOf(reply)).toMatch(/only for the studio's models.*\/start CODE/s);
    expect(h.tg.calls.filter((c) => c.method === 'getFile' && c.params.file_id === file.file_id)).toHaveLength(0);
    expect(await db(h).select().from(telegramUploads).where(eq(telegramUploads.telegramUserId, stranger.id))).toHaveLength(0);
    expect(await contentCount()).toBe(contentsBefore);
    expect(await db(h).select().from(systemEvents).where(like(systemEvents.actor, `%${stranger.id}%`))).toHaveLength(0);
    expect(await db(h).select().from(models).where(eq(models.telegramUserId, stranger.id))).toHaveLength(0);
  });
});
