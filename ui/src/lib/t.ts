import { page } from '$app/state';
import { DEFAULT_LANG, translate, type MessageKey } from './i18n';

/**
 * Translate with the language the root layout put in page data. Reading `page.data`
 * here keeps templates reactive to a language change without threading `lang` through
 * every component's props.
 */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
	return translate(page.data.lang ?? DEFAULT_LANG, key, params);
}
