// What is left today of a platform's publishing cap (GET /api/accounts `quotaToday`; core/platform-quotas.ts counts
// it) and the limits of our app at the platform (`appWarnings`), as the words of an account's row. Pure: the row
// renders the keys with `t`.
import type { Account } from '$lib/types';
import type { Lang, MessageKey } from '$lib/i18n';
import { formatInZone } from '$lib/components/overview/zone';

export type Quota = NonNullable<Account['quotaToday']>;
export type QuotaTone = 'good' | 'warn' | 'bad';
type Part = { key: MessageKey; params?: Record<string, string | number> };

/** Google resets a project's YouTube units at midnight in this zone (core/platform-quotas.ts YOUTUBE_QUOTA_ZONE). */
const PACIFIC = 'America/Los_Angeles';

/** Nothing left: red; a fifth of the cap or less (at least one): amber. */
export function quotaTone(quota: Quota): QuotaTone {
	if (quota.remaining <= 0) return 'bad';
	return quota.remaining <= Math.max(1, Math.ceil(quota.limit * 0.2)) ? 'warn' : 'good';
}

const hhmm = (iso: string, zone: string) => formatInZone(iso, zone, 'time').slice(0, 5);

function headline(quota: Quota): MessageKey {
	const one = quota.remaining === 1;
	if (quota.unit === 'uploads') return one ? 'accounts.quota.uploads.one' : 'accounts.quota.uploads';
	if (quota.unit === 'posts') return one ? 'accounts.quota.posts.one' : 'accounts.quota.posts';
	return one ? 'accounts.quota.drafts.one' : 'accounts.quota.drafts';
}

/**
 * The line: how many are left of how many, whose quota it is (an app's is shared by every account of the platform)
 * and when room comes back — a daily reset in the platform's zone and in the admin's, or (a 24 h moving window) when
 * the oldest counted post stops counting. Numbers in the page's language, times in the admin's zone.
 */
export function quotaParts(quota: Quota, driver: string, platformName: string, zone: string, lang: Lang): Part[] {
	const number = new Intl.NumberFormat(lang === 'en' ? 'en-US' : 'es-ES');
	const parts: Part[] = [
		{ key: headline(quota), params: { remaining: number.format(quota.remaining), limit: number.format(quota.limit) } }
	];
	if (quota.scope === 'app') {
		parts.push(driver === 'youtube' ? { key: 'accounts.quota.sharedGoogle' } : { key: 'accounts.quota.sharedApp', params: { platform: platformName } });
	}
	if (quota.resetsAt) {
		const local = hhmm(quota.resetsAt, zone);
		if (driver === 'youtube') {
			const pacific = hhmm(quota.resetsAt, PACIFIC);
			parts.push(
				pacific === local
					? { key: 'accounts.quota.resetPacificSame', params: { pacific } }
					: { key: 'accounts.quota.resetPacific', params: { pacific, local } }
			);
		} else if (quota.scope === 'app') {
			parts.push({ key: 'accounts.quota.resetAt', params: { local } });
		} else {
			parts.push({ key: `accounts.quota.nextFree.${quota.unit}`, params: { local } });
		}
	}
	return parts;
}

/** What an empty quota means for the account's publications. */
export function quotaOutNote(quota: Quota, platformName: string): Part | null {
	if (quota.remaining > 0) return null;
	return quota.scope === 'app'
		? { key: 'accounts.quota.outApp', params: { platform: platformName } }
		: { key: 'accounts.quota.outAccount', params: { platform: platformName } };
}

const knownWarnings = ['youtube_unaudited', 'tiktok_unaudited'] as const;

/**
 * The words of an app warning; a TikTok account already sending drafts is told it is not held back by it. A code
 * this dashboard does not know yet is shown raw (null key).
 */
export function appWarningKey(code: string, account: Pick<Account, 'publishSettings'>): MessageKey | null {
	if (!(knownWarnings as readonly string[]).includes(code)) return null;
	if (code === 'tiktok_unaudited' && account.publishSettings.tiktokMode === 'inbox') return 'accounts.appWarning.tiktok_unaudited.inbox';
	return `accounts.appWarning.${code as (typeof knownWarnings)[number]}`;
}
