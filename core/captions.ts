import type { Language, PlatformCapabilities } from './types.js';

export interface CaptionInput {
  modelName: string;
  context: string | null;
  hashtags: string[];
  template?: string;
  language: Language;
  trackingUrl?: string | null;
  /** Idempotency marker appended so a post can be found again (see DESIGN "exactly-once"). */
  marker?: string;
}

const defaultTemplates: Record<Language, string> = {
  es: '{context}\n\n✨ {model} en vivo ahora',
  en: '{context}\n\n✨ {model} live now',
};

/** Normalises tags: strips '#', spaces and punctuation, drops empties and duplicates (case-insensitive). */
export function normalizeHashtags(tags: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of tags) {
    const tag = raw.replace(/^#+/, '').replace(/[^\p{L}\p{N}_]/gu, '');
    const key = tag.toLowerCase();
    if (!tag || seen.has(key)) continue;
    seen.add(key);
    out.push(tag);
  }
  return out;
}

/** Fills the template and fits tags, link and marker within the platform's limits. */
export function buildCaption(input: CaptionInput, caps: PlatformCapabilities): { caption: string; tags: string[] } {
  const template = input.template ?? defaultTemplates[input.language];
  const context = (input.context ?? '').trim();
  let body = template
    .replaceAll('{model}', input.modelName)
    .replaceAll('{context}', context)
    .replace(/^\s*\n+/, '')
    .trim();
  const tags = normalizeHashtags(input.hashtags).slice(0, caps.maxHashtags);
  const suffixParts: string[] = [];
  if (input.trackingUrl && caps.linksAllowed) suffixParts.push(input.trackingUrl);
  const tagLine = tags.map((t) => `#${t}`).join(' ');
  if (input.marker) suffixParts.push(input.marker);
  const suffix = [tagLine, ...suffixParts].filter(Boolean).join('\n');
  // The body gives way first: tags, link and marker are what make the post useful and findable.
  const room = caps.maxCaptionLength - (suffix ? suffix.length + 2 : 0);
  if (room < 0) throw new Error(`caption suffix (${suffix.length} chars) exceeds the platform limit`);
  if (body.length > room) body = room > 1 ? `${body.slice(0, room - 1).trimEnd()}…` : '';
  const caption = [body, suffix].filter(Boolean).join('\n\n');
  return { caption, tags };
}

/** A short, unique marker the driver can search for; derived from the publication id. */
export function idempotencyMarker(publicationId: string): string {
  return `ref:${publicationId.replace(/-/g, '').slice(0, 12)}`;
}
