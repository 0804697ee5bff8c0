/**
 * Why ingest refused a video, in Spanish: what the model reads (stored as contents.rejection_reason and sent back
 * by the bot). Short, says what is wrong and what to do. Plain text; durations, sizes and dates come in formatted
 * (activities/media/messages.ts).
 */
export const media = {
  /** The file is not a usable video (activities/media/probe.ts `InvalidMediaCode`). */
  invalid: {
    not_a_video: 'El archivo que enviaste no es un video. Envíalo de nuevo como video (MP4 o MOV).',
    corrupt: 'El video está dañado o incompleto y no se puede reproducir. Vuelve a enviarlo desde el archivo original.',
    no_video_stream: 'El archivo no tiene imagen de video (parece una foto o solo audio). Envía un video.',
    no_duration: 'No pudimos leer la duración del video. Vuelve a enviarlo desde el archivo original.',
  },
  /** Every platform the model may publish to skips the clip. */
  unfit: {
    tooLong: (duration: string, limit: string, trimmed: string) =>
      `El video dura ${duration} y es demasiado largo para tus plataformas: aceptan hasta ${limit} (recortamos el final de los videos de hasta ${trimmed}). Envía una versión más corta.`,
    tooBig: (size: string, maxSize: string) => `El video pesa ${size} y supera los ${maxSize} que aceptan tus plataformas. Envía una versión más liviana o más corta.`,
    tooLongOrBig: (duration: string, size: string) => `El video (${duration}, ${size}) es demasiado largo o pesado para todas tus plataformas. Envía una versión más corta.`,
  },
  duplicate: (when: string) => `Ya enviaste este mismo video el ${when}; no se publica dos veces.`,
  /** A video that came through Telegram and could not be fetched from it. */
  telegram: {
    tooBig: (limit: string) =>
      `El video pesa más de ${limit}, lo máximo que podemos recibir por Telegram. Envía una versión más corta o comprimida (por ejemplo, grábalo en 720p o recórtalo).`,
    unavailable: 'No pudimos descargar tu video de Telegram. Envíalo de nuevo, por favor.',
  },
  /** POST /api/contents respondió 507: el disco del servidor está por debajo de MIN_FREE_DISK_MB (no se guardó nada). */
  storageFull: (freeMb: number, minMb: number) =>
    `El servidor se quedó sin espacio en disco (${freeMb} MB libres; deben quedar al menos ${minMb} MB), así que el video no se guardó. Libera espacio (o espera a la limpieza por retención) y envíalo de nuevo.`,
};
