/**
 * The daily and weekly report e-mails: published, failed, views, likes and clicks in total, by platform, by model
 * and by both (services/reports.ts `summaryBetween`, the figures of the bot's /daily and /weekly), as HTML with a
 * text part, in NOTIFY_LANGUAGE.
 *
 * When: every day at REPORT_EMAIL_DAILY_AT in the admin's time zone (Ajustes; UTC when she chose none) the report
 * of the day before (whole local day); on Mondays at the same time the week before (Monday to Sunday).
 * Exactly once per period: a durable cursor per report (`telegram_outbox` rows `notify:report:daily|weekly`, the
 * last period sent, db/notify.ts) under a lease, moved after the e-mail was accepted by the SMTP server. A crash
 * between the two sends it again with the same Message-ID. A process that was down at the hour sends the latest
 * due period when it is back (older missed ones are not sent); a new install starts with the next one.
 */
import type { Logger } from 'pino';
import { localDay, zonedTimeToUtc } from '../core/scheduling.js';
import type { Db } from '../db/client.js';
import { advanceOutbox, recordEvent, releaseOutbox } from '../db/events.js';
import { acquireReportCursor } from '../db/notify.js';
import { readAdminPreferences } from '../db/preferences.js';
import type { ReportRow } from '../db/reports.js';
import { messagesFor } from '../messages/index.js';
import { summaryBetween } from '../services/reports.js';
import { backoffMs, leaseMs, pause, processOwner } from './consumer.js';
import type { Mailer, OutgoingEmail } from './email.js';
import { emailDocument, escapeHtml, linkHtml } from './html.js';
import { errorText, scrubSecrets } from './scrub.js';

export type ReportKind = 'daily' | 'weekly';

const DAY_MS = 86_400_000;

/** A report's period: local days [fromDay, toDay) in `timeZone`, their instants, and its ordinal (fromDay as days since 1970-01-01). */
export interface ReportPeriod {
  kind: ReportKind;
  ordinal: number;
  fromDay: string;
  /** Exclusive. */
  toDay: string;
  from: Date;
  to: Date;
  timeZone: string;
}

const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS;
const dayOf = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);

/** The instant a local day starts (its first minute that exists: some zones skip midnight on DST days). */
function startOfDay(day: string, timeZone: string): Date {
  return zonedTimeToUtc(day, '00:00', timeZone) ?? zonedTimeToUtc(day, '01:00', timeZone) ?? new Date(`${day}T00:00:00Z`);
}

/** The local time `hhmm` of `day`, or an hour later when it does not exist that day (DST gap). */
function sendTime(day: string, hhmm: string, timeZone: string): Date {
  const at = zonedTimeToUtc(day, hhmm, timeZone);
  if (at) return at;
  const [h, m] = hhmm.split(':').map(Number);
  return zonedTimeToUtc(day, `${String(Math.min(23, h! + 1)).padStart(2, '0')}:${String(m).padStart(2, '0')}`, timeZone) ?? startOfDay(day, timeZone);
}

/** The latest period of `kind` whose sending time (`dailyAt` local; weekly on Mondays) has come at `now`. */
export function duePeriod(kind: ReportKind, now: Date, timeZone: string, dailyAt: string): ReportPeriod {
  const today = dayNumber(localDay(now, timeZone));
  let first: number;
  if (kind === 'daily') {
    first = now >= sendTime(dayOf(today), dailyAt, timeZone) ? today - 1 : today - 2;
  } else {
    // 1970-01-01 was a Thursday: (n + 3) % 7 is the days since Monday.
    const monday = today - ((today + 3) % 7);
    first = now >= sendTime(dayOf(monday), dailyAt, timeZone) ? monday - 7 : monday - 14;
  }
  const last = first + (kind === 'daily' ? 1 : 7);
  return {
    kind, ordinal: first, fromDay: dayOf(first), toDay: dayOf(last),
    from: startOfDay(dayOf(first), timeZone), to: startOfDay(dayOf(last), timeZone), timeZone,
  };
}

type Figures = Omit<ReportRow, 'platformName' | 'modelName'>;
const columns = ['published', 'failed', 'views', 'likes', 'clicks'] as const;

/** The report as an e-mail (HTML and text); every value escaped in the HTML. */
export function reportEmail(
  period: ReportPeriod,
  summary: Awaited<ReturnType<typeof summaryBetween>>,
  options: { language: 'es' | 'en'; dashboardUrl: string },
): Omit<OutgoingEmail, 'to'> {
  const words = messagesFor(options.language).notify;
  const r = words.report;
  const number = new Intl.NumberFormat(words.locale);
  const longDay = (day: string) => new Intl.DateTimeFormat(words.locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`));
  const lastDay = dayOf(dayNumber(period.toDay) - 1);
  const subject = period.kind === 'daily' ? r.dailySubject(longDay(period.fromDay)) : r.weeklySubject(longDay(period.fromDay), longDay(lastDay));
  const title = period.kind === 'daily' ? r.dailyTitle : r.weeklyTitle;
  const range = r.period(longDay(period.fromDay), longDay(lastDay), period.timeZone);

  const sections: { heading: string; labels: string[]; rows: { names: string[]; figures: Figures }[] }[] = [
    { heading: r.totals, labels: [], rows: [{ names: [], figures: summary.totals }] },
    { heading: r.byPlatform, labels: [r.columns.platform], rows: summary.byPlatform.map((p) => ({ names: [p.platformName], figures: p })) },
    { heading: r.byModel, labels: [r.columns.model], rows: summary.byModel.map((m) => ({ names: [m.modelName], figures: m })) },
    { heading: r.detail, labels: [r.columns.platform, r.columns.model], rows: summary.rows.map((x) => ({ names: [x.platformName, x.modelName], figures: x })) },
  ];
  const empty = summary.rows.length === 0;
  const shown = empty ? sections.slice(0, 1) : sections;
  // The weekly report's earnings: exact decimals formatted as money (never through a float).
  const usd = (amount: string) => new Intl.NumberFormat(words.locale, { style: 'currency', currency: 'USD' }).format(amount as `${number}`);
  const e = summary.earnings;
  const earningsLines = e ? [
    r.earnings(usd(e.amountUsd), number.format(e.sessions)),
    e.bestPlatform ? r.bestPlatform(e.bestPlatform.name, usd(e.bestPlatform.amountUsd), r.method[e.bestPlatform.method]) : r.noBestPlatform,
  ] : [];

  const cell = 'padding:6px 10px;border-bottom:1px solid #e4e4e7;';
  const table = (s: (typeof sections)[number]) => [
    `<h2 style="margin:20px 0 8px;font-size:16px">${escapeHtml(s.heading)}</h2>`,
    '<table role="presentation" cellpadding="0" cellspacing="0" style="border-collapse:collapse;width:100%;font-size:14px">',
    `<tr>${[...s.labels.map((l) => `<th style="${cell}text-align:left">${escapeHtml(l)}</th>`), ...columns.map((c) => `<th style="${cell}text-align:right">${escapeHtml(r.columns[c])}</th>`)].join('')}</tr>`,
    ...s.rows.map((row) => `<tr>${[
      ...row.names.map((n) => `<td style="${cell}">${escapeHtml(n)}</td>`),
      ...columns.map((c) => `<td style="${cell}text-align:right;${c === 'failed' && row.figures.failed > 0 ? 'color:#dc2626;font-weight:600' : ''}">${escapeHtml(number.format(row.figures[c]))}</td>`),
    ].join('')}</tr>`),
    '</table>',
  ].join('\n');
  const body = [
    `<p style="margin:0 0 8px;color:#52525b">${escapeHtml(range)}</p>`,
    ...shown.map(table),
    ...earningsLines.map((line) => `<p style="margin:12px 0 0">${escapeHtml(line)}</p>`),
    empty ? `<p style="margin:16px 0">${escapeHtml(r.empty)}</p>` : '',
    `<p style="margin:16px 0;color:#71717a;font-size:12px">${escapeHtml(r.notes)}</p>`,
    `<p style="margin:16px 0">${linkHtml(r.open, `${options.dashboardUrl}/analytics`)}</p>`,
  ].join('\n');

  const figuresText = (f: Figures) => columns.map((c) => `${r.columns[c]} ${number.format(f[c])}`).join(' · ');
  const text = [
    title, range, '',
    ...shown.flatMap((s) => [s.heading, ...s.rows.map((row) => (row.names.length ? `  ${row.names.join(' · ')}: ${figuresText(row.figures)}` : `  ${figuresText(row.figures)}`)), '']),
    ...(earningsLines.length ? [...earningsLines, ''] : []),
    ...(empty ? [r.empty, ''] : []),
    r.notes, '', `${r.open}: ${options.dashboardUrl}/analytics`, '', '-- ', words.email.reportFooter,
  ].join('\n');
  return {
    subject,
    html: emailDocument({ lang: options.language, title: `${title} · ${words.product}`, accent: '#15803d', body, footer: words.email.reportFooter }),
    text,
    idName: `report-${period.kind}-${period.fromDay}`,
  };
}

export interface ReportSenderDeps {
  db: Db;
  log: Logger;
  mailer: Mailer;
  config: {
    language: 'es' | 'en';
    dashboardUrl: string;
    retry: { attempts: number; baseMs: number };
    reports: { to: string[]; dailyAt?: string; weekly: boolean };
  };
}

export interface ReportSenderOptions {
  /** How often it looks whether a report is due. */
  pollMs?: number;
  /** The clock (tests move it). */
  now?: () => Date;
  /** Cursor names `<prefix>daily` / `<prefix>weekly` (tests use their own). */
  cursorPrefix?: string;
}

export class ReportSender {
  private readonly owner = processOwner();
  private readonly pollMs: number;
  private readonly now: () => Date;
  private readonly prefix: string;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  /** stop() was called: rounds end early and no new one starts (tick() also runs without start(), in tests). */
  private closing = false;
  private abort = new AbortController();
  private down = false;

  constructor(private readonly deps: ReportSenderDeps, options: ReportSenderOptions = {}) {
    this.pollMs = options.pollMs ?? 60_000;
    this.now = options.now ?? (() => new Date());
    this.prefix = options.cursorPrefix ?? 'notify:report:';
  }

  get kinds(): ReportKind[] {
    const { dailyAt, weekly, to } = this.deps.config.reports;
    if (!dailyAt || to.length === 0) return [];
    return weekly ? ['daily', 'weekly'] : ['daily'];
  }

  start() {
    this.closing = false;
    this.abort = new AbortController();
    this.schedule(0);
  }

  async stop() {
    this.closing = true;
    this.abort.abort();
    clearTimeout(this.timer);
    await this.running;
    for (const kind of ['daily', 'weekly']) await releaseOutbox(this.deps.db, `${this.prefix}${kind}`, this.owner).catch(() => undefined);
  }

  private schedule(ms: number) {
    if (this.closing) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((error: unknown) => this.deps.log.error({ error: this.scrub(error) }, 'report round failed'))
        .finally(() => {
          this.running = undefined;
          this.schedule(this.pollMs);
        });
    }, ms);
  }

  /** Sends whatever report is due and not sent yet; the periods sent. */
  async tick(): Promise<ReportPeriod[]> {
    const { db, config } = this.deps;
    const dailyAt = config.reports.dailyAt;
    if (!dailyAt) return [];
    const sent: ReportPeriod[] = [];
    const now = this.now();
    const timeZone = validZone((await readAdminPreferences(db)).timezone);
    for (const kind of this.kinds) {
      if (this.closing) break;
      const period = duePeriod(kind, now, timeZone, dailyAt);
      const name = `${this.prefix}${kind}`;
      const last = await acquireReportCursor(db, name, this.owner, leaseMs, period.ordinal);
      if (last === undefined || last >= period.ordinal) continue;
      const summary = await summaryBetween(db, period.from, period.to, { earnings: kind === 'weekly' });
      const email = reportEmail(period, summary, config);
      if (!(await this.sendWithRetries({ ...email, to: config.reports.to }))) continue;
      await advanceOutbox(db, name, this.owner, period.ordinal);
      this.deps.log.info({ report: kind, from: period.fromDay, to: period.toDay, timeZone }, 'report e-mail sent');
      sent.push(period);
    }
    return sent;
  }

  private async sendWithRetries(email: OutgoingEmail): Promise<boolean> {
    const { attempts, baseMs } = this.deps.config.retry;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await this.deps.mailer.send(email);
        this.down = false;
        return true;
      } catch (error) {
        lastError = error;
        this.deps.log.warn({ attempt, attempts, error: this.scrub(error) }, 'report e-mail not sent');
      }
      if (attempt < attempts) await pause(backoffMs(baseMs, attempt), this.abort.signal);
      if (this.closing) return false;
    }
    // Tried again at the next round; the other channels hear of it once (the e-mail alert channel may say the same: same key, folded).
    if (!this.down) {
      this.down = true;
      await recordEvent(this.deps.db, 'alert', { kind: 'channel_down', channel: 'email', error: this.scrub(lastError), attempts });
    }
    return false;
  }

  private scrub(error: unknown) {
    return scrubSecrets(errorText(error), this.deps.mailer.secrets);
  }
}

function validZone(zone: string | null): string {
  if (!zone) return 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return 'UTC';
  }
}

