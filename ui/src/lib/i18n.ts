// The dashboard's language plumbing. Its whole vocabulary lives in the message catalogue
// (messages/es/dashboard.ts, messages/en/dashboard.ts, through the `$messages` alias): Spanish
// is the product language (PRD); English is a courtesy. Kept pure (no SvelteKit imports) so
// hooks, loads and tests can all use it.

import { dashboard as en } from '$messages/en/dashboard';
import { dashboard as es, type DashboardKey } from '$messages/es/dashboard';

export const LANGS = ['es', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = 'es';
export const LANG_COOKIE = 'lang';

// The keys of the Spanish dictionary; the English one `satisfies` them, so a missing English string
// is a compile error, not a blank.
export type MessageKey = DashboardKey;

const dictionaries: Record<Lang, Record<MessageKey, string>> = { es, en };

/** Accepts anything (query value, cookie) and returns a supported language or null. */
export function pickLang(value: string | null | undefined): Lang | null {
	return (LANGS as readonly string[]).includes(value ?? '') ? (value as Lang) : null;
}

/** Looks up `key` and fills `{name}` placeholders. */
export function translate(
	lang: Lang,
	key: MessageKey,
	params: Record<string, string | number> = {}
): string {
	const text = dictionaries[lang][key] ?? es[key];
	return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
		name in params ? String(params[name]) : whole
	);
}
