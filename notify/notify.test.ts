/**
 * The pure parts of notify/: the configuration (a bad value names its variable, secrets never enumerable), when each
 * report is due in the admin's zone, the webhook signature, the Slack-compatible payload and the secret scrubbing.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { messagesFor } from '../messages/index.js';
import type { OutgoingAlert } from './alerts.js';
import { duePeriod } from './reports.js';
import { errorText, scrubSecrets, urlSecrets } from './scrub.js';
import { signWebhookBody, verifyWebhookSignature, webhookPayload } from './webhook.js';

const base = {
  DATA_DIR: mkdtempSync(join(tmpdir(), 'trafico-notify-')), API_TOKEN: 'a'.repeat(24), ADMIN_PASSWORD: 'notify-admin-pw',
  SESSION_SECRET: 's'.repeat(40), AUTH_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
};
const configError = (env: Record<string, string>) => {
  try {
    loadConfig({ ...base, ...env });
  } catch (error) {
    return (error as Error).message;
  }
  return 'no error';
};

describe('notify configuration', () => {
  it('names the variable that is wrong or missing', () => {
    expect(configError({ ALERT_WEBHOOK_URL: 'not a url' })).toMatch(/ALERT_WEBHOOK_URL: .*URL/);
    expect(configError({ ALERT_WEBHOOK_URL: 'ftp://example.com/x' })).toMatch(/ALERT_WEBHOOK_URL: .*http/);
    expect(configError({ ALERT_WEBHOOK_SECRET: 'x'.repeat(20) })).toMatch(/ALERT_WEBHOOK_URL: required/);
    expect(configError({ SMTP_URL: 'http://mail.example.com' })).toMatch(/SMTP_URL: .*smtp:\/\//);
    expect(configError({ ALERT_EMAIL_TO: 'ops@example.com', ALERT_EMAIL_FROM: 'bot@example.com' })).toMatch(/SMTP_URL: SMTP_URL or SMTP_HOST is required/);
    expect(configError({ ALERT_EMAIL_TO: 'ops@example.com', SMTP_HOST: 'smtp.example.com' })).toMatch(/ALERT_EMAIL_FROM: required/);
    expect(configError({ ALERT_EMAIL_TO: 'ops@example.com, nope', ALERT_EMAIL_FROM: 'bot@example.com', SMTP_HOST: 'smtp.example.com' })).toMatch(/ALERT_EMAIL_TO: "nope" is not an e-mail address/);
    expect(configError({ REPORT_EMAIL_DAILY_AT: '8am' })).toMatch(/REPORT_EMAIL_DAILY_AT: .*HH:MM/);
    expect(configError({ ALERT_RETRY_ATTEMPTS: '0' })).toMatch(/ALERT_RETRY_ATTEMPTS/);
  });

  it('reads SMTP settings and keeps every secret out of JSON', () => {
    const config = loadConfig({
      ...base, ALERT_WEBHOOK_URL: 'https://hooks.slack.com/services/T1/B2/tok3n', ALERT_WEBHOOK_SECRET: 'w'.repeat(32),
      SMTP_HOST: 'smtp.example.com', SMTP_USER: 'mailer', SMTP_PASSWORD: 'smtp-pa55word', ALERT_EMAIL_FROM: '100-Tráfico <bot@example.com>',
      ALERT_EMAIL_TO: 'ops@example.com, Jefa <jefa@example.com>', REPORT_EMAIL_DAILY_AT: '07:30', REPORT_EMAIL_WEEKLY: 'false',
    });
    const { notify } = config;
    expect(notify.webhook?.url).toBe('https://hooks.slack.com/services/T1/B2/tok3n');
    expect(notify.webhook?.secret).toBe('w'.repeat(32));
    expect(notify.email?.smtp).toEqual({ host: 'smtp.example.com', port: 587, secure: false, auth: { user: 'mailer', pass: 'smtp-pa55word' } });
    expect(notify.email?.alertsTo).toEqual(['ops@example.com', 'Jefa <jefa@example.com>']);
    expect(notify.reports).toEqual({ to: ['ops@example.com', 'Jefa <jefa@example.com>'], dailyAt: '07:30', weekly: false });
    const printed = JSON.stringify(config);
    for (const secret of ['tok3n', 'w'.repeat(32), 'smtp-pa55word']) expect(printed).not.toContain(secret);
    expect(printed).toContain('"origin":"https://hooks.slack.com"');
    expect(loadConfig({ ...base, SMTP_HOST: 'mx', SMTP_PORT: '465', ALERT_EMAIL_FROM: 'a@b.co', REPORT_EMAIL_TO: 'c@d.co' }).notify.email)
      .toMatchObject({ server: 'smtps://mx:465', alertsTo: [] });
    // Nothing configured: no channel, no reports.
    expect(loadConfig(base).notify).toMatchObject({ webhook: undefined, email: undefined, reports: { to: [] } });
  });
});

describe('when a report is due', () => {
  it('sends the day before at the local hour, and the week before on Mondays', () => {
    // Bogotá is UTC−5: 08:00 local is 13:00Z. 2024-05-15 was a Wednesday.
    const before = duePeriod('daily', new Date('2024-05-15T12:59:00Z'), 'America/Bogota', '08:00');
    const after = duePeriod('daily', new Date('2024-05-15T13:00:00Z'), 'America/Bogota', '08:00');
    expect([before.fromDay, after.fromDay, after.toDay]).toEqual(['2024-05-13', '2024-05-14', '2024-05-15']);
    expect(after.ordinal).toBe(before.ordinal + 1);
    expect(after.from.toISOString()).toBe('2024-05-14T05:00:00.000Z');
    expect(after.to.toISOString()).toBe('2024-05-15T05:00:00.000Z');
    // Monday 2024-05-20 08:00 local: the week 13–19 May; just before it, the week before that.
    const monday = duePeriod('weekly', new Date('2024-05-20T13:00:00Z'), 'America/Bogota', '08:00');
    expect([monday.fromDay, monday.toDay]).toEqual(['2024-05-13', '2024-05-20']);
    expect(duePeriod('weekly', new Date('2024-05-20T12:59:00Z'), 'America/Bogota', '08:00').fromDay).toBe('2024-05-06');
    expect(duePeriod('weekly', new Date('2024-05-19T23:00:00Z'), 'UTC', '08:00').fromDay).toBe('2024-05-06');
    // A DST day in Madrid (31 March 2024 lost 02:00–03:00): the day is 23 hours long.
    const dst = duePeriod('daily', new Date('2024-04-01T09:00:00Z'), 'Europe/Madrid', '02:30');
    expect([dst.from.toISOString(), dst.to.toISOString()]).toEqual(['2024-03-30T23:00:00.000Z', '2024-03-31T22:00:00.000Z']);
  });
});

const alert: OutgoingAlert = {
  eventId: 42, kind: 'publication_failed', key: 'publication:publication_failed:acc:SelectorMissing', severity: 'warning',
  title: 'Publicación fallida', message: 'Ana <b> & co → demo @ana · #12345678\nSelectorMissing: no <button>', count: 3, at: '2024-05-15T13:00:00.000Z',
  links: [{ label: 'Ver la publicación', url: 'https://panel.example/publications/p1' }],
};

describe('the webhook body and signature', () => {
  it('is a Slack message carrying our fields, mrkdwn escaped', () => {
    const body = webhookPayload(alert, messagesFor('es').notify);
    expect(body).toMatchObject({ eventId: 42, kind: 'publication_failed', key: alert.key, severity: 'warning', count: 3, at: alert.at, links: alert.links });
    expect(body.message).toBe(`${alert.message}\nSe repitió 2 veces desde el último aviso.`);
    expect(body.text).toContain('Publicación fallida');
    expect(body.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '🟠 Publicación fallida', emoji: true } });
    const section = body.blocks[1] as { text: { text: string } };
    expect(section.text.text).toContain('Ana &lt;b&gt; &amp; co');
    expect(section.text.text).not.toContain('<b>');
    expect(JSON.stringify(body.blocks)).toContain('<https://panel.example/publications/p1|Ver la publicación>');
  });

  it('signs "<timestamp>.<body>" with HMAC-SHA256 and refuses a changed body or an old timestamp', () => {
    const secret = 'k'.repeat(32);
    const body = '{"a":1}';
    const signature = signWebhookBody(secret, 1_700_000_000, body);
    expect(signature).toBe(`v1=${createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex')}`);
    const nowMs = 1_700_000_100_000;
    expect(verifyWebhookSignature(secret, { signature, timestamp: '1700000000' }, body, { nowMs })).toBe(true);
    expect(verifyWebhookSignature(secret, { signature, timestamp: '1700000000' }, '{"a":2}', { nowMs })).toBe(false);
    expect(verifyWebhookSignature('x'.repeat(32), { signature, timestamp: '1700000000' }, body, { nowMs })).toBe(false);
    expect(verifyWebhookSignature(secret, { signature, timestamp: '1700000000' }, body, { nowMs: nowMs + 3_600_000 })).toBe(false);
  });
});

describe('scrubbing', () => {
  it('takes tokens out of URLs and the given secrets out of the text', () => {
    const url = 'https://hooks.example.com/services/T0001/B0002/abcSecretToken?token=q7token';
    const text = `POST ${url} failed; smtp said 535 for smtp-pa55word; see https://user:pw@other.example/path?x=1`;
    const clean = scrubSecrets(text, [...urlSecrets(url), 'smtp-pa55word']);
    for (const secret of ['abcSecretToken', 'q7token', 'smtp-pa55word', 'user:pw', '/path']) expect(clean).not.toContain(secret);
    expect(clean).toContain('https://hooks.example.com');
    expect(clean).toContain('https://other.example');
    const fetchError = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
    expect(errorText(fetchError)).toBe('fetch failed: ECONNREFUSED');
  });
});
