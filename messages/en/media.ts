/** Why ingest refused a video, in English: same shape as `../es/media.ts` (plain text). */
import type { media as es } from '../es/media.js';

export const media = {
  invalid: {
    not_a_video: 'The file you sent is not a video. Please send it again as a video (MP4 or MOV).',
    corrupt: 'The video is damaged or incomplete and cannot be played. Please send it again from the original file.',
    no_video_stream: 'The file has no video picture (it looks like a photo or audio only). Please send a video.',
    no_duration: 'We could not read the length of the video. Please send it again from the original file.',
  },
  unfit: {
    tooLong: (duration: string, limit: string, trimmed: string) =>
      `The video is ${duration} long, too long for your platforms: they take up to ${limit} (we cut the end off videos of up to ${trimmed}). Please send a shorter version.`,
    tooBig: (size: string, maxSize: string) => `The video is ${size}, over the ${maxSize} your platforms accept. Please send a lighter or shorter version.`,
    tooLongOrBig: (duration: string, size: string) => `The video (${duration}, ${size}) is too long or too large for all your platforms. Please send a shorter version.`,
  },
  duplicate: (when: string) => `You already sent this same video on ${when}; it is not published twice.`,
  telegram: {
    tooBig: (limit: string) =>
      `The video is over ${limit}, the most we can take through Telegram. Please send a shorter or compressed version (for example, record in 720p or trim it).`,
    unavailable: 'We could not download your video from Telegram. Please send it again.',
  },
  /** POST /api/contents answered 507: the server's disk is below MIN_FREE_DISK_MB (nothing was stored). */
  storageFull: (freeMb: number, minMb: number) =>
    `The server is out of disk space (${freeMb} MB free, at least ${minMb} MB must stay free), so the video was not stored. Free some space (or wait for the retention clean-up) and send it again.`,
} satisfies typeof es;
