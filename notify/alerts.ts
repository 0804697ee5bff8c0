/**
 * Which events are alerts for the channels, and what each says: the same ones the bot's admin chat gets
 * (bot/notices.ts), with the same keys, so a repeat folds the same way on every channel. Plain text in the
 * configured language; each channel escapes it for its own format.
 */
import type { AlertKind, EventDescriptions } from '../contracts/events.js';
import { accountContext } from '../db/accounts.js';
import type { Db } from '../db/client.js';
import { INGEST_ACTOR } from '../db/contents.js';
import type { TypedEvent } from '../db/events.js';
import { findModel } from '../db/models.js';
import { publicationContext } from '../db/publications.js';
import { messagesFor, type Catalogue } from '../messages/index.js';
import type { NotifyAlertKind } from '../messages/es/notify.js';
import { shortId } from '../messages/html.js';

export type Severity = 'critical' | 'warning' | 'info';

/** One alert as every channel sends it (the webhook's JSON carries these fields as they are). */
export interface OutgoingAlert {
  /** The system_events row it comes from (the webhook's delivery id). */
  eventId: number;
  kind: NotifyAlertKind;
  /** Same key = same alert: folded within the cooldown. */
  key: string;
  severity: Severity;
  title: string;
  /** Plain text, lines separated by \n. */
  message: string;
  links: { label: string; url: string }[];
  /** When it happened (ISO). */
  at: string;
  /** Occurrences this message stands for: 1, plus the repeats folded since the previous one on this channel. */
  count: number;
  /** channel_down only: the channel that fails (which never sends it). */
  channel?: string;
}

const severities: Record<NotifyAlertKind, Severity> = {
  invalid_rules: 'critical',
  account_paused: 'critical',
  session_expired: 'critical',
  clicks_dropped: 'critical',
  channel_down: 'critical',
  stream_source_revoked: 'critical',
  reach_drop: 'warning',
  publication_failed: 'warning',
  publication_unconfirmed: 'warning',
  session_unknown: 'warning',
  post_deleted: 'warning',
  no_slot: 'warning',
  not_sent: 'warning',
  ingest_rejected: 'info',
};

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export interface AlertSource {
  db: Db;
  language: 'es' | 'en';
  /** The dashboard's public URL, without a trailing slash. */
  dashboardUrl: string;
}

/** The alert an event stands for, or undefined when it is none (most events). */
export async function alertOf(source: AlertSource, event: TypedEvent): Promise<OutgoingAlert | undefined> {
  const catalogue = messagesFor(source.language);
  const words = catalogue.notify;
  const descriptions: EventDescriptions = catalogue.events;
  const base = (kind: NotifyAlertKind, key: string, lines: (string | undefined)[], links: OutgoingAlert['links']): OutgoingAlert => ({
    eventId: event.id, kind, key, severity: severities[kind], title: words.titles[kind],
    message: clip([...lines, words.hints[kind]].filter((line): line is string => Boolean(line)).join('\n'), 3000),
    links, at: event.ts.toISOString(), count: 1,
  });
  const link = linker(source.dashboardUrl, words);

  if (event.type === 'session_expired') {
    if (!event.accountId) return undefined;
    const where = await accountLine(source.db, event.accountId, words);
    return base('session_expired', `account:${event.accountId}`, [where, descriptions.session_expired(event.data)], [link.accounts()]);
  }
  if (event.type === 'content_rejected') {
    if (event.actor !== INGEST_ACTOR || !event.contentId) return undefined;
    const model = event.modelId ? await findModel(source.db, event.modelId) : undefined;
    return base('ingest_rejected', `ingest:${event.modelId ?? ''}:${event.data.code ?? 'media'}`,
      [words.model(model?.name ?? '?', shortId(event.contentId)), clip(event.data.reason, 500)],
      [link.content(event.contentId)]);
  }
  if (event.type !== 'alert') return undefined;

  const alert = event.data;
  const kind: AlertKind = alert.kind;
  const detail = clip(descriptions.alert(alert), 800);
  switch (alert.kind) {
    // Announced once, by the session_expired event; the alerts recorded with it say the same (as in the bot).
    case 'session_expired':
      return undefined;
    case 'account_paused':
      if (alert.status === 'session_expired') return undefined;
      if (event.accountId) {
        return base(kind, `account:${event.accountId}`, [await accountLine(source.db, event.accountId, words), detail], [link.accounts()]);
      }
      break;
    case 'publication_failed':
    case 'publication_unconfirmed':
      if (event.publicationId) {
        const ctx = await publicationContext(source.db, event.publicationId);
        if (!ctx) return undefined;
        return base(kind, `publication:${kind}:${ctx.account.id}:${alert.errorType}`, [
          words.publication(ctx.model.name, ctx.platform.name, ctx.account.username, shortId(ctx.publication.id)),
          detail, words.attempts(ctx.publication.attempts),
        ], [link.publication(ctx.publication.id)]);
      }
      break;
    case 'channel_down':
      return { ...base(kind, `channel_down:${alert.channel}`, [detail], [link.dashboard()]), channel: alert.channel };
  }
  const model = event.modelId ? await findModel(source.db, event.modelId) : undefined;
  const links: OutgoingAlert['links'] = [];
  if (event.publicationId) links.push(link.publication(event.publicationId));
  else if (event.contentId) links.push(link.content(event.contentId));
  if (event.modelId) links.push(link.model(event.modelId));
  if (alert.kind === 'post_deleted' && /^https?:\/\//.test(alert.url)) links.push({ label: words.links.post, url: alert.url });
  if (!links.length) links.push(link.dashboard());
  return base(kind, `alert:${kind}:${event.modelId ?? ''}:${event.accountId ?? ''}:${event.description.slice(0, 80)}`,
    [model ? words.model(model.name, event.contentId ? shortId(event.contentId) : undefined) : undefined, detail],
    links);
}

async function accountLine(db: Db, accountId: string, words: Catalogue['notify']) {
  const found = await accountContext(db, accountId);
  return found ? words.account(found.model.name, found.platform.name, found.account.username) : undefined;
}

function linker(dashboardUrl: string, words: Catalogue['notify']) {
  const to = (path: string) => `${dashboardUrl}${path}`;
  return {
    publication: (id: string) => ({ label: words.links.publication, url: to(`/publications/${id}`) }),
    content: (id: string) => ({ label: words.links.content, url: to(`/contents/${id}`) }),
    model: (id: string) => ({ label: words.links.model, url: to(`/models/${id}`) }),
    accounts: () => ({ label: words.links.accounts, url: to('/accounts') }),
    dashboard: () => ({ label: words.links.dashboard, url: to('/') }),
  };
}
