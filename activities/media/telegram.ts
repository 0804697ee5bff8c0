/**
 * Downloads a video a model sent to the Telegram bot: getFile, then `/file/bot<token>/<file_path>`, or, from a
 * local Bot API server (--local), the absolute path it answers when that path is on this machine. The bot token
 * is part of every URL here, so nothing in this file ever puts a URL or a raw network error into a message.
 */
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, isAbsolute } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export type TelegramDownload = { ok: true; bytes: number } | { ok: false; code: 'too_big' | 'unavailable'; detail: string };

/** A failure worth retrying (network, Telegram 5xx or 429); its message never contains the token. */
export class TelegramTransientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TelegramTransientError';
  }
}

export interface TelegramDownloadOptions {
  apiRoot: string;
  token: string;
  fileId: string;
  dest: string;
  maxBytes: number;
  /** Read an absolute file_path from this machine's disk (local Bot API server sharing a volume). */
  localApi: boolean;
  /** No byte for this long = a stalled download (retried). */
  idleTimeoutMs?: number;
}

function safeReason(error: unknown, token: string): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const text = [e?.name, e?.cause?.code ?? e?.cause?.message ?? e?.message].filter(Boolean).join(': ') || String(error);
  return text.split(token).join('<token>');
}

class TooBig extends Error {}

/** Counts bytes and stops past the limit. */
function limiter(maxBytes: number, counter: { bytes: number }) {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      counter.bytes += chunk.length;
      if (counter.bytes > maxBytes) return done(new TooBig(`more than ${maxBytes} bytes`));
      done(null, chunk);
    },
  });
}

export async function downloadTelegramFile(opts: TelegramDownloadOptions): Promise<TelegramDownload> {
  const { apiRoot, token } = opts;
  let answer: { ok: boolean; result?: { file_path?: string; file_size?: number }; error_code?: number; description?: string };
  try {
    const response = await fetch(`${apiRoot}/bot${token}/getFile`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ file_id: opts.fileId }),
      signal: AbortSignal.timeout(60_000),
    });
    answer = (await response.json()) as typeof answer;
    if (!answer || typeof answer !== 'object') throw new Error(`getFile answered HTTP ${response.status} without a Bot API body`);
  } catch (error) {
    throw new TelegramTransientError(`Telegram getFile failed: ${safeReason(error, token)}`);
  }
  if (!answer.ok) {
    const code = answer.error_code ?? 0;
    const description = String(answer.description ?? 'no description').split(token).join('<token>');
    if (code === 429 || code >= 500) throw new TelegramTransientError(`Telegram getFile: ${code} ${description}`);
    if (/too big/i.test(description)) return { ok: false, code: 'too_big', detail: description };
    return { ok: false, code: 'unavailable', detail: `getFile ${code}: ${description}` };
  }
  const filePath = answer.result?.file_path;
  if (!filePath) return { ok: false, code: 'unavailable', detail: 'getFile answered no file_path' };
  if ((answer.result?.file_size ?? 0) > opts.maxBytes) return { ok: false, code: 'too_big', detail: `more than ${opts.maxBytes} bytes (${answer.result?.file_size})` };

  await mkdir(dirname(opts.dest), { recursive: true });
  const partial = `${opts.dest}.part`;
  const counter = { bytes: 0 };
  try {
    if (opts.localApi && isAbsolute(filePath) && existsSync(filePath)) {
      await pipeline(createReadStream(filePath), limiter(opts.maxBytes, counter), createWriteStream(partial));
    } else {
      const controller = new AbortController();
      const idleMs = opts.idleTimeoutMs ?? 60_000;
      let idle = setTimeout(() => controller.abort(), idleMs);
      const touch = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          clearTimeout(idle);
          idle = setTimeout(() => controller.abort(), idleMs);
          done(null, chunk);
        },
      });
      try {
        const path = filePath.split('/').map(encodeURIComponent).join('/').replace(/^\//, '');
        let response: Response;
        try {
          response = await fetch(`${apiRoot}/file/bot${token}/${path}`, { signal: controller.signal });
        } catch (error) {
          throw new TelegramTransientError(`Telegram file download failed: ${safeReason(error, token)}`);
        }
        if (response.status === 404 || response.status === 400) {
          return { ok: false, code: 'unavailable', detail: `file download answered HTTP ${response.status}` };
        }
        if (!response.ok || !response.body) throw new TelegramTransientError(`Telegram file download answered HTTP ${response.status}`);
        await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), touch, limiter(opts.maxBytes, counter), createWriteStream(partial));
      } finally {
        clearTimeout(idle);
      }
    }
  } catch (error) {
    await rm(partial, { force: true });
    if (error instanceof TooBig) return { ok: false, code: 'too_big', detail: `more than ${opts.maxBytes} bytes` };
    if (error instanceof TelegramTransientError) throw error;
    throw new TelegramTransientError(`Telegram file download failed: ${safeReason(error, token)}`);
  }
  if (counter.bytes === 0) {
    await rm(partial, { force: true });
    return { ok: false, code: 'unavailable', detail: 'the file is empty' };
  }
  await rename(partial, opts.dest);
  return { ok: true, bytes: counter.bytes };
}
