// Official-API accounts on the accounts page: which credentials each platform takes, how a form becomes the API's
// body (POST /api/accounts/:id/credentials, PATCH …/publishSettings) and back, and the words of the connect flash.
// Pure (no SvelteKit imports): the page's form actions and the components share it.
import type { Account } from '$lib/types';
import type { Lang, MessageKey } from '$lib/i18n';
import { fromLocalInput } from '$lib/components/overview/zone';

type RedditTarget = NonNullable<Account['publishSettings']['subreddits']>[number];

/** contracts/api/accounts.ts PublishSettings: at most 10 subreddits. */
export const SUBREDDIT_LIMIT = 10;
/** contracts/api/accounts.ts RedditTarget.subreddit, without r/. */
const subredditPattern = /^[A-Za-z0-9][A-Za-z0-9_]{1,20}$/;

export type CredentialName = 'identifier' | 'appPassword' | 'chatId' | 'accessToken' | 'refreshToken' | 'expiresAt' | 'igUserId';

export interface CredentialField {
	name: CredentialName;
	label: MessageKey;
	type: 'text' | 'password' | 'datetime-local';
	required: boolean;
	/** Never sent back to the page, never left in the field. */
	secret: boolean;
	placeholder?: MessageKey | string;
	maxlength?: number;
}

const tokenFields: CredentialField[] = [
	{ name: 'accessToken', label: 'accounts.cred.accessToken', type: 'password', required: true, secret: true, maxlength: 4096 },
	{ name: 'refreshToken', label: 'accounts.cred.refreshToken', type: 'password', required: false, secret: true, maxlength: 4096 },
	{ name: 'expiresAt', label: 'accounts.cred.expiresAt', type: 'datetime-local', required: false, secret: false }
];

/** The fields of POST /api/accounts/:id/credentials for an account's driver (none for a browser driver). */
export function credentialFields(driver: string): CredentialField[] {
	switch (driver) {
		case 'bluesky':
			return [
				{ name: 'identifier', label: 'accounts.cred.identifier', type: 'text', required: true, secret: false, placeholder: 'usuario.bsky.social', maxlength: 253 },
				{ name: 'appPassword', label: 'accounts.cred.appPassword', type: 'password', required: true, secret: true, placeholder: 'xxxx-xxxx-xxxx-xxxx', maxlength: 64 }
			];
		case 'telegram':
			return [
				{ name: 'chatId', label: 'accounts.cred.chatId', type: 'text', required: true, secret: false, placeholder: 'accounts.cred.chatIdPlaceholder', maxlength: 64 }
			];
		case 'x':
		case 'reddit':
			return tokenFields;
		case 'youtube':
		case 'tiktok':
			// A refresh token alone: the driver trades it for an access token and reads the channel / creator.
			return [{ name: 'refreshToken', label: 'accounts.cred.refreshTokenRequired', type: 'password', required: true, secret: true, maxlength: 4096 }];
		case 'instagram':
			return [
				{ name: 'accessToken', label: 'accounts.cred.accessToken', type: 'password', required: true, secret: true, maxlength: 4096 },
				{ name: 'igUserId', label: 'accounts.cred.igUserId', type: 'text', required: true, secret: false, placeholder: '17841400000000000', maxlength: 32 }
			];
		default:
			return [];
	}
}

/** The note under a credentials form: what is kept and what the platform needs. */
export function credentialsHint(driver: string): MessageKey | null {
	if (driver === 'bluesky') return 'accounts.cred.blueskyHint';
	if (driver === 'telegram') return 'accounts.cred.telegramHint';
	if (driver === 'x' || driver === 'reddit') return 'accounts.cred.tokensHint';
	if (driver === 'youtube') return 'accounts.cred.youtubeHint';
	if (driver === 'tiktok') return 'accounts.cred.tiktokHint';
	if (driver === 'instagram') return 'accounts.cred.instagramHint';
	return null;
}

/** "Reconectar" once something is stored, or when the platform stopped taking it. */
export function needsReconnect(account: Pick<Account, 'sessionSaved' | 'status'>): boolean {
	return account.sessionSaved || account.status === 'session_expired';
}

/** A counter the platform cannot give, said on the account's row instead of a 0 anywhere. */
export function metricsNote(driver: string): MessageKey | null {
	if (driver === 'bluesky') return 'accounts.metrics.bluesky';
	if (driver === 'telegram') return 'accounts.metrics.telegram';
	if (driver === 'youtube') return 'accounts.metrics.youtube';
	return null;
}

const str = (data: FormData, name: string) => {
	const value = data.get(name);
	return typeof value === 'string' ? value.trim() : '';
};

/**
 * The credentials body from the form: only the driver's fields, empty optional ones left out; `expiresAt` is the
 * admin's wall-clock time in her zone. A missing or malformed field comes back as `problems` (message keys).
 */
export function credentialsFromForm(
	driver: string,
	data: FormData,
	zone: string
): { body: Record<string, string>; problems: Partial<Record<CredentialName, MessageKey>> } {
	const body: Record<string, string> = {};
	const problems: Partial<Record<CredentialName, MessageKey>> = {};
	for (const field of credentialFields(driver)) {
		const value = str(data, field.name);
		if (!value) {
			if (field.required) problems[field.name] = 'accounts.cred.required';
			continue;
		}
		if (field.name === 'expiresAt') {
			const iso = fromLocalInput(value, zone);
			if (iso) body.expiresAt = iso;
			else problems.expiresAt = 'accounts.cred.expiresAtInvalid';
			continue;
		}
		body[field.name] = value;
	}
	return { body, problems };
}

/** What a refused credentials form shows again: what was typed, never a secret. */
export function credentialValues(driver: string, data: FormData): Record<string, string> {
	const values: Record<string, string> = {};
	for (const field of credentialFields(driver)) if (!field.secret) values[field.name] = str(data, field.name);
	return values;
}

// ── Publishing settings ──────────────────────────────────────────────────────────────────────

/** One line of the subreddit editor, as typed. */
export interface SubredditRow {
	subreddit: string;
	kind: 'video' | 'link';
	titleTemplate: string;
	flairId: string;
	flairText: string;
	/** Without JS, a row is removed by ticking its box. */
	remove: boolean;
}

export const blankRow = (): SubredditRow => ({ subreddit: '', kind: 'video', titleTemplate: '', flairId: '', flairText: '', remove: false });

const isBlank = (row: SubredditRow) => !row.subreddit && !row.titleTemplate && !row.flairId && !row.flairText;

export function rowsFromSettings(settings: Account['publishSettings']): SubredditRow[] {
	return (settings.subreddits ?? []).map((target) => ({
		subreddit: target.subreddit,
		kind: target.kind,
		titleTemplate: target.titleTemplate ?? '',
		flairId: target.flairId ?? '',
		flairText: target.flairText ?? '',
		remove: false
	}));
}

/** The rows of a submitted form (`subreddit.N`, `kind.N`, … in index order; at most 50 looked at). */
export function rowsFromEntries(get: (name: string) => string, names: Iterable<string>): SubredditRow[] {
	const indices = new Set<number>();
	for (const name of names) {
		const m = /^(?:subreddit|kind|titleTemplate|flairId|flairText|remove)\.(\d{1,2})$/.exec(name);
		if (m) indices.add(Number(m[1]));
	}
	const max = Math.min(Math.max(-1, ...indices), 49);
	const rows: SubredditRow[] = [];
	for (let i = 0; i <= max; i++) {
		rows.push({
			subreddit: get(`subreddit.${i}`).replace(/^\/?r\//i, ''),
			kind: get(`kind.${i}`) === 'link' ? 'link' : 'video',
			titleTemplate: get(`titleTemplate.${i}`),
			flairId: get(`flairId.${i}`),
			flairText: get(`flairText.${i}`),
			remove: get(`remove.${i}`) === 'on'
		});
	}
	return rows;
}

export function rowsFromForm(data: FormData): SubredditRow[] {
	return rowsFromEntries((name) => str(data, name), data.keys());
}

/** After a refusal: the rows as typed (the form's indices kept, so each field message finds its row). */
export function rowsFromValues(values: Record<string, unknown> | undefined): SubredditRow[] {
	const get = (name: string) => {
		const value = values?.[name];
		return typeof value === 'string' ? value.trim() : '';
	};
	const rows = rowsFromEntries(get, Object.keys(values ?? {}));
	while (rows.length > 0 && isBlank(rows.at(-1)!) && !rows.at(-1)!.remove) rows.pop();
	return rows;
}

/**
 * The subreddits to save: removed and empty rows left out. `rowOf[n]` is the form row of the n-th target, so the
 * API's `publishSettings.subreddits.<n>.<field>` messages land next to the right field.
 */
export function subredditsFromRows(rows: SubredditRow[]): {
	targets: RedditTarget[];
	rowOf: number[];
	problems: Record<string, MessageKey>;
} {
	const targets: RedditTarget[] = [];
	const rowOf: number[] = [];
	const problems: Record<string, MessageKey> = {};
	rows.forEach((row, i) => {
		if (row.remove || isBlank(row)) return;
		if (!row.subreddit) {
			problems[`subreddit.${i}`] = 'accounts.settings.subredditRequired';
			return;
		}
		if (!subredditPattern.test(row.subreddit)) {
			problems[`subreddit.${i}`] = 'accounts.settings.subredditInvalid';
			return;
		}
		targets.push({
			subreddit: row.subreddit,
			kind: row.kind,
			...(row.titleTemplate ? { titleTemplate: row.titleTemplate } : {}),
			...(row.flairId ? { flairId: row.flairId } : {}),
			...(row.flairText ? { flairText: row.flairText } : {})
		});
		rowOf.push(i);
	});
	if (targets.length > SUBREDDIT_LIMIT) problems.subreddits = 'accounts.settings.max';
	return { targets, rowOf, problems };
}

/** The API's field names (`publishSettings.subreddits.2.flairId`) as the form's (`flairId.<row>`). */
export function settingsFieldsForForm(fields: Record<string, string> | undefined, rowOf: number[]): Record<string, string> | undefined {
	if (!fields) return undefined;
	const mapped: Record<string, string> = {};
	for (const [name, message] of Object.entries(fields)) {
		const target = /^publishSettings\.subreddits\.(\d+)(?:\.(\w+))?/.exec(name);
		if (target) {
			const row = rowOf[Number(target[1])] ?? Number(target[1]);
			const field = target[2] && ['subreddit', 'kind', 'titleTemplate', 'flairId', 'flairText'].includes(target[2]) ? target[2] : 'subreddit';
			mapped[`${field}.${row}`] ??= message;
		} else if (name.startsWith('publishSettings.subreddits')) {
			mapped.subreddits ??= message;
		} else if (name.startsWith('publishSettings.linkInReply')) {
			mapped.linkInReply ??= message;
		} else if (name.startsWith('publishSettings.')) {
			// youtubePrivacy, tiktokMode, tiktokPrivacy, tiktokBrandOrganic: the form's fields carry the same names.
			mapped[name.slice('publishSettings.'.length).split('.')[0]!] ??= message;
		} else {
			mapped[name] ??= message;
		}
	}
	return mapped;
}

// YouTube and TikTok: the choices of contracts/api/accounts.ts PublishSettings, in the order the form offers them.
export const YOUTUBE_PRIVACIES = ['public', 'unlisted', 'private'] as const;
export const TIKTOK_MODES = ['direct', 'inbox'] as const;
export const TIKTOK_PRIVACIES = ['PUBLIC_TO_EVERYONE', 'FOLLOWER_OF_CREATOR', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'] as const;
export type YoutubePrivacy = (typeof YOUTUBE_PRIVACIES)[number];
export type TiktokMode = (typeof TIKTOK_MODES)[number];
export type TiktokPrivacy = (typeof TIKTOK_PRIVACIES)[number];

const oneOf = <T extends string>(choices: readonly T[], value: string): value is T => (choices as readonly string[]).includes(value);

type ApiSettings = Account['publishSettings'];

/**
 * A YouTube or TikTok settings form as the PATCH body's `publishSettings` (it replaces the saved ones, so every field
 * of the platform goes). A value the form never offers comes back as a problem next to its field. TikTok's privacy
 * may be left empty: the driver then takes the most public one TikTok offers the creator.
 */
export function apiSettingsFromForm(
	driver: 'youtube' | 'tiktok',
	data: FormData
): { settings: ApiSettings; problems: Record<string, MessageKey> } {
	const problems: Record<string, MessageKey> = {};
	if (driver === 'youtube') {
		const privacy = str(data, 'youtubePrivacy');
		if (!oneOf(YOUTUBE_PRIVACIES, privacy)) return { settings: {}, problems: { youtubePrivacy: 'accounts.settings.invalidChoice' } };
		return { settings: { youtubePrivacy: privacy }, problems };
	}
	const mode = str(data, 'tiktokMode');
	const privacy = str(data, 'tiktokPrivacy');
	if (!oneOf(TIKTOK_MODES, mode)) problems.tiktokMode = 'accounts.settings.invalidChoice';
	if (privacy && !oneOf(TIKTOK_PRIVACIES, privacy)) problems.tiktokPrivacy = 'accounts.settings.invalidChoice';
	if (Object.keys(problems).length > 0) return { settings: {}, problems };
	return {
		settings: {
			tiktokMode: mode as TiktokMode,
			...(privacy ? { tiktokPrivacy: privacy as TiktokPrivacy } : {}),
			tiktokBrandOrganic: data.get('tiktokBrandOrganic') === 'on'
		},
		problems
	};
}

/** US dollars in the page's language, with the third decimal X's per-post prices need (0.015). */
export function formatUsd(amount: number, lang: Lang): string {
	return new Intl.NumberFormat(lang === 'en' ? 'en-US' : 'es-ES', {
		style: 'currency',
		currency: 'USD',
		minimumFractionDigits: 2,
		maximumFractionDigits: 3
	}).format(amount);
}

// ── The flash after an OAuth round trip (/accounts?connected=… or ?connectError=…) ─────────────────────────

const knownErrors = [
	'oauth_state_invalid',
	'oauth_state_expired',
	'oauth_state_missing',
	'oauth_denied',
	'oauth_code_missing',
	'credentials_rejected',
	'session_check_failed',
	'oauth_not_configured',
	'not_found'
] as const;

/** The reason of a connectError code in the admin's words; an unknown code is named as it came. */
export function connectErrorReason(code: string): { key: MessageKey; code?: string } {
	return (knownErrors as readonly string[]).includes(code)
		? { key: `accounts.connectError.${code as (typeof knownErrors)[number]}` }
		: { key: 'accounts.connectError.other', code };
}

/** The flash the URL asks for: a connected account (by id) or an error code (sanitized). */
export function connectFlash(params: URLSearchParams): { connected: string } | { error: string } | null {
	const connected = params.get('connected');
	if (connected && /^[0-9a-f-]{36}$/i.test(connected)) return { connected };
	const error = params.get('connectError');
	if (error) return { error: /^[a-z0-9_]{1,64}$/i.test(error) ? error : 'unknown' };
	return null;
}
