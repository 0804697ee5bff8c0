/**
 * One message catalogue per language (es, en): the bot, the dashboard, media rejection reasons, event
 * descriptions and admin notices all read their sentences from here. Pure (no I/O, no packages), so every layer
 * — the UI included, through the `$messages` alias — imports the same words.
 */
import type { Language } from '../core/types.js';
import { en } from './en/index.js';
import { es, type Catalogue } from './es/index.js';

export type { Catalogue, Language };
const catalogues: Record<Language, Catalogue> = { es, en };

/** The catalogue of a language; anything that is not English reads Spanish, the product language. */
export function messagesFor(language: string | undefined | null): Catalogue {
  return catalogues[language === 'en' ? 'en' : 'es'];
}
