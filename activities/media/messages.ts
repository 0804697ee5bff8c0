/**
 * What the model reads when ingest refuses a video (stored as contents.rejection_reason and sent
 * back by the bot), in the model's language (DistributionRules.language). Short, says what is
 * wrong and what to do.
 */
import { TRIM_TAIL_MAX_RATIO } from '../../core/platforms.js';
import type { Language } from '../../core/types.js';
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

const invalid: Record<Language, Record<InvalidMediaCode, string>> = {
  es: {
    not_a_video: 'El archivo que enviaste no es un video. Envíalo de nuevo como video (MP4 o MOV).',
    corrupt: 'El video está dañado o incompleto y no se puede reproducir. Vuelve a enviarlo desde el archivo original.',
    no_video_stream: 'El archivo no tiene imagen de video (parece una foto o solo audio). Envía un video.',
    no_duration: 'No pudimos leer la duración del video. Vuelve a enviarlo desde el archivo original.',
  },
  en: {
    not_a_video: 'The file you sent is not a video. Please send it again as a video (MP4 or MOV).',
    corrupt: 'The video is damaged or incomplete and cannot be played. Please send it again from the original file.',
    no_video_stream: 'The file has no video picture (it looks like a photo or audio only). Please send a video.',
    no_duration: 'We could not read the length of the video. Please send it again from the original file.',
  },
};

export function invalidMediaReason(code: InvalidMediaCode, language: Language): string {
  return invalid[language][code];
}

/** Every platform the model may publish to skips the clip: too long (beyond the trimming allowance) and/or too big. */
export function unfitMediaReason(
  r: { durationSeconds: number; sizeBytes: number; tooLong: boolean; tooBig: boolean; maxDurationSeconds: number; maxSizeBytes: number },
  language: Language,
): string {
  const duration = formatDuration(r.durationSeconds);
  const limit = formatDuration(r.maxDurationSeconds);
  const trimmed = formatDuration(r.maxDurationSeconds * TRIM_TAIL_MAX_RATIO);
  const size = formatMegabytes(r.sizeBytes);
  const maxSize = formatMegabytes(r.maxSizeBytes);
  if (language === 'en') {
    if (r.tooLong && !r.tooBig) {
      return `The video is ${duration} long, too long for your platforms: they take up to ${limit} (we cut the end off videos of up to ${trimmed}). Please send a shorter version.`;
    }
    if (r.tooBig && !r.tooLong) return `The video is ${size}, over the ${maxSize} your platforms accept. Please send a lighter or shorter version.`;
    return `The video (${duration}, ${size}) is too long or too large for all your platforms. Please send a shorter version.`;
  }
  if (r.tooLong && !r.tooBig) {
    return `El video dura ${duration} y es demasiado largo para tus plataformas: aceptan hasta ${limit} (recortamos el final de los videos de hasta ${trimmed}). Envía una versión más corta.`;
  }
  if (r.tooBig && !r.tooLong) return `El video pesa ${size} y supera los ${maxSize} que aceptan tus plataformas. Envía una versión más liviana o más corta.`;
  return `El video (${duration}, ${size}) es demasiado largo o pesado para todas tus plataformas. Envía una versión más corta.`;
}

export function duplicateReason(originalReceivedAt: Date, language: Language, timeZone: string): string {
  const when = formatDate(originalReceivedAt, language, timeZone);
  return language === 'en'
    ? `You already sent this same video on ${when}; it is not published twice.`
    : `Ya enviaste este mismo video el ${when}; no se publica dos veces.`;
}

/** A video that came through Telegram and could not be fetched from it (getFile refused or the file is gone). */
export function telegramFileReason(code: 'too_big' | 'unavailable', language: Language, limitBytes: number): string {
  const limit = formatMegabytes(limitBytes);
  if (code === 'too_big') {
    return language === 'en'
      ? `The video is over ${limit}, the most we can take through Telegram. Please send a shorter or compressed version (for example, record in 720p or trim it).`
      : `El video pesa más de ${limit}, lo máximo que podemos recibir por Telegram. Envía una versión más corta o comprimida (por ejemplo, grábalo en 720p o recórtalo).`;
  }
  return language === 'en'
    ? 'We could not download your video from Telegram. Please send it again.'
    : 'No pudimos descargar tu video de Telegram. Envíalo de nuevo, por favor.';
}
