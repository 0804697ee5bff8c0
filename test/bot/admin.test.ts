/**
 * The admin chat end to end against the real stack and the fake Bot API: approval cards (approve, reject with a
 * reason, a decision taken on the dashboard/API), /pause and /resume holding and releasing a model's
 * publications, alerts (media checks, expired session, failed publication) folded within the cooldown with a
 * working Retry button, the report commands, and sending through a 429.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encryptJson, secretBindings } from '../../crypto/secrets.js';
import { findAccountWithPlatform } from '../../db/accounts.js';
import { eventsOf } from '../../db/events.js';
import { insertClickBatch } from '../../db/clicks.js';
import { findCard } from '../../db/telegram.js';
import { contents, platformAccounts } from '../../db/schema.js';
import { postJson, publicationOf, setModelRules, slotFarAway, uploadClip, type PublicationJson } from '../helpers/lifecycle.js';
import { createAccount, createModel } from '../helpers/overview-seed.js';
import { getJson } from '../helpers/stack.js';
import { periodSummary } from '../../services/reports.js';
import { waitFor } from '../helpers/wait.js';
import type { TgUser } from '../fakes/telegram-server.js';
import {
  botSays, db, linkModel, mark, sentMessage, shortIdOf, startBotStack, textOf, videoFile, waitForContents, type BotHarness,
} from './harness.js';

let h: BotHarness;
let model: TgUser;

beforeAll(async () => {
  h = await startBotStack();
  model = h.tg.user(7400001, { username: 'lu_cam' });
  await setModelRules(h.stack, {});
  await linkModel(h, h.stack.seeded.modelId, model);
});
afterAll(async () => h?.close());

beforeEach(async () => {
  await setModelRules(h.stack, {});
  await db(h).update(platformAccounts).set({ status: 'active' }).where(eq(platformAccounts.id, h.stack.seeded.accountId));
});

const inAdminChat = (text: string, replyTo?: Record<string, unknown>) => h.tg.sendText(h.admin, text, { chat: h.adminChat, replyTo });
const adminSays = (pattern: RegExp, after: number, timeoutMs?: number) => botSays(h, h.adminChat.id, pattern, { after, timeoutMs });

async function settled(contentId: string) {
  const publication = await publicationOf(h.stack, contentId, ['published'], 120_000);
  await h.stack.app.temporal.workflow.getHandle(publication.workflowId).result();
  return publication;
}

/** The model sends a fresh clip; returns its content id once stored. */
async function modelSendsVideo(caption: string) {
  const before = (await waitForContents(h, model.id, 0)).length;
  const after = mark(h);
  h.tg.sendVideo(model, await videoFile(h), { caption });
  await botSays(h, model.id, /Recibí tu video/, { after });
  const rows = await waitForContents(h, model.id, before + 1);
  return rows.at(-1)!.content.id;
}

const contentRow = async (id: string) => (await db(h).select().from(contents).where(eq(contents.id, id)))[0]!;
/** The card row is stored right after sendPhoto answers; a person reads the card before pressing, the test waits for the row. */
const cardStored = (id: string) => waitFor(() => findCard(db(h), id), { what: `the approval card of ${id} to be stored` });

describe('approval cards', () => {
  it('approve from the card: the content is approved by the admin, published, the card says who and the model is told', async () => {
    await setModelRules(h.stack, { approvalRequired: true });
    const after = mark(h);
    const id = await modelSendsVideo('Para aprobar desde Telegram');
    const card = await adminSays(new RegExp(`Aprobación pendiente</b> · #${shortIdOf(id)}`), after);
    expect(card.method).toBe('sendPhoto');
    expect(card.files.photo!.size).toBeGreaterThan(0);
    expect(textOf(card)).toContain('Para aprobar desde Telegram');
    expect(textOf(card)).toContain('<b>demo</b>');
    expect(card.params.reply_markup.inline_keyboard[0].map((b: { callback_data: string }) => b.callback_data)).toEqual([`ap:${id}`, `rj:${id}`]);
    expect((await contentRow(id)).status).toBe('new');

    const cardMessage = sentMessage(h, card);
    await cardStored(id);
    const queryId = h.tg.click(h.admin, cardMessage, `ap:${id}`);
    await h.tg.waitForCall((c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === queryId && c.params.text === '✅ Aprobado');
    const edit = await h.tg.waitForCall((c) => c.method === 'editMessageCaption' && c.params.message_id === cardMessage.message_id, { after });
    expect(String(edit.params.caption)).toContain('✅ <b>Aprobado</b> por @jefa');
    expect(h.tg.message(h.adminChat.id, cardMessage.message_id)!.reply_markup).toBeUndefined();

    const publication = await settled(id);
    expect(await contentRow(id)).toMatchObject({ status: 'approved', approvedBy: 'telegram:@jefa' });
    await botSays(h, model.id, new RegExp(`#${shortIdOf(id)} fue aprobado`), { after });
    expect(textOf(await botSays(h, model.id, new RegExp(`#${shortIdOf(id)} ya está publicado`), { after }))).toContain(publication.postUrl!);

    // Pressing the stale button again changes nothing and says so.
    const again = h.tg.click(h.admin, cardMessage, `ap:${id}`);
    const answer = await h.tg.waitForCall((c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === again);
    expect(answer.params.text).toMatch(/ya estaba decidido/);
    // The card was edited once, not again by the notifier when it saw the approval event.
    expect(h.tg.calls.filter((c) => c.method.startsWith('editMessage') && c.params.message_id === cardMessage.message_id && c.status === 200)).toHaveLength(1);
  });

  it('reject from the card asks for the reason; the model reads it and nothing is published', async () => {
    await setModelRules(h.stack, { approvalRequired: true });
    const after = mark(h);
    const id = await modelSendsVideo('Para rechazar');
    const card = await adminSays(new RegExp(`Aprobación pendiente</b> · #${shortIdOf(id)}`), after);
    const cardMessage = sentMessage(h, card);
    await cardStored(id);

    h.tg.click(h.admin, cardMessage, `rj:${id}`);
    const prompt = await adminSays(new RegExp(`motivo para rechazar <b>#${shortIdOf(id)}</b>`), after);
    expect(prompt.params.reply_markup).toMatchObject({ force_reply: true });
    // An empty answer is not a reason.
    let step = mark(h);
    inAdminChat('   ', sentMessage(h, prompt));
    await adminSays(/Escribe el motivo como texto/, step);
    expect((await contentRow(id)).status).toBe('new');

    step = mark(h);
    inAdminChat('Iluminación insuficiente, grábalo con más luz', sentMessage(h, prompt));
    await adminSays(new RegExp(`Rechazado <b>#${shortIdOf(id)}</b>`), step);
    const edit = await h.tg.waitForCall((c) => c.method === 'editMessageCaption' && c.params.message_id === cardMessage.message_id, { after });
    expect(String(edit.params.caption)).toContain('❌ <b>Rechazado</b> por @jefa: Iluminación insuficiente, grábalo con más luz');

    const result = await h.stack.app.temporal.workflow.getHandle(`content-${id}`).result();
    expect(result).toMatchObject({ status: 'rejected', reason: 'Iluminación insuficiente, grábalo con más luz' });
    expect(await contentRow(id)).toMatchObject({ status: 'rejected', rejectedBy: 'telegram:@jefa' });
    const told = await botSays(h, model.id, new RegExp(`#${shortIdOf(id)} no se publicará`), { after });
    expect(textOf(told)).toContain('Iluminación insuficiente, grábalo con más luz');
    expect((await getJson<{ items: PublicationJson[] }>(h.stack, `/api/publications?contentId=${id}`)).items).toHaveLength(0);
  });

  it('a decision taken on the dashboard/API updates the card too', async () => {
    await setModelRules(h.stack, { approvalRequired: true });
    const after = mark(h);
    const id = await modelSendsVideo('Aprobado desde el dashboard');
    const card = await adminSays(new RegExp(`Aprobación pendiente</b> · #${shortIdOf(id)}`), after);
    expect(await postJson(h.stack, `/api/contents/${id}/approve`, {})).toMatchObject({ status: 202 });
    const edit = await h.tg.waitForCall((c) => c.method === 'editMessageCaption' && c.params.message_id === sentMessage(h, card).message_id, { after });
    expect(String(edit.params.caption)).toContain('✅ <b>Aprobado</b> por la API');
    await settled(id);
  });
});

describe('/pause and /resume', () => {
  it('holds a model\'s publications (scheduled ones and new ones) and releases them', async () => {
    // One publication waiting for a slot twelve hours away.
    await setModelRules(h.stack, slotFarAway());
    const waiting = await uploadClip(h.stack, 'Programada para luego');
    const waitingPublication = await publicationOf(h.stack, waiting.body.id as string, ['scheduled']);
    await setModelRules(h.stack, {});

    let after = mark(h);
    inAdminChat('/pause modelo demo');
    // Counts are not pinned: other files share this database and may leave publications of the demo model behind.
    const paused = await adminSays(/Modelo Demo<\/b> en pausa: \d+ publicación\(es\) retenida\(s\)/, after);
    expect(textOf(paused)).toContain('/resume Modelo Demo');
    expect((await publicationOf(h.stack, waiting.body.id as string, ['held'])).id).toBe(waitingPublication.id);

    // A video sent while paused is received and scheduled, but held when its time comes: nothing is posted.
    const id = await modelSendsVideo('Enviado durante la pausa');
    const held = await publicationOf(h.stack, id, ['held']);
    await waitFor(async () => (await eventsOf(db(h), { publicationId: held.id })).find((e) => e.type === 'publication_held'), { what: 'publication_held' });
    const { posts } = (await (await fetch(`${h.stack.demo.url}/__admin/posts`)).json()) as { posts: { caption: string }[] };
    expect(posts.some((p) => p.caption.includes('Enviado durante la pausa'))).toBe(false);

    after = mark(h);
    inAdminChat('/resume Modelo Demo');
    await adminSays(/Modelo Demo<\/b> reanudada: \d+ publicación\(es\) liberada\(s\)/, after);
    await settled(id);
    await botSays(h, model.id, new RegExp(`#${shortIdOf(id)} ya está publicado`), { after });
    expect((await publicationOf(h.stack, waiting.body.id as string, ['scheduled'])).id).toBe(waitingPublication.id);
    expect(await postJson(h.stack, `/api/publications/${waitingPublication.id}/cancel`)).toMatchObject({ status: 202 });

    // Unknown and missing names get help, not a guess.
    after = mark(h);
    inAdminChat('/pause Nadie Así');
    await adminSays(/No hay ninguna modelo con ese nombre/, after);
    inAdminChat('/pause');
    // Every test file's models share this database: the list fits one Telegram message, the rest counted.
    const usage = textOf(await adminSays(/Uso: <code>\/pause NOMBRE/, after));
    expect(usage.length).toBeLessThanOrEqual(4096);
    const listed = usage.split('\n').filter((line) => line.startsWith('• '));
    expect(listed.length).toBeGreaterThan(0);
    // The ones /pause applies to come first: no paused model before an active one.
    const firstPaused = listed.findIndex((line) => line.endsWith('— ⏸ en pausa'));
    if (firstPaused >= 0) expect(listed.slice(firstPaused).every((line) => line.endsWith('— ⏸ en pausa'))).toBe(true);
    if (!/… y \d+ más/.test(usage)) expect(usage).toContain('Modelo Demo — activa');

    // A studio with more models than one message holds: the list stops within Telegram's limit and counts the rest.
    const run = Date.now().toString(36);
    for (let i = 0; i < 90; i++) await createModel(db(h), `Modelo de relleno con un nombre largo ${run} ${String(i).padStart(2, '0')}`);
    const afterMany = mark(h);
    inAdminChat('/pause');
    const long = textOf(await adminSays(/Uso: <code>\/pause NOMBRE/, afterMany));
    expect(long.length).toBeLessThanOrEqual(4096);
    expect(Number(/… y (\d+) más/.exec(long)?.[1])).toBeGreaterThan(0);
  });
});

describe('alerts', () => {
  it('tells the model and the admin when media checks reject a video', async () => {
    const after = mark(h);
    const junk = h.tg.addFile(Buffer.from('esto no es un video\n'.repeat(500)));
    h.tg.sendVideo(model, junk, { as: 'document', mimeType: 'video/mp4', fileName: 'roto.mp4' });
    await botSays(h, model.id, /Recibí tu video/, { after });
    const id = (await waitForContents(h, model.id, 1)).at(-1)!.content.id;
    await botSays(h, model.id, new RegExp(`#${shortIdOf(id)} no se publicará: El archivo que enviaste no es un video`), { after });
    const alert = await adminSays(/Video rechazado por la validación/, after);
    expect(textOf(alert)).toContain(`#${shortIdOf(id)}`);
    expect(textOf(alert)).toContain('no es un video');
  });

  it('an expired session and a failed publication alert once, fold repeats, and Retry from the alert publishes', async () => {
    const account = (await findAccountWithPlatform(db(h), h.stack.seeded.accountId))!.account;
    const goodSession = account.authData;
    await db(h).update(platformAccounts)
      .set({ authData: encryptJson(h.stack.app.config.keyring, secretBindings.accountAuthData(account.id), { cookies: [], origins: [] }) })
      .where(eq(platformAccounts.id, account.id));
    try {
      const after = mark(h);
      const first = await modelSendsVideo('Sesión caducada 1');
      const failed = await publicationOf(h.stack, first, ['failed']);
      expect(failed.lastError).toMatch(/^SessionExpired/);
      const session = await adminSays(/Sesión caducada/, after);
      expect(textOf(session)).toContain('@modelo_demo');
      const failure = await adminSays(/Publicación fallida/, after);
      expect(textOf(failure)).toContain(`#${shortIdOf(failed.id)}`);
      expect(textOf(failure)).toContain('SessionExpired');
      expect(failure.params.reply_markup.inline_keyboard[0][0]).toMatchObject({ text: '🔁 Reintentar', callback_data: `rt:${failed.id}` });

      // The same trouble again within the cooldown: no new messages, the first ones count the repeats.
      await db(h).update(platformAccounts).set({ status: 'active' }).where(eq(platformAccounts.id, account.id));
      const second = await modelSendsVideo('Sesión caducada 2');
      const failedAgain = await publicationOf(h.stack, second, ['failed']);
      for (const original of [session, failure]) {
        const edit = await h.tg.waitForCall(
          (c) => c.method === 'editMessageText' && c.params.message_id === sentMessage(h, original).message_id && /Se repitió 2 veces/.test(String(c.params.text)),
          { after, timeoutMs: 30_000, what: 'the folded count on the alert' },
        );
        expect(String(edit.params.text)).toContain(textOf(original));
      }
      // The Retry button survives the edit.
      expect(h.tg.message(h.adminChat.id, sentMessage(h, failure).message_id)!.reply_markup.inline_keyboard[0][0].callback_data).toBe(`rt:${failed.id}`);
      const alerts = h.tg.sentTo(h.adminChat.id).filter((c) => h.tg.calls.indexOf(c) >= after && /Sesión caducada|Publicación fallida/.test(textOf(c)));
      expect(alerts).toHaveLength(2);

      // Fixed: session linked again and the account resumed; Retry from the alert publishes the first one.
      await db(h).update(platformAccounts).set({ authData: goodSession }).where(eq(platformAccounts.id, account.id));
      expect(await postJson(h.stack, `/api/accounts/${account.id}/resume`)).toMatchObject({ status: 200 });
      let step = mark(h);
      const queryId = h.tg.click(h.admin, sentMessage(h, failure), `rt:${failed.id}`);
      await h.tg.waitForCall((c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === queryId && c.params.text === '🔁 Reintentando');
      await adminSays(new RegExp(`Reintento de la publicación <b>#${shortIdOf(failed.id)}</b> pedido por @jefa`), step);
      expect((await settled(first)).attempts).toBe(2);
      await botSays(h, model.id, new RegExp(`#${shortIdOf(first)} ya está publicado`), { after });

      // /failed lists the other one; /retry with its short id publishes it too.
      step = mark(h);
      inAdminChat('/failed');
      const list = await adminSays(/Publicaciones que esperan a una persona/, step);
      expect(textOf(list)).toContain(`#${shortIdOf(failedAgain.id)}`);
      expect(textOf(list)).not.toContain(`#${shortIdOf(failed.id)}`);
      inAdminChat(`/retry ${shortIdOf(failedAgain.id)}`);
      await adminSays(new RegExp(`Reintentando la publicación <b>#${shortIdOf(failedAgain.id)}</b>`), step);
      await settled(second);
      // Retrying a published one is refused with the reason.
      step = mark(h);
      inAdminChat(`/retry ${shortIdOf(failedAgain.id)}`);
      await adminSays(/No se puede reintentar .* está publicada/, step);
    } finally {
      await db(h).update(platformAccounts).set({ authData: goodSession, status: 'active' }).where(eq(platformAccounts.id, account.id));
    }
  });
});

describe('admin commands', () => {
  it('/status, /daily and /weekly report counts, health and results by platform and model', async () => {
    const after = mark(h);
    inAdminChat('/status');
    const status = textOf(await adminSays(/<b>Estado<\/b>/, after));
    expect(status).toMatch(/Publicadas: <b>[1-9]\d*<\/b>/);
    expect(status).toContain('Programadas');
    expect(status).toContain('Fallidas');
    expect(status).toMatch(/Temporal ✅/);
    expect(status).toMatch(/pipeline ✅/);

    // Real clicks, from the rollups: a model of this test's own with people's clicks today and three days ago, and a bot's.
    const clicker = await createModel(db(h), `Clics ${Date.now().toString(36)}`);
    const clicked = await createAccount(db(h), { modelId: clicker.id, platformId: h.stack.seeded.platformId, username: `clics_${Date.now().toString(36)}` });
    const click = (ago: number, visitor: string, isBot = false) => ({
      ts: new Date(Date.now() - ago), accountId: clicked.id, publicationId: null, visitorHash: visitor, country: null, city: null,
      referrerHost: null, device: null, os: null, browser: null, isBot,
    });
    await insertClickBatch(db(h), [click(3_600_000, 'a'), click(3_500_000, 'b'), click(60_000, 'a'), click(60_000, 'bot', true), click(3 * 86_400_000, 'c')]);

    // The figures the reports are made of: people's clicks of the last 24 h and 7 days, the bot's apart. The messages
    // list only the top rows (bot/summary.test.ts), and the shared test database holds many models: this one's row is
    // checked here, the messages' shape below.
    const since = async (days: number) => (await periodSummary(db(h), days)).byModel.find((r) => r.modelName === clicker.name);
    expect(await since(1)).toMatchObject({ published: 0, views: 0, likes: 0, clicks: 3 });
    expect(await since(7)).toMatchObject({ published: 0, views: 0, likes: 0, clicks: 4 });
    expect((await periodSummary(db(h), 1)).byPlatform.find((r) => r.platformName === 'demo')?.published).toBeGreaterThan(0);

    const row = /\n• .+: [\d.]+ publicados · [\d.]+ vistas · [\d.]+ likes · [\d.]+ clics/;
    inAdminChat('/daily');
    const daily = textOf(await adminSays(/Resumen de las últimas 24 h/, after));
    expect(daily).toMatch(/\n[1-9][\d.]* publicados · [\d.]+ vistas · [\d.]+ likes · [1-9][\d.]* clics\n/);
    expect(daily).toContain('<b>Por plataforma</b>');
    expect(daily).toContain('<b>Por modelo</b>');
    expect(daily).toMatch(row);
    expect(daily.length).toBeLessThanOrEqual(4_096);
    inAdminChat('/weekly');
    const weekly = textOf(await adminSays(/Resumen de los últimos 7 días/, after));
    expect(weekly).toContain('<b>Por modelo</b>');
    expect(weekly).toMatch(row);
    inAdminChat('/help');
    expect(textOf(await adminSays(/Comandos del chat de administración/, after))).toContain('/retry ID');
  });

  it('answers through a 429 by waiting as Telegram asks', async () => {
    h.tg.failNext('sendMessage', { error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } });
    const after = mark(h);
    inAdminChat('/help');
    await adminSays(/Comandos del chat de administración/, after);
    const tries = h.tg.calls.slice(after).filter((c) => c.method === 'sendMessage' && Number(c.params.chat_id) === h.adminChat.id);
    expect(tries.map((c) => c.status)).toEqual([429, 200]);
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(900);
  });
});
