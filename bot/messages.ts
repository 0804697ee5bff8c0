/**
 * The bot's formatting helpers. Its sentences live in the message catalogue (`messages/{es,en}/bot.ts`): models
 * read Spanish by default and English when their rules say `language: 'en'` (models.distribution); people not
 * linked yet read the language their Telegram app reports; the admin chat reads Spanish, like the dashboard.
 * Texts are HTML (parse_mode HTML): every value goes through `esc`.
 */
import type { Language } from '../core/types.js';
import { messagesFor, type Catalogue } from '../messages/index.js';

export { esc, shortId } from '../messages/html.js';

/** `en` for an English Telegram app, Spanish for everything else. */
export const languageOfTelegramUser = (code: string | undefined): Language => (code?.toLowerCase().startsWith('en') ? 'en' : 'es');

export function formatMegabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return mb >= 10 ? `${Math.round(mb)} MB` : `${mb.toFixed(1)} MB`;
}

export function formatWhen(date: Date, language: Language, timeZone: string): string {
  const locale = language === 'es' ? 'es-CO' : 'en-US';
  const options: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hour12: false };
  try {
    return new Intl.DateTimeFormat(locale, { ...options, timeZone }).format(date);
  } catch {
    return `${new Intl.DateTimeFormat(locale, { ...options, timeZone: 'UTC' }).format(date)} UTC`;
  }
}

/** What models (and people who are not linked yet) read, in their language. */
export type ModelTexts = Catalogue['bot']['model'];
export const textsFor = (language: Language | undefined): ModelTexts => messagesFor(language).bot.model;

/** The language of the admin chat. */
export const adminLanguage: Language = 'es';
/** What the admin chat reads (commands, buttons, approval cards). */
export type AdminTexts = Catalogue['bot']['admin'];
export const adminTexts: AdminTexts = messagesFor(adminLanguage).bot.admin;

/** Shortens to at most `max` characters, ending with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

export const formatCount = (n: number, language: Language = adminLanguage) => new Intl.NumberFormat(language === 'en' ? 'en-US' : 'es-CO').format(n);

/** A decimal string of USD ("1234.5000") as money, rounded to cents from the exact decimal (never through a float). */
export const formatUsd = (amount: string, language: Language = adminLanguage) =>
  new Intl.NumberFormat(language === 'en' ? 'en-US' : 'es-CO', { style: 'currency', currency: 'USD' }).format(amount as `${number}`);
