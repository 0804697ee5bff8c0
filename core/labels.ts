/**
 * What the approval view warns about before a content goes to official-API platforms: how each platform labels
 * adult/sensitive content, and what would make it refuse the post (a file too big for the cloud Bot API, a Reddit
 * account with no subreddit). Pure: the API's content view and the bot's approval card render the same list.
 */
import type { AccountPublishSettings } from './types.js';

export type ApprovalWarningCode =
  /** X's API has no per-post flag: the account's "mark media as sensitive" setting must be on. */
  | 'x_sensitive_setting'
  /** Bluesky gets the adult self-label: hidden from people who have not opted in. */
  | 'bluesky_adult_label'
  /** Reddit posts are marked NSFW: subreddits that do not allow NSFW refuse them. */
  | 'reddit_nsfw'
  /** A Reddit account with no subreddit configured cannot post. */
  | 'reddit_no_subreddits'
  /** Telegram shows the video behind a spoiler. */
  | 'telegram_spoiler'
  /** Over what the Bot API uploads (50 MB cloud): needs a local Bot API server. */
  | 'telegram_too_big';

export interface ApprovalWarning {
  platform: string;
  username: string;
  code: ApprovalWarningCode;
}

export interface WarningTarget {
  platform: string;
  driver: string;
  username: string;
  settings: AccountPublishSettings | null;
  maxSizeBytes: number;
}

export function approvalWarnings(content: { sensitive: boolean; sizeBytes: number | null }, targets: WarningTarget[]): ApprovalWarning[] {
  const warnings: ApprovalWarning[] = [];
  for (const target of targets) {
    const warn = (code: ApprovalWarningCode) => warnings.push({ platform: target.platform, username: target.username, code });
    if (target.driver === 'x' && content.sensitive) warn('x_sensitive_setting');
    if (target.driver === 'bluesky' && content.sensitive) warn('bluesky_adult_label');
    if (target.driver === 'reddit') {
      if (!target.settings?.subreddits?.length) warn('reddit_no_subreddits');
      else if (content.sensitive) warn('reddit_nsfw');
    }
    if (target.driver === 'telegram') {
      if (content.sizeBytes !== null && content.sizeBytes > target.maxSizeBytes) warn('telegram_too_big');
      else if (content.sensitive) warn('telegram_spoiler');
    }
  }
  return warnings;
}
