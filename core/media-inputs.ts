/**
 * What ffmpeg/ffprobe may open when they read a stored file (the worker's probe, thumbnails and variants, the web
 * role's logo check and watermark preview): a "video" is untrusted input, and some demuxers follow what it names —
 * an HLS/DASH playlist fetches URLs, concat/ffconcat and image sequences open other local files. Only the local file
 * protocol and the containers below are allowed; everything else is refused before the demuxer reads a byte.
 */

/**
 * ffprobe's `format_name` of each accepted container (one per demuxer): MP4/MOV/3GP (phones), Matroska/WebM (screen
 * recorders, browsers), AVI (older webcam apps), MPEG-TS (camcorders' .mts, X's .ts) and MPEG-PS (.mpg, which
 * Telegram labels video/mpeg). FLV, ASF/WMV and Ogg are refused too: nothing sends them today.
 */
export const allowedVideoFormats = ['mov,mp4,m4a,3gp,3g2,mj2', 'matroska,webm', 'avi', 'mpegts', 'mpeg'] as const;

/** True for a `format_name` of an accepted container. */
export function isAllowedVideoFormat(formatName: string): boolean {
  return (allowedVideoFormats as readonly string[]).includes(formatName);
}

/** `file:` + an absolute path: ffmpeg reads the rest as a plain path (no other protocol prefix, no URL decoding). */
export function localFileUrl(absolutePath: string): string {
  if (!absolutePath.startsWith('/')) throw new Error(`not an absolute path: ${absolutePath}`);
  return `file:${absolutePath}`;
}

/** Options before the `-i` of a stored video: the file protocol only (nested opens inherit it), the accepted demuxers only. */
export function videoInputArgs(absolutePath: string): string[] {
  return ['-protocol_whitelist', 'file', '-format_whitelist', allowedVideoFormats.join(','), '-i', localFileUrl(absolutePath)];
}

/** The same for a PNG (a watermark logo): the PNG demuxer named outright, so no image-sequence pattern applies. */
export function pngInputArgs(absolutePath: string): string[] {
  return ['-protocol_whitelist', 'file', '-format_whitelist', 'png_pipe', '-f', 'png_pipe', '-i', localFileUrl(absolutePath)];
}
