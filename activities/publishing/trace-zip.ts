/**
 * Zip files read and written entry by entry, never whole: a Playwright trace can hold a 200 MB
 * upload body, and reading it into memory (then inflating, then re-zipping it) froze the worker.
 * The reader takes the central directory (sizes known before any byte of an entry is read, so an
 * entry can be skipped for free) and inflates one entry as a stream; the writer deflates each
 * entry as a stream into a file, with data descriptors. zlib works off the main thread, so a large
 * entry costs time, not event-loop stalls. No zip64: trace entries over 4 GB are refused.
 */
import { once } from 'node:events';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { crc32, createDeflateRaw, createInflateRaw } from 'node:zlib';

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  compressedSize: number;
  /** Uncompressed size, from the central directory. */
  size: number;
  localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const DESCRIPTOR_SIGNATURE = 0x08074b50;

export class ZipReader {
  private constructor(private readonly file: FileHandle, readonly entries: ZipEntry[]) {}

  static async open(path: string): Promise<ZipReader> {
    const file = await open(path, 'r');
    try {
      return new ZipReader(file, await readCentralDirectory(file));
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  /** The entry's uncompressed bytes as a stream of chunks. */
  async stream(entry: ZipEntry): Promise<Readable> {
    const header = Buffer.alloc(30);
    await this.file.read(header, 0, 30, entry.localHeaderOffset);
    if (header.readUInt32LE(0) !== LOCAL_SIGNATURE) throw new Error(`bad local header for ${entry.name}`);
    const dataStart = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
    const raw = Readable.from(readRange(this.file, dataStart, entry.compressedSize), { objectMode: false });
    if (entry.method === 0) return raw;
    if (entry.method !== 8) throw new Error(`unsupported compression method ${entry.method} for ${entry.name}`);
    const inflate = createInflateRaw();
    raw.on('error', (error: Error) => inflate.destroy(error));
    return raw.pipe(inflate);
  }

  /** The whole entry in memory: only for entries the caller has checked are small. */
  async read(entry: ZipEntry): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.stream(entry)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

/** `length` bytes from `start`, 256 KiB at a time. */
async function* readRange(file: FileHandle, start: number, length: number): AsyncGenerator<Buffer> {
  let done = 0;
  while (done < length) {
    const chunk = Buffer.alloc(Math.min(256 * 1024, length - done));
    const { bytesRead } = await file.read(chunk, 0, chunk.length, start + done);
    if (bytesRead === 0) throw new Error('zip entry runs past the end of the file');
    done += bytesRead;
    yield bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead);
  }
}

async function readCentralDirectory(file: FileHandle): Promise<ZipEntry[]> {
  const { size } = await file.stat();
  // End of central directory: 22 bytes plus a comment of up to 64 KiB, at the very end.
  const tailLength = Math.min(size, 22 + 0xffff);
  const tail = Buffer.alloc(tailLength);
  await file.read(tail, 0, tailLength, size - tailLength);
  let eocd = -1;
  for (let i = tailLength - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file (no end of central directory)');
  const count = tail.readUInt16LE(eocd + 10);
  const cdSize = tail.readUInt32LE(eocd + 12);
  const cdOffset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw new Error('zip64 traces are not supported');
  const cd = Buffer.alloc(cdSize);
  await file.read(cd, 0, cdSize, cdOffset);
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (cd.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw new Error('corrupt central directory');
    const nameLength = cd.readUInt16LE(at + 28);
    const extraLength = cd.readUInt16LE(at + 30);
    const commentLength = cd.readUInt16LE(at + 32);
    const entry: ZipEntry = {
      method: cd.readUInt16LE(at + 10),
      compressedSize: cd.readUInt32LE(at + 20),
      size: cd.readUInt32LE(at + 24),
      localHeaderOffset: cd.readUInt32LE(at + 42),
      name: cd.toString('utf8', at + 46, at + 46 + nameLength),
    };
    if (entry.compressedSize === 0xffffffff || entry.size === 0xffffffff || entry.localHeaderOffset === 0xffffffff) {
      throw new Error(`zip64 entry ${entry.name} is not supported`);
    }
    entries.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

interface WrittenEntry {
  name: Buffer;
  crc: number;
  compressedSize: number;
  size: number;
  offset: number;
  method: number;
}

/** Writes a zip entry by entry; each entry's data is an async iterable of chunks, deflated on the way. */
export class ZipWriter {
  private offset = 0;
  private readonly written: WrittenEntry[] = [];

  private constructor(private readonly file: FileHandle) {}

  static async create(path: string): Promise<ZipWriter> {
    return new ZipWriter(await open(path, 'wx', 0o600));
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.offset;
  }

  async add(name: string, data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, opts: { level?: number } = {}): Promise<void> {
    const level = opts.level ?? 6;
    const method = level === 0 ? 0 : 8;
    const nameBytes = Buffer.from(name, 'utf8');
    const offset = this.offset;
    const header = Buffer.alloc(30);
    header.writeUInt32LE(LOCAL_SIGNATURE, 0);
    header.writeUInt16LE(20, 4); // version needed
    header.writeUInt16LE(0x0808, 6); // data descriptor follows; UTF-8 name
    header.writeUInt16LE(method, 8);
    header.writeUInt16LE(0, 10); // time
    header.writeUInt16LE(0x21, 12); // date: 1980-01-01
    header.writeUInt16LE(nameBytes.length, 26);
    await this.write(Buffer.concat([header, nameBytes]));

    let crc = 0;
    let size = 0;
    let compressedSize = 0;
    if (method === 0) {
      for await (const chunk of data) {
        crc = crc32(chunk, crc);
        size += chunk.length;
        compressedSize += chunk.length;
        await this.write(chunk);
      }
    } else {
      const deflate = createDeflateRaw({ level });
      const pump = (async () => {
        for await (const chunk of data) {
          crc = crc32(chunk, crc);
          size += chunk.length;
          if (!deflate.write(chunk)) await once(deflate, 'drain');
        }
        deflate.end();
      })().catch((error: Error) => deflate.destroy(error));
      for await (const out of deflate) {
        compressedSize += (out as Buffer).length;
        await this.write(out as Buffer);
      }
      await pump;
    }
    if (size > 0xfffffffe || this.offset > 0xfffffffe) throw new Error('zip entry too large (no zip64)');
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(DESCRIPTOR_SIGNATURE, 0);
    descriptor.writeUInt32LE(crc >>> 0, 4);
    descriptor.writeUInt32LE(compressedSize, 8);
    descriptor.writeUInt32LE(size, 12);
    await this.write(descriptor);
    this.written.push({ name: nameBytes, crc: crc >>> 0, compressedSize, size, offset, method });
  }

  async close(): Promise<void> {
    const cdStart = this.offset;
    for (const e of this.written) {
      const h = Buffer.alloc(46);
      h.writeUInt32LE(CENTRAL_SIGNATURE, 0);
      h.writeUInt16LE(20, 4);
      h.writeUInt16LE(20, 6);
      h.writeUInt16LE(0x0808, 8);
      h.writeUInt16LE(e.method, 10);
      h.writeUInt16LE(0, 12);
      h.writeUInt16LE(0x21, 14);
      h.writeUInt32LE(e.crc, 16);
      h.writeUInt32LE(e.compressedSize, 20);
      h.writeUInt32LE(e.size, 24);
      h.writeUInt16LE(e.name.length, 28);
      h.writeUInt32LE(e.offset, 42);
      await this.write(Buffer.concat([h, e.name]));
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(EOCD_SIGNATURE, 0);
    end.writeUInt16LE(this.written.length, 8);
    end.writeUInt16LE(this.written.length, 10);
    end.writeUInt32LE(this.offset - cdStart, 12);
    end.writeUInt32LE(cdStart, 16);
    await this.write(end);
    await this.file.close();
  }

  /** Closes the file without finishing the zip (the caller deletes it). */
  async abort(): Promise<void> {
    await this.file.close().catch(() => undefined);
  }

  private async write(data: Uint8Array): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.file.write(data, done, data.length - done);
      done += bytesWritten;
    }
    this.offset += data.length;
  }
}
