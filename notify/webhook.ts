/**
 * The webhook channel: each alert is one POST of JSON to ALERT_WEBHOOK_URL. The body is a Slack incoming-webhook
 * message (`text` for the notification, `blocks` for the layout) that also carries our structured fields (`kind`,
 * `key`, `severity`, `title`, `message`, `links`, `count`, `at`, `eventId`), so Slack renders it and any other
 * receiver reads the fields. With ALERT_WEBHOOK_SECRET the request is signed:
 *   X-Trafico-Timestamp: <unix seconds>
 *   X-Trafico-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 * Receivers recompute it over the raw body and refuse old timestamps (verifyWebhookSignature). X-Trafico-Delivery
 * (the event id) is the same on every retry, for receivers that deduplicate.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Catalogue } from '../messages/index.js';
import type { OutgoingAlert } from './alerts.js';
import type { AlertChannel } from './channel.js';
import { urlSecrets } from './scrub.js';

export const signatureHeader = 'x-trafico-signature';
export const timestampHeader = 'x-trafico-timestamp';
export const deliveryHeader = 'x-trafico-delivery';

const requestTimeoutMs = 10_000;

export function signWebhookBody(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** True when `signature` signs `body` at `timestamp` with `secret`, and the timestamp is within the tolerance. */
export function verifyWebhookSignature(
  secret: string, headers: { signature?: string; timestamp?: string }, body: string, options: { toleranceSeconds?: number; nowMs?: number } = {},
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!headers.signature || !Number.isInteger(timestamp)) return false;
  const now = Math.floor((options.nowMs ?? Date.now()) / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhookBody(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Slack's mrkdwn needs only these three escaped. */
const mrkdwn = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const icons = { critical: '🔴', warning: '🟠', info: 'ℹ️' } as const;

/** The JSON body of one alert (Slack Block Kit limits respected: header 150, section 3000, field 2000 characters). */
export function webhookPayload(alert: OutgoingAlert, words: Catalogue['notify']) {
  const severity = words.severity[alert.severity];
  const message = alert.count > 1 ? `${alert.message}\n${words.repeated(alert.count - 1)}` : alert.message;
  const linkLine = alert.links
    .filter((l) => !/[|<>\s]/.test(l.url))
    .map((l) => `<${l.url}|${mrkdwn(l.label)}>`).join(' · ');
  return {
    text: clip(`${icons[alert.severity]} ${severity}: ${mrkdwn(alert.title)} — ${mrkdwn(message.split('\n')[0] ?? '')}`, 3000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(`${icons[alert.severity]} ${alert.title}`, 150), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: clip(mrkdwn(message), 3000) } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*${words.fields.severity}*\n${mrkdwn(severity)}` },
          { type: 'mrkdwn', text: `*${words.fields.kind}*\n\`${alert.kind}\`` },
          { type: 'mrkdwn', text: `*${words.fields.count}*\n${alert.count}` },
          { type: 'mrkdwn', text: `*${words.fields.at}*\n<!date^${Math.floor(Date.parse(alert.at) / 1000)}^{date_short_pretty} {time}|${alert.at}>` },
        ],
      },
      ...(linkLine ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: clip(linkLine, 3000) }] }] : []),
    ],
    eventId: alert.eventId,
    kind: alert.kind,
    key: alert.key,
    severity: alert.severity,
    title: alert.title,
    message,
    links: alert.links,
    count: alert.count,
    at: alert.at,
    ...(alert.channel ? { channel: alert.channel } : {}),
  };
}

export class WebhookChannel implements AlertChannel {
  readonly name = 'webhook';
  readonly secrets: readonly string[];

  constructor(private readonly settings: { url: string; secret?: string }, private readonly words: Catalogue['notify']) {
    this.secrets = [...urlSecrets(settings.url), ...(settings.secret ? [settings.secret] : [])];
  }

  async send(alert: OutgoingAlert, signal?: AbortSignal): Promise<void> {
    const body = JSON.stringify(webhookPayload(alert, this.words));
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': '100-trafico-alerts/1',
      [deliveryHeader]: String(alert.eventId),
    };
    if (this.settings.secret) {
      const timestamp = Math.floor(Date.now() / 1000);
      headers[timestampHeader] = String(timestamp);
      headers[signatureHeader] = signWebhookBody(this.settings.secret, timestamp, body);
    }
    // No redirects: a signed alert goes only where it was configured to go.
    const response = await fetch(this.settings.url, {
      method: 'POST', headers, body, redirect: 'error',
      signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(requestTimeoutMs)]) : AbortSignal.timeout(requestTimeoutMs),
    });
    const answer = (await response.text().catch(() => '')).slice(0, 200);
    if (!response.ok) throw new Error(`the webhook answered ${response.status}${answer ? `: ${answer}` : ''}`);
  }
}
