/**
 * Evergreen reposts and "en vivo ahora" posts (issue 17): the rules with no I/O. A repost is a new content linked to
 * its origin (the family's root), going only to accounts not in cooldown; live posts are limited per session instead.
 */

/** `REPOST_COOLDOWN_DAYS`'s default: what `createRepost` applies when its caller gives none. */
export const defaultRepostCooldownDays = 30;

/** Limits of the repost inputs (API schemas and the database layer check the same numbers). */
export const repostLimits = { captionMaxLength: 2200, accountsMax: 50 } as const;

/** The placeholder a repost or live caption may hold for the post's own tracking link. */
export const linkPlaceholder = '{link}';

/**
 * A caption draft with `{link}` in its text gets the post's tracking link there (every occurrence), and then no link
 * is added by the layout (`linkInBody`), so it is never posted twice. Without the placeholder nothing changes. Where a
 * platform takes no links, core/captions.ts finalizeCaption strips the URL again like any other.
 */
export function placeLink(caption: string, trackingUrl: string): { caption: string; linkInBody: boolean } {
  if (!caption.includes(linkPlaceholder)) return { caption, linkInBody: false };
  return { caption: caption.split(linkPlaceholder).join(trackingUrl), linkInBody: true };
}

/** When an account's cooldown ends: `days` after the family's last post on it (never before now is "free"). */
export function cooldownUntil(lastPostedAt: Date, days: number): Date {
  return new Date(lastPostedAt.getTime() + days * 86_400_000);
}

/** Why an account cannot take a repost now: a post of the family within the cooldown, or one still waiting to go out. */
export type CooldownCause = 'posted' | 'pending';

export interface AccountCooldown {
  accountId: string;
  cause: CooldownCause;
  /** End of the cooldown (`posted`); null while a post is still pending (it starts when that one goes out). */
  until: Date | null;
}
