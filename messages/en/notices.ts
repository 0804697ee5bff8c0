/**
 * What the bot sends to the admin chat from events (bot/notices.ts): alerts, the approval reminder, the repeat
 * count. Telegram HTML: values arrive already escaped.
 */
import type { Catalogue } from '../es/index.js';

export const notices = {
  timeLocale: 'en-US',
  approvalReminder: (shortId: string) => `⏰ <b>#${shortId}</b> is still waiting for your decision.`,
  account: (model: string, platform: string, username: string) => `${model} · ${platform} @${username}`,
  unknownAccount: 'an account',
  detail: (text: string) => `<i>${text}</i>`,
  ingestRejected: {
    title: '🎞 <b>Video rejected by the media checks</b>',
    who: (model: string, shortId: string) => `👤 ${model} · #${shortId}`,
    unknownModel: 'unknown model',
    reason: (reason: string) => `Reason: ${reason}`,
    modelTold: 'The model already got the reason from the bot.',
  },
  sessionExpired: {
    title: '🔐 <b>Session expired</b>',
    body: 'The account is paused and its scheduled publications wait. Link the session again (or, for an API account, Reconnect it under Accounts) from the dashboard.',
  },
  approvalWarning: {
    x_sensitive_setting: 'X: the API cannot flag a post; turn on "Mark media you post as having material that may be sensitive" for the account',
    bluesky_adult_label: 'Bluesky: it carries the adult label (only people who opted in see it)',
    reddit_nsfw: 'Reddit: marked NSFW; subreddits that do not allow NSFW refuse it',
    reddit_no_subreddits: 'Reddit: the account has no subreddit configured; it will not be posted',
    telegram_spoiler: 'Telegram: the video goes behind a spoiler',
    telegram_too_big: 'Telegram: bigger than the cloud Bot API uploads (50 MB); a local Bot API server is needed',
  },
  accountPaused: {
    title: '⏸ <b>Account paused</b>',
    body: 'The platform held the account back; its scheduled publications wait until you resume it.',
  },
  publication: {
    failedTitle: '🔴 <b>Publication failed</b>',
    unconfirmedTitle: '🟠 <b>Publication unconfirmed</b>',
    where: (model: string, platform: string, username: string, shortId: string) => `${model} → ${platform} @${username} · #${shortId}`,
    error: (error: string) => `Error: <code>${error}</code>`,
    attempts: (count: number) => `Attempts: ${count}`,
    failedHint: 'Retry once the problem is solved.',
    unconfirmedHint: 'It may have been published after all: check the platform. A retry first looks for the earlier post.',
    retryButton: '🔁 Retry',
  },
  alert: {
    title: '⚠️ <b>Alert</b>',
    who: (model: string, shortId?: string) => `👤 ${model}${shortId ? ` · #${shortId}` : ''}`,
  },
  learnedSlots: {
    title: '📈 <b>This week\'s learned posting slots</b>',
    intro: 'By the views at 24 h of their posts, these hours do better than the current ones:',
    model: (model: string, suggested: string, current: string, posts: number) => `• <b>${model}</b>: ${suggested} (now: ${current}; ${posts} posts)`,
    none: 'as soon as possible',
    more: (n: number) => `… and ${n} more model${n === 1 ? '' : 's'}.`,
    howTo: 'Nothing changes by itself: check the map and press "Apply" in Models → rules → Learned posting slots.',
  },
  folded: (count: number, lastAt: string) => `🔁 <b>Repeated ${count} times</b> (the last at ${lastAt}).`,
} satisfies Catalogue['notices'];
