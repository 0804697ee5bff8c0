// Video uploads: container sniffing, streaming to disk, and serving with byte ranges
// (browsers' <video> elements seek with Range requests).
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extname } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;
const HEAD_BYTES = 64;

export interface VideoKind {
  ext: string;
  mime: string;
}

const MIME_BY_EXT: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.mov': 'video/quicktime',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
};

/** Recognises a container by its first bytes only; the extension and client mime are not trusted. */
export function sniffVideo(head: Buffer): VideoKind | null {
  if (head.length >= 12 && head.toString('latin1', 4, 8) === 'ftyp') {
    const brand = head.toString('latin1', 8, 12);
    return brand === 'qt  ' ? { ext: '.mov', mime: MIME_BY_EXT['.mov']! } : { ext: '.mp4', mime: MIME_BY_EXT['.mp4']! };
  }
  if (head.length >= 4 && head.readUInt32BE(0) === 0x1a45dfa3) {
    // The EBML DocType sits in the first few dozen bytes: "webm" or "matroska".
    return head.includes('webm', 0, 'latin1')
      ? { ext: '.webm', mime: MIME_BY_EXT['.webm']! }
      : { ext: '.mkv', mime: MIME_BY_EXT['.mkv']! };
  }
  return null;
}

export function mimeForFile(filename: string): string {
  return MIME_BY_EXT[extname(filename).toLowerCase()] ?? 'application/octet-stream';
}

export interface ReceivedFile {
  sizeBytes: number;
  head: Buffer;
}

/** Streams an upload to `path`, keeping its first bytes for sniffing. */
export async function receiveFile(source: Readable, path: string): Promise<ReceivedFile> {
  let sizeBytes = 0;
  const headChunks: Buffer[] = [];
  let headLen = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      sizeBytes += chunk.length;
      if (headLen < HEAD_BYTES) {
        headChunks.push(chunk.subarray(0, HEAD_BYTES - headLen));
        headLen += Math.min(chunk.length, HEAD_BYTES - headLen);
      }
      done(null, chunk);
    },
  });
  await pipeline(source, tap, createWriteStream(path));
  return { sizeBytes, head: Buffer.concat(headChunks) };
}

/** Sends a file with Accept-Ranges/Range support (single range). */
export async function sendFile(request: FastifyRequest, reply: FastifyReply, path: string, mime: string): Promise<FastifyReply> {
  const { size } = await stat(path);
  reply.header('content-type', mime).header('accept-ranges', 'bytes');
  const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.range ?? '');
  if (!range || (range[1] === '' && range[2] === '')) {
    reply.header('content-length', size);
    return reply.send(createReadStream(path));
  }
  let start: number;
  let end: number;
  if (range[1] === '') {
    // Suffix range: the last N bytes.
    start = Math.max(0, size - Number(range[2]));
    end = size - 1;
  } else {
    start = Number(range[1]);
    end = range[2] === '' ? size - 1 : Math.min(Number(range[2]), size - 1);
  }
  if (start >= size || start > end) {
    return reply.code(416).header('content-range', `bytes */${size}`).send();
  }
  return reply
    .code(206)
    .header('content-range', `bytes ${start}-${end}/${size}`)
    .header('content-length', end - start + 1)
    .send(createReadStream(path, { start, end }));
}
