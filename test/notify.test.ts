/**
 * Alerts and reports out (notify/) on the run's PostgreSQL, driven by `alert` events as the pipeline records them:
 * the webhook against a local HTTP receiver (Slack shape plus our fields, a signature that verifies, a 500 retried,
 * the cooldown folding a repeat and counting it in the next one), e-mail against a real SMTP server (`smtp-server`:
 * subject, HTML and text parts, recipients, no secrets in the message), a broken channel raising `channel_down` that
 * arrives on the other channel and never on itself (its error scrubbed), and the daily report e-mail carrying the
 * seeded figures, sent once for its period. Rows and cursors are this file's own (the database is shared).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, gt, sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig, type AppConfig } from '../config.js';
import { capabilitiesFor } from '../core/platforms.js';
import { openDatabase, type DbHandle } from '../db/client.js';
import { insertClickBatch } from '../db/clicks.js';
import { recordEvent } from '../db/events.js';
import { findAlertWindow } from '../db/notify.js';
import { readAdminPreferences, writeAdminPreferences } from '../db/preferences.js';
import { platforms, publicationMetrics, systemEvents, telegramAlerts, telegramOutbox } from '../db/schema.js';
import { Mailer } from '../notify/email.js';
import { startApp } from '../main.js';
import { createNotifier, type Notifier } from '../notify/index.js';
import { duePeriod, ReportSender } from '../notify/reports.js';
import { startFakeSmtp, type FakeSmtp, type ReceivedMail } from './fakes/smtp-server.js';
import { createAccount, createModel, createPublication } from './helpers/overview-seed.js';
import { waitFor } from './helpers/wait.js';

const run = randomBytes(3).toString('hex');
const smtpUser = `mailer-${run}`;
const smtpPassword = `smtp-Pa55-${run}-word`;
const webhookToken = `hookTok3n${run}`;
const queryToken = `qTok${run}xyz`;
const webhookSecret = `whsec-${run}-${'k'.repeat(20)}`;
const publicUrl = 'https://panel.example';
const log = pino({ level: 'silent' });

interface Hit {
  status: number;
  headers: IncomingMessage['headers'];
  raw: string;
  body: Record<string, unknown>;
}

/** A webhook receiver: answers the scripted statuses in turn (then `fallback`), echoing the path on errors (with its token). */
class Receiver {
  hits: Hit[] = [];
  script: number[] = [];
  fallback = 200;
  server!: Server;
  port = 0;

  async start() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const status = this.script.shift() ?? this.fallback;
        this.hits.push({ status, headers: req.headers, raw, body: JSON.parse(raw) as Record<string, unknown> });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : `no_service for ${req.url}`);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  of(predicate: (body: Record<string, unknown>) => boolean) {
    return this.hits.filter((h) => predicate(h.body));
  }
}

let handle: DbHandle;
let receiver: Receiver;
let smtp: FakeSmtp;
let config: AppConfig;
let notifier: Notifier;
let target: { accountId: string; modelId: string; modelName: string; publicationId: string; contentId: string };
const db = () => handle.db;
const textOf = (mail: ReceivedMail) => mail.mime.parts.find((p) => p.type === 'text/plain')?.body ?? '';
const htmlOf = (mail: ReceivedMail) => mail.mime.parts.find((p) => p.type === 'text/html')?.body ?? '';

/** An alert event about the target publication, as activities/store records it on a failed publish. */
async function publicationAlert(errorType: string, message: string) {
  await recordEvent(db(), 'alert', { kind: 'publication_failed', errorType, message }, {
    modelId: target.modelId, accountId: target.accountId, publicationId: target.publicationId, contentId: target.contentId,
  });
}

/** A general alert with its own key (unique text): what the ordered stream lets tests wait on. */
async function marker(text: string) {
  await recordEvent(db(), 'alert', { kind: 'not_sent', platform: `marker-${run}`, reason: text });
}
const isMarker = (text: string) => (body: Record<string, unknown>) => String(body.message).includes(text);
const mailsWith = (text: string) => smtp.mails.filter((m) => textOf(m).includes(text));

beforeAll(async () => {
  handle = await openDatabase({ databaseUrl: inject('databaseUrl') });
  receiver = new Receiver();
  await receiver.start();
  smtp = await startFakeSmtp({ user: smtpUser, password: smtpPassword });
  config = loadConfig({
    DATA_DIR: mkdtempSync(join(tmpdir(), 'trafico-notify-')),
    DATABASE_URL: inject('databaseUrl'),
    API_TOKEN: randomBytes(18).toString('base64url'), ADMIN_PASSWORD: 'notify-admin-pw',
    SESSION_SECRET: randomBytes(32).toString('base64url'), AUTH_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    PUBLIC_URL: publicUrl,
    ALERT_WEBHOOK_URL: `http://127.0.0.1:${receiver.port}/services/T0001/${webhookToken}?token=${queryToken}`,
    ALERT_WEBHOOK_SECRET: webhookSecret,
    SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), SMTP_SECURE: 'false', SMTP_USER: smtpUser, SMTP_PASSWORD: smtpPassword,
    ALERT_EMAIL_FROM: `100-Tráfico <alertas-${run}@studio.example>`,
    ALERT_EMAIL_TO: `ops-${run}@studio.example, Jefa <jefa-${run}@studio.example>`,
    REPORT_EMAIL_TO: `informes-${run}@studio.example`,
    REPORT_EMAIL_DAILY_AT: '08:00', REPORT_EMAIL_WEEKLY: 'false',
    ALERT_RETRY_ATTEMPTS: '3', ALERT_RETRY_BASE_MS: '20', TELEGRAM_ALERT_COOLDOWN_MINUTES: '30',
  });
  const [platform] = await db().insert(platforms)
    .values({ name: `ntf-${run}`, capabilities: capabilitiesFor('demo'), technicalConfig: { driver: 'demo', baseUrl: 'http://127.0.0.1:9' } }).returning();
  // A name with markup: every channel must escape it.
  const modelName = `Ana <b>${run}</b> & "co"`;
  const model = await createModel(db(), modelName);
  const account = await createAccount(db(), { modelId: model.id, platformId: platform!.id, username: `ana_${run}` });
  const publication = await createPublication(db(), account, { status: 'failed', attempts: 3 });
  target = { accountId: account.id, modelId: model.id, modelName, publicationId: publication.id, contentId: publication.contentId };

  notifier = createNotifier({ db: db(), log, config: config.notify }, { consumer: { pollMs: 50, gapGraceMs: 300, cursorPrefix: `test-${run}:` } })!;
  expect(notifier.consumers.map((c) => c.channel.name)).toEqual(['webhook', 'email']);
  // Each cursor starts after the newest event: take them before the first event of this file.
  for (const consumer of notifier.consumers) await consumer.tick();
  // Only the alert consumers: the report sender runs on its own clock in its test below.
  for (const consumer of notifier.consumers) consumer.start();
});

afterAll(async () => {
  await notifier?.stop();
  await smtp?.close();
  await new Promise((resolve) => receiver?.server.close(resolve));
  await handle?.close();
});

describe('alerts by webhook and e-mail', () => {
  it('posts a signed Slack-compatible message, retrying after a 500, and e-mails the same alert', async () => {
    receiver.script = [500];
    const message = `no se encontró el botón <Publicar> ${run}`;
    await publicationAlert('SelectorMissing', message);
    const hits = await waitFor(async () => {
      const found = receiver.of((b) => String(b.message).includes(message));
      return found.length >= 2 && found;
    }, { what: 'the webhook alert, retried', timeoutMs: 20_000 });
    expect(hits.map((h) => h.status)).toEqual([500, 200]);
    const { body, headers, raw } = hits[1]!;
    expect(headers['content-type']).toBe('application/json; charset=utf-8');
    expect(headers['x-trafico-delivery']).toBe(hits[0]!.headers['x-trafico-delivery']);
    // The signature, recomputed here over the raw body.
    const timestamp = String(headers['x-trafico-timestamp']);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(300);
    expect(headers['x-trafico-signature']).toBe(`v1=${createHmac('sha256', webhookSecret).update(`${timestamp}.${raw}`).digest('hex')}`);
    // Our fields…
    expect(body).toMatchObject({
      kind: 'publication_failed', key: `publication:publication_failed:${target.accountId}:SelectorMissing`, severity: 'warning',
      title: 'Publicación fallida', count: 1,
      links: [{ label: 'Ver la publicación', url: `${publicUrl}/publications/${target.publicationId}` }],
    });
    expect(Date.parse(String(body.at))).toBeGreaterThan(Date.now() - 60_000);
    expect(body.message).toContain(`${target.modelName} → ntf-${run} @ana_${run}`);
    expect(body.message).toContain(`SelectorMissing: ${message}`);
    // …and Slack's: a notification text and blocks, mrkdwn escaped.
    expect(body.text).toContain('Publicación fallida');
    const blocks = body.blocks as { type: string; text?: { text: string }; fields?: unknown[] }[];
    expect(blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(blocks[1]!.text!.text).toContain(`Ana &lt;b&gt;${run}&lt;/b&gt; &amp; "co"`);
    expect(JSON.stringify(blocks)).toContain(`<${publicUrl}/publications/${target.publicationId}|Ver la publicación>`);

    const [mail] = await waitFor(async () => {
      const found = mailsWith(message);
      return found.length > 0 && found;
    }, { what: 'the alert e-mail', timeoutMs: 20_000 });
    expect(mail!.to.sort()).toEqual([`jefa-${run}@studio.example`, `ops-${run}@studio.example`]);
    expect(mail!.from).toBe(`alertas-${run}@studio.example`);
    expect(mail!.mime.headers.subject).toBe('[100-Tráfico] Aviso: Publicación fallida');
    expect(mail!.mime.headers['auto-submitted']).toBe('auto-generated');
    expect(mail!.mime.parts.map((p) => p.type).sort()).toEqual(['text/html', 'text/plain']);
    expect(textOf(mail!)).toContain(`${target.modelName} → ntf-${run} @ana_${run}`);
    expect(textOf(mail!)).toContain(`Ver la publicación: ${publicUrl}/publications/${target.publicationId}`);
    const html = htmlOf(mail!);
    expect(html).toContain(`Ana &lt;b&gt;${run}&lt;/b&gt; &amp; &quot;co&quot;`);
    expect(html).not.toContain(`<b>${run}</b>`);
    expect(html).toContain('&lt;Publicar&gt;');
    expect(html).toContain(`href="${publicUrl}/publications/${target.publicationId}"`);
    expect(smtp.logins).toContain(`${smtpUser}:${smtpPassword}`);
    for (const secret of [smtpPassword, webhookToken, queryToken, webhookSecret]) expect(mail!.raw).not.toContain(secret);
  });

  it('folds a repeat within the cooldown on every channel, and counts it in the next one after the cooldown', async () => {
    const first = `repeat ${run} one`;
    await publicationAlert('UploadRejected', first);
    await waitFor(async () => receiver.of(isMarker(first)).some((h) => h.status === 200) && mailsWith(first).length > 0, { what: 'the first alert', timeoutMs: 20_000 });
    // Same key (account + error type), other words: folded.
    const repeat = `repeat ${run} two`;
    await publicationAlert('UploadRejected', repeat);
    const after = `after the repeat ${run}`;
    await marker(after);
    // Events go out in order: once the marker is there, the repeat would have been too.
    await waitFor(async () => receiver.of(isMarker(after)).length > 0 && mailsWith(after).length > 0, { what: 'the marker after the repeat', timeoutMs: 20_000 });
    expect(receiver.of(isMarker(repeat))).toEqual([]);
    expect(mailsWith(repeat)).toEqual([]);
    const key = `publication:publication_failed:${target.accountId}:UploadRejected`;
    expect((await findAlertWindow(db(), `test-${run}:webhook`, key))?.count).toBe(2);
    expect((await findAlertWindow(db(), `test-${run}:email`, key))?.count).toBe(2);

    // The cooldown over (its window moved back 31 minutes): the next one goes out, saying one repeat was folded.
    await db().update(telegramAlerts).set({ firstAt: sql`first_at - interval '31 minutes'` })
      .where(sql`${telegramAlerts.key} in (${`test-${run}:webhook:${key}`}, ${`test-${run}:email:${key}`})`);
    const third = `repeat ${run} three`;
    await publicationAlert('UploadRejected', third);
    const [hit] = await waitFor(async () => {
      const found = receiver.of(isMarker(third));
      return found.length > 0 && found;
    }, { what: 'the alert after the cooldown', timeoutMs: 20_000 });
    expect(hit!.body.count).toBe(2);
    expect(hit!.body.message).toContain('Se repitió 1 vez desde el último aviso.');
    const [mail] = await waitFor(async () => {
      const found = mailsWith(third);
      return found.length > 0 && found;
    }, { what: 'the e-mail after the cooldown', timeoutMs: 20_000 });
    expect(textOf(mail!)).toContain('Se repitió 1 vez desde el último aviso.');
    expect((await findAlertWindow(db(), `test-${run}:webhook`, key))?.count).toBe(1);
  });

  it('a webhook that keeps failing raises channel_down: e-mailed, never posted to itself, its token scrubbed', async () => {
    const since = await lastEventId();
    receiver.fallback = 500;
    const lost = `lost on the webhook ${run}`;
    await marker(lost);
    const down = await waitFor(() => channelDownAfter(since, 'webhook'), { what: 'the webhook channel_down event', timeoutMs: 20_000 });
    expect(receiver.of(isMarker(lost)).map((h) => h.status)).toEqual([500, 500, 500]);
    expect(down.attempts).toBe(3);
    // The receiver echoed the URL with its tokens: gone from the recorded error.
    expect(down.error).toContain('the webhook answered 500');
    for (const secret of [webhookToken, queryToken, webhookSecret]) expect(down.error).not.toContain(secret);
    const [mail] = await waitFor(async () => {
      const found = mailsWith('El canal de alertas webhook está fallando');
      return found.length > 0 && found;
    }, { what: 'the channel_down e-mail', timeoutMs: 20_000 });
    expect(mail!.mime.headers.subject).toBe('[100-Tráfico] Crítica: Canal de alertas caído');
    for (const secret of [webhookToken, queryToken]) expect(mail!.raw).not.toContain(secret);

    // Back up: the next alert arrives; nothing about its own failure ever reached the webhook.
    receiver.fallback = 200;
    const back = `webhook back ${run}`;
    await marker(back);
    await waitFor(async () => receiver.of(isMarker(back)).some((h) => h.status === 200), { what: 'the webhook working again', timeoutMs: 20_000 });
    expect(receiver.of((b) => b.kind === 'channel_down' && b.channel === 'webhook')).toEqual([]);
    expect(notifier.consumers[0]!.isDown).toBe(false);
  });

  it('an SMTP server that refuses raises channel_down: posted to the webhook, never e-mailed, the password scrubbed', async () => {
    const since = await lastEventId();
    // The server's answer carries the password: the recorded error must not.
    smtp.refuse(`5.7.1 relay denied for ${smtpPassword}`);
    const lost = `lost on e-mail ${run}`;
    await marker(lost);
    const down = await waitFor(() => channelDownAfter(since, 'email'), { what: 'the e-mail channel_down event', timeoutMs: 20_000 });
    expect(down.error).toContain('554');
    expect(down.error).not.toContain(smtpPassword);
    const [hit] = await waitFor(async () => {
      const found = receiver.of((b) => b.kind === 'channel_down' && b.channel === 'email');
      return found.length > 0 && found;
    }, { what: 'the channel_down webhook', timeoutMs: 20_000 });
    expect(hit!.body).toMatchObject({ key: 'channel_down:email', severity: 'critical', title: 'Canal de alertas caído' });
    expect(JSON.stringify(hit!.body)).not.toContain(smtpPassword);

    smtp.refuse(undefined);
    const back = `e-mail back ${run}`;
    await marker(back);
    await waitFor(async () => mailsWith(back).length > 0, { what: 'e-mail working again', timeoutMs: 20_000 });
    expect(mailsWith('El canal de alertas email')).toEqual([]);
  });
});

describe('the bot role without Telegram', () => {
  it('runs the alert channels all the same', async () => {
    const own = new Receiver();
    await own.start();
    const app = await startApp(loadConfig({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'trafico-notify-bot-')), DATABASE_URL: inject('databaseUrl'), TEMPORAL_ADDRESS: inject('temporalAddress'),
      API_TOKEN: randomBytes(18).toString('base64url'), ADMIN_PASSWORD: 'notify-admin-pw',
      SESSION_SECRET: randomBytes(32).toString('base64url'), AUTH_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      METRICS_PORT: '0', ALERT_WEBHOOK_URL: `http://127.0.0.1:${own.port}/alerts`,
    }), 'bot', log);
    try {
      expect(app.bot).toBeUndefined();
      expect(app.notifier?.consumers.map((c) => c.channel.name)).toEqual(['webhook']);
      // Its cursor starts after the newest event once it first looks: wait for it before recording.
      await waitFor(async () => (await db().select().from(telegramOutbox).where(eq(telegramOutbox.name, 'notify:webhook'))).length > 0, { what: 'the webhook cursor' });
      const text = `without a bot ${run}`;
      await marker(text);
      await waitFor(async () => own.of(isMarker(text)).length > 0, { what: 'the alert from the bot role', timeoutMs: 20_000 });
    } finally {
      await app.close();
      await new Promise((resolve) => own.server.close(resolve));
    }
  });
});

describe('the daily report e-mail', () => {
  it('carries the seeded figures per platform and model, once for its period', async () => {
    const previous = (await readAdminPreferences(db())).timezone;
    await writeAdminPreferences(db(), { timezone: 'America/Bogota' });
    try {
      // 08:00 in Bogotá today (13:00Z), and a minute before.
      const today = new Date(Date.now() - 5 * 3_600_000).toISOString().slice(0, 10);
      const sendAt = new Date(`${today}T13:00:00Z`);
      const period = duePeriod('daily', sendAt, 'America/Bogota', '08:00');
      const inPeriod = (minutes: number) => new Date(period.from.getTime() + minutes * 60_000);

      const [platform] = await db().insert(platforms)
        .values({ name: `rep-${run}`, capabilities: capabilitiesFor('demo'), technicalConfig: { driver: 'demo', baseUrl: 'http://127.0.0.1:9' } }).returning();
      const model = await createModel(db(), `Luz <i>${run}</i>`);
      const account = await createAccount(db(), { modelId: model.id, platformId: platform!.id, username: `luz_${run}` });
      const published = [
        await createPublication(db(), account, { status: 'published', publishedAt: inPeriod(120) }),
        await createPublication(db(), account, { status: 'published', publishedAt: inPeriod(600) }),
      ];
      // Outside the period: not counted.
      await createPublication(db(), account, { status: 'published', publishedAt: new Date(period.to.getTime() + 60_000) });
      await db().insert(publicationMetrics).values([
        { publicationId: published[0]!.id, views: 100, likes: 5, source: 'test', ts: inPeriod(200) },
        { publicationId: published[0]!.id, views: 300, likes: 9, source: 'test', ts: inPeriod(300) },
        { publicationId: published[1]!.id, views: 21, likes: 3, source: 'test', ts: inPeriod(700) },
      ]);
      const failed = await createPublication(db(), account, { status: 'failed' });
      await db().insert(systemEvents).values([1, 2].map(() => ({
        type: 'publication_failed' as const, ts: inPeriod(400), description: 'x', publicationId: failed.id, accountId: account.id, modelId: model.id,
        data: { errorType: 'SelectorMissing', message: 'x' },
      })));
      await insertClickBatch(db(), Array.from({ length: 7 }, (_, i) => ({
        ts: inPeriod(130 + i), accountId: account.id, publicationId: published[0]!.id, visitorHash: `v-${run}-${i}`,
        country: 'CO', city: null, referrerHost: null, device: 'mobile', os: null, browser: null, isBot: false,
      })));

      let now = new Date(sendAt.getTime() - 60_000);
      const mailer = new Mailer(config.notify.email!);
      const sender = new ReportSender({ db: db(), log, mailer, config: config.notify }, { now: () => now, cursorPrefix: `test-${run}:report:` });
      try {
        // First look, before 08:00: the cursor starts at the period already due (the day before); nothing is sent.
        expect(await sender.tick()).toEqual([]);
        now = new Date(sendAt.getTime() + 60_000);
        expect((await sender.tick()).map((p) => p.fromDay)).toEqual([period.fromDay]);
        // Exactly once per period.
        expect(await sender.tick()).toEqual([]);
      } finally {
        mailer.close();
      }
      const mails = smtp.mails.filter((m) => m.to.includes(`informes-${run}@studio.example`));
      expect(mails).toHaveLength(1);
      const mail = mails[0]!;
      expect(mail.mime.headers.subject).toMatch(/^\[100-Tráfico\] Informe diario · /);
      expect(mail.mime.headers['message-id']).toBe(`<report-daily-${period.fromDay}@studio.example>`);
      const text = textOf(mail);
      // Both posts' latest views (300 + 21) and likes (9 + 3), the failed publication once, 7 clicks.
      expect(text).toContain(`rep-${run} · Luz <i>${run}</i>: Publicadas 2 · Fallidas 1 · Vistas 321 · Me gusta 12 · Clics 7`);
      expect(text).toContain('(America/Bogota)');
      const html = htmlOf(mail);
      expect(html).toContain(`Luz &lt;i&gt;${run}&lt;/i&gt;`);
      expect(html).not.toContain(`<i>${run}</i>`);
      const row = new RegExp(`<tr><td[^>]*>rep-${run}</td><td[^>]*>Luz &lt;i&gt;${run}&lt;/i&gt;</td>(.*?)</tr>`).exec(html);
      expect(row?.[1]?.replace(/<[^>]+>/g, ' ').trim().split(/\s+/)).toEqual(['2', '1', '321', '12', '7']);
      expect(html).toContain(`href="${publicUrl}/analytics"`);
      expect(mail.raw).not.toContain(smtpPassword);
    } finally {
      await writeAdminPreferences(db(), { timezone: previous });
    }
  });
});

async function lastEventId() {
  const [row] = await db().select({ id: sql<number>`coalesce(max(${systemEvents.id}), 0)::int` }).from(systemEvents);
  return row!.id;
}

async function channelDownAfter(afterId: number, channel: string) {
  const rows = await db().select({ data: systemEvents.data }).from(systemEvents)
    .where(and(eq(systemEvents.type, 'alert'), gt(systemEvents.id, afterId), sql`${systemEvents.data}->>'kind' = 'channel_down'`, sql`${systemEvents.data}->>'channel' = ${channel}`));
  return rows[0]?.data as { error: string; attempts: number } | undefined;
}

