/**
 * What the model reads when ingest refuses a video (stored as contents.rejection_reason and sent
 * back by the bot), in the model's language (DistributionRules.language). The sentences live in the
 * message catalogue (`messages/{es,en}/media.ts`); this file formats durations, sizes and dates and
 * picks the sentence.
 */
import { TRIM_TAIL_MAX_RATIO } from '../../core/platforms.js';
import type { Language } from '../../core/types.js';
import { messagesFor } from '../../messages/index.js';
import type { InvalidMediaCode } from './probe.js';

/** 45 → "45 s", 90 → "1:30 min", 3725 → "62:05 min". */
export function formatDuration(seconds: number): string {
  const total = Math.round(seconds);
  if (total < 60) return `${total} s`;
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')} min`;
}

function formatMegabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return mb >= 10 ? `${Math.round(mb)} MB` : `${mb.toFixed(1)} MB`;
}

function formatDate(date: Date, language: Language, timeZone: string): string {
  const locale = language === 'es' ? 'es-CO' : 'en-US';
  try {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(date);
  } catch {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(date) + ' UTC';
  }
}

const words = (language: Language) => messagesFor(language).media;

export function invalidMediaReason(code: InvalidMediaCode, language: Language): string {
  const invalid: Record<InvalidMediaCode, string> = words(language).invalid;
  return invalid[code];
}

/** Every platform the model may publish to skips the clip: too long (beyond the trimming allowance) and/or too big. */
export function unfitMediaReason(
  r: { durationSeconds: number; sizeBytes: number; tooLong: boolean; tooBig: boolean; maxDurationSeconds: number; maxSizeBytes: number },
  language: Language,
): string {
  const unfit = words(language).unfit;
  const duration = formatDuration(r.durationSeconds);
  const size = formatMegabytes(r.sizeBytes);
  if (r.tooLong && !r.tooBig) {
    return unfit.tooLong(duration, formatDuration(r.maxDurationSeconds), formatDuration(r.maxDurationSeconds * TRIM_TAIL_MAX_RATIO));
  }
  if (r.tooBig && !r.tooLong) return unfit.tooBig(size, formatMegabytes(r.maxSizeBytes));
  return unfit.tooLongOrBig(duration, size);
}

export function duplicateReason(originalReceivedAt: Date, language: Language, timeZone: string): string {
  return words(language).duplicate(formatDate(originalReceivedAt, language, timeZone));
}

/** A video that came through Telegram and could not be fetched from it (getFile refused or the file is gone). */
export function telegramFileReason(code: 'too_big' | 'unavailable', language: Language, limitBytes: number): string {
  const telegram = words(language).telegram;
  return code === 'too_big' ? telegram.tooBig(formatMegabytes(limitBytes)) : telegram.unavailable;
}
