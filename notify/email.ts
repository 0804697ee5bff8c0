/**
 * E-mail over SMTP (nodemailer): the transport built from SMTP_URL or SMTP_HOST/PORT/SECURE/USER/PASSWORD, the
 * alert channel (one e-mail per alert to ALERT_EMAIL_TO, HTML and text), and what reports.ts sends through it.
 * Each message has a Message-ID derived from what it is (the event, the report period), so a retry that did
 * arrive twice reads as one message in clients that thread by it.
 */
import { createHash } from 'node:crypto';
import { createTransport } from 'nodemailer';
import type { SmtpSettings } from '../config.js';
import type { Catalogue } from '../messages/index.js';
import type { OutgoingAlert } from './alerts.js';
import type { AlertChannel } from './channel.js';
import { emailDocument, escapeHtml, linkHtml, paragraphs } from './html.js';
import { urlSecrets } from './scrub.js';

export interface EmailSettings {
  smtp: SmtpSettings;
  from: string;
}

export interface OutgoingEmail {
  to: string[];
  subject: string;
  html: string;
  text: string;
  /** Stable for the same message: `<name>@<the sender's domain>`. */
  idName: string;
}

const accents = { critical: '#dc2626', warning: '#f59e0b', info: '#2563eb' } as const;

export class Mailer {
  readonly secrets: readonly string[];
  private readonly transport: ReturnType<typeof createTransport>;
  private readonly domain: string;

  constructor(private readonly settings: EmailSettings) {
    const { smtp } = settings;
    // Bounded waits: a silent server fails the attempt instead of holding the channel for minutes.
    const timeouts = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };
    this.transport = createTransport('url' in smtp ? { url: smtp.url, ...timeouts } : { ...smtp, ...timeouts });
    this.secrets = 'url' in smtp ? urlSecrets(smtp.url) : smtp.auth?.pass ? [smtp.auth.pass] : [];
    this.domain = /@([^>\s]+)>?$/.exec(settings.from)?.[1] ?? 'localhost';
  }

  async send(message: OutgoingEmail): Promise<void> {
    await this.transport.sendMail({
      from: this.settings.from,
      to: message.to,
      subject: message.subject,
      html: message.html,
      text: message.text,
      messageId: `<${message.idName}@${this.domain}>`,
      headers: { 'Auto-Submitted': 'auto-generated' },
    });
  }

  close() {
    this.transport.close();
  }
}

/** An alert as an e-mail: subject with severity and title, the message, its links, the repeats folded since the last one. */
export function alertEmail(alert: OutgoingAlert, words: Catalogue['notify'], language: string): Omit<OutgoingEmail, 'to'> {
  const severity = words.severity[alert.severity];
  const when = new Intl.DateTimeFormat(words.locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(alert.at));
  const repeated = alert.count > 1 ? words.repeated(alert.count - 1) : undefined;
  const facts = `${words.fields.severity}: ${severity} · ${words.fields.kind}: ${alert.kind} · ${words.fields.at}: ${when} UTC`;
  const body = [
    paragraphs(alert.message),
    repeated ? `<p style="margin:0 0 8px;font-weight:600">${escapeHtml(repeated)}</p>` : '',
    alert.links.length ? `<p style="margin:16px 0">${alert.links.map((l) => linkHtml(l.label, l.url)).join(' &nbsp;·&nbsp; ')}</p>` : '',
    `<p style="margin:16px 0 0;color:#71717a;font-size:12px">${escapeHtml(facts)}</p>`,
  ].join('\n');
  const text = [
    alert.title, '', alert.message, ...(repeated ? ['', repeated] : []),
    ...(alert.links.length ? ['', ...alert.links.map((l) => `${l.label}: ${l.url}`)] : []),
    '', facts, '', '-- ', words.email.footer,
  ].join('\n');
  const keyHash = createHash('sha256').update(alert.key).digest('hex').slice(0, 12);
  return {
    subject: words.email.alertSubject(severity, alert.title),
    html: emailDocument({ lang: language, title: alert.title, accent: accents[alert.severity], body, footer: words.email.footer }),
    text,
    idName: `alert-${alert.eventId}-${keyHash}`,
  };
}

export class EmailChannel implements AlertChannel {
  readonly name = 'email';

  constructor(private readonly mailer: Mailer, private readonly to: string[], private readonly words: Catalogue['notify'], private readonly language: string) {}

  get secrets() {
    return this.mailer.secrets;
  }

  async send(alert: OutgoingAlert): Promise<void> {
    await this.mailer.send({ to: this.to, ...alertEmail(alert, this.words, this.language) });
  }
}
