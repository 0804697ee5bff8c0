/**
 * What each system_events kind says, in English, from its payload alone. `db/events.ts` `recordEvent` stores
 * this text in `system_events.description` (the audit log's language), so changing a sentence changes what new
 * rows say, never old ones.
 */
import type { EventDescriptions, EventPayloads } from '../../contracts/events.js';

type Alert = EventPayloads['alert'];

const megabytes = (bytes: number) => (bytes / 1_048_576).toFixed(1);

const publications = (n: number) => `${n} publication(s)`;

const sessionProblem = (state: string) =>
  state === 'challenge' ? 'the platform asks for a verification (captcha/2FA)' : 'the saved session is logged out';

function alert(p: Alert): string {
  switch (p.kind) {
    case 'invalid_rules': return `cannot schedule: the distribution rules of ${p.modelName} are invalid: ${p.problems.join('; ')}`;
    case 'account_paused': return `account @${p.username} ${p.status}: ${p.message}`;
    case 'publication_failed': return `publication failed: ${p.errorType}: ${p.message}`;
    case 'publication_unconfirmed': return `publication unconfirmed: ${p.errorType}: ${p.message}`;
    case 'session_expired': return `Session expired: @${p.username} on ${p.platform} (${sessionProblem(p.state)}). Link the session again.`;
    case 'session_unknown': return `Could not check the session of @${p.username} on ${p.platform}; check the account.`;
    case 'post_deleted': return `Post deleted on ${p.platform}: @${p.username}`;
    case 'not_sent': return `not sent to ${p.platform}: ${p.reason}`;
    case 'no_slot': return `no free slot for @${p.username} on ${p.platform} within ${p.maxLeadDays} days`;
    case 'clicks_dropped': return `${p.count} tracking-link click(s) lost: the click buffer (${p.bufferMax}) was full while the database could not take them`;
    case 'channel_down': return `alert channel ${p.channel} is failing (${p.attempts} attempts): ${p.error}`;
    case 'stream_source_revoked': return `${p.site} refused the token of @${p.username} (${p.modelName}): stream polling stopped until a new token is given`;
    case 'reach_drop': return `possible shadowban: the last ${p.posts} posts of @${p.username} on ${p.platform} reached ${p.recentViews.join(', ')} views at 24 h, under ${Math.round(p.share * 100)} % of its median ${p.medianViews}${p.paused ? '; account paused' : ''}`;
  }
}

export const events = {
  content_received: (p) => p.fileName ?? 'video',
  content_ingested: (p) => `${p.width}x${p.height} ${p.codec}, ${p.durationSeconds.toFixed(1)} s`,
  content_rejected: (p) => p.reason,
  content_approved: (p) =>
    'auto' in p ? 'auto-approved by the model rules'
      : [
        p.editedCaptions.length ? `approved with edited captions for ${p.editedCaptions.join(', ')}` : 'approved',
        ...(p.overrides ?? []).map((o) => `moderation overridden on ${o.platform} (${o.violations.join(', ')})`),
      ].join('; '),
  content_duplicate: (p) => `same video (sha256) as content ${p.duplicateOfId}; not published twice`,
  caption_generated: (p) => {
    const parts = Object.entries(p.platforms).map(([platform, o]) => `${platform}: ${o.source}${o.fallback ? ` (llm failed: ${o.fallback})` : ''}`);
    return parts.length === 0 ? 'caption drafted from the template (no active accounts yet)' : `captions drafted — ${parts.join('; ')}`;
  },
  publication_scheduled: (p) => ('released' in p ? 'released: the account or model was resumed' : `scheduled for ${p.scheduledTime}`),
  publication_started: (p) => `publishing to ${p.platform} as @${p.username}`,
  publication_published: (p) => p.url,
  publication_failed: (p) => `${p.errorType}: ${p.message}`,
  retry: () => 'publish again now',
  metrics_read: (p) => `views ${p.views ?? '?'}, likes ${p.likes ?? '?'}`,
  metrics_parse_failed: (p) => `could not read ${p.unreadable.join(', ')} on ${p.url}; kept the last good values`,
  manual_adjustment: (p) =>
    p.change === 'browser_profile' ? `browser profile of @${p.username} changed` : `Telegram link code created (valid until ${p.expiresAt})`,
  strategy_changed: (p) => `strategy changed: ${p.change}`,
  session_linked: (p) =>
    'cookieCount' in p
      ? `session imported for @${p.username} (${p.format}, ${p.cookieCount} cookies)`
      : p.format === 'login'
      ? `@${p.username} logged in on ${p.platform} with credentials`
      : `@${p.username} connected to ${p.platform}'s API (${p.format === 'oauth' ? 'OAuth' : 'credentials'})`,
  session_expired: (p) =>
    'errorType' in p
      ? `@${p.username} session_expired after ${p.errorType}; ${p.held.length} scheduled publication(s) held`
      : `@${p.username} on ${p.platform}: ${sessionProblem(p.state)}; ${publications(p.held.length)} held`,
  account_paused: (p) =>
    'errorType' in p
      ? `@${p.username} paused after ${p.errorType}; ${p.held.length} scheduled publication(s) held`
      : `${p.reason ?? 'paused by hand'}; ${publications(p.held.length)} held`,
  alert,
  approval_requested: (p) =>
    'waiting for approval' + (p.violations?.length ? ` ($auto-moderation found: ${p.violations.map((v) => `${v.platform} ${v.codes.join(', ')}`).join('; ')})` : ''),
  approval_reminder: (p) => `still waiting for approval (reminder ${p.count})`,
  publication_rescheduled: (p) => `moved to ${p.scheduledTime}`,
  publication_canceled: (p) => p.reason ?? 'canceled',
  publication_held: (p) =>
    p.cause === 'account' ? `account @${p.username} is ${p.accountStatus}` : p.cause === 'model' ? `model ${p.modelName} is paused`
      : p.cause === 'quota' ? `the ${p.platform} publishing quota is used up; it publishes by itself when it frees (${p.until})`
      : `platform ${p.platform} is disabled`,
  publication_unconfirmed: (p) => `${p.errorType}: ${p.message}`,
  media_variant_created: (p) => {
    const what = [
      p.trimToSeconds !== undefined ? `trimmed to ${p.trimToSeconds} s` : null,
      p.fitAspect ? `fitted to ${p.fitAspect} (${p.width}x${p.height})` : null,
      p.watermark ? 'with the watermark' : null,
    ].filter(Boolean).join(', ');
    return `${p.platform}: ${what}${p.reused ? ' (existing file reused)' : ''}`;
  },
  account_resumed: (p) =>
    p.loggedInOn !== undefined
      ? `@${p.username} on ${p.loggedInOn} logged in again; ${publications(p.released.length)} released`
      : `@${p.username} active again; ${publications(p.released.length)} released`,
  session_checked: (p) => `@${p.username} on ${p.platform}: ${p.state}`,
  post_missing: (p) => `the post page says it is unavailable (${p.missingChecks}/2 before it counts as deleted)`,
  post_deleted: (p) => `the post ${p.url} is gone (${p.missingChecks} reads in a row found it unavailable)`,
  telegram_linked: (p) => {
    const who = p.username ? `@${p.username} (${p.telegramUserId})` : String(p.telegramUserId);
    return `Telegram user ${who} linked${p.previousModelId ? ` (unlinked from model ${p.previousModelId})` : ''}`;
  },
  model_paused: (p) => `${p.reason ?? 'paused by hand'}; ${publications(p.held.length)} held`,
  model_resumed: (p) => `active again; ${publications(p.released.length)} released`,
  model_created: (p) => `model ${p.name} created${p.preset ? ` from the ${p.preset} preset` : ''}`,
  model_updated: (p) => `model ${p.name}: changed ${p.changed.join(', ')}`,
  account_created: (p) => `account @${p.username} created on ${p.platform}`,
  account_updated: (p) => `account @${p.username} on ${p.platform}: changed ${p.changed.join(', ')}${p.status ? ` (now ${p.status})` : ''}`,
  account_deleted: (p) => `account @${p.username} on ${p.platform} deleted`,
  platform_updated: (p) => {
    const moved = p.held ? `; ${p.held.length} held` : p.released ? `; ${p.released.length} released` : '';
    return `platform ${p.platform} ${p.active ? 'enabled' : 'disabled'}: changed ${p.changed.join(', ')}${moved}`;
  },
  alert_acknowledged: (p) => `alert ${p.alertEventId} (${p.kind}) acknowledged`,
  api_token_created: (p) => `API token "${p.name}" created`,
  api_token_revoked: (p) => `API token "${p.name}" revoked`,
  admin_session_revoked: (p) => `dashboard session ended (${{ logout: 'logout', revoked: 'revoked from the list', password_changed: 'password change' }[p.reason]})`,
  admin_password_changed: (p) => `dashboard password changed; ${p.revokedSessions} sessions ended`,
  moderation_rule_changed: (p) =>
    `moderation rule ${p.action}: ${p.kind} "${p.value}" (${p.platform ?? 'every platform'}, ${p.modelName ?? 'every model'})`,
  media_retention: (p) =>
    `retention: deleted the videos of ${p.published.contents} published and ${p.rejected.contents} rejected or duplicate contents, ` +
    `${p.evidence.attempts} evidence attempts and ${p.incoming.files} orphaned uploads (${megabytes(p.published.bytes + p.rejected.bytes + p.evidence.bytes + p.incoming.bytes)} MB)`,
  stream_source_created: (p) => `stream source added: ${p.site} @${p.username}`,
  stream_source_deleted: (p) => `stream source removed: ${p.site} @${p.username}`,
  stream_started: (p) => `live on ${p.site} (@${p.username})`,
  stream_ended: (p) => `live session on ${p.site} (@${p.username}) ended: ${p.tokens} tokens, US$ ${p.amountUsd}`,
  earnings_imported: (p) => `${p.site} CSV${p.fileName ? ` ${p.fileName}` : ''} imported: ${p.streams} sessions, ${p.earnings} earnings lines (${p.skipped} already stored)`,
  content_reposted: (p) => p.live ? `"live now" post created on ${p.accounts} account(s)` : `content reposted on ${p.accounts} account(s)`,
  live_post_created: (p) => `live-aware posting fired on ${p.accounts} account(s)`,
  reach_drop: (p) => `reach drop over the last ${p.posts} posts (median ${p.medianViews} views at 24 h)`,
  learned_slots_suggested: (p) =>
    `learned posting slots suggested for ${p.suggestions.length + p.more} model${p.suggestions.length + p.more === 1 ? '' : 's'}: ${p.suggestions.map((x) => `${x.modelName} ${x.suggested.join(', ')}`).join('; ')}${p.more ? ` and ${p.more} more` : ''}`,
} satisfies EventDescriptions;
