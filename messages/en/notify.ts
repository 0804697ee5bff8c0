/**
 * What the receivers of alerts by webhook or e-mail and of the daily and weekly report e-mails read (notify/).
 * Plain text: notify/ escapes every value for HTML or Slack's mrkdwn when composing.
 */
import type { Catalogue } from '../es/index.js';

export const notify = {
  locale: 'en-GB',
  product: '100-Tráfico',
  severity: { critical: 'Critical', warning: 'Warning', info: 'Info' },
  titles: {
    invalid_rules: 'Invalid distribution rules',
    account_paused: 'Account paused',
    publication_failed: 'Publication failed',
    publication_unconfirmed: 'Publication unconfirmed',
    session_expired: 'Session expired',
    session_unknown: 'Session not checked',
    post_deleted: 'Post deleted',
    not_sent: 'Video not sent to a platform',
    no_slot: 'No free slot',
    clicks_dropped: 'Clicks lost',
    channel_down: 'Alert channel down',
    stream_source_revoked: 'Stream token refused',
    reach_drop: 'Reach drop (possible shadowban)',
    ingest_rejected: 'Video rejected by validation',
  },
  account: (model: string, platform: string, username: string) => `${model} · ${platform} @${username}`,
  publication: (model: string, platform: string, username: string, shortId: string) => `${model} → ${platform} @${username} · #${shortId}`,
  model: (model: string, shortId?: string) => `Model: ${model}${shortId ? ` · #${shortId}` : ''}`,
  attempts: (count: number) => `Attempts: ${count}`,
  hints: {
    publication_failed: 'Retry once the problem is solved.',
    publication_unconfirmed: 'It may have been posted: check the platform before retrying.',
    session_expired: 'The account is paused and its scheduled publications wait. Link the session again from the dashboard.',
    account_paused: 'The platform stopped the account; its scheduled publications wait until you resume it.',
    channel_down: 'That channel\'s alerts are lost until it works again; check its settings.',
  },
  links: {
    publication: 'Open the publication',
    content: 'Open the content',
    model: 'Open the model',
    accounts: 'Open the accounts',
    post: 'Open the post',
    dashboard: 'Open the dashboard',
  },
  fields: { kind: 'Kind', severity: 'Severity', count: 'Times', at: 'When' },
  repeated: (count: number) => (count === 1 ? 'It repeated once since the last notice.' : `It repeated ${count} times since the last notice.`),
  email: {
    alertSubject: (severity: string, title: string) => `[100-Tráfico] ${severity}: ${title}`,
    footer: 'Sent by 100-Tráfico. Identical alerts are grouped during the cooldown.',
    reportFooter: 'Sent by 100-Tráfico: the daily report every day, the weekly one on Mondays.',
  },
  report: {
    dailySubject: (day: string) => `[100-Tráfico] Daily report · ${day}`,
    weeklySubject: (from: string, to: string) => `[100-Tráfico] Weekly report · ${from} – ${to}`,
    dailyTitle: 'Daily report',
    weeklyTitle: 'Weekly report',
    period: (from: string, to: string, zone: string) => `From ${from} to ${to} (${zone})`,
    totals: 'Totals',
    byPlatform: 'By platform',
    byModel: 'By model',
    detail: 'By platform and model',
    columns: { platform: 'Platform', model: 'Model', published: 'Published', failed: 'Failed', views: 'Views', likes: 'Likes', clicks: 'Clicks' },
    empty: 'No publications, failures or clicks in this period.',
    notes: 'Views and likes: the latest reading of each post published in the period. Clicks: by people (bots excluded) on the tracking links.',
    open: 'Open the dashboard',
  },
} satisfies Catalogue['notify'];
