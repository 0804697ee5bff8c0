/**
 * Disk: the free space of DATA_DIR (statfs) that uploads are refused below (507), the disk use per kind the
 * dashboard shows (GET /api/storage: a bounded walk, cached for a minute), and whether retention deleted a
 * content's video (its folder's marker, contracts/storage.ts). Files on disk are the truth; no row says any of it.
 */
import type { Dirent } from 'node:fs';
import { lstat, readFile, readdir, statfs } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { StorageUsage } from '../contracts/api/storage.js';
import { incomingDir, retentionMarkerFile, thumbnailFile, type RetentionMarker, type StorageKind } from '../contracts/storage.js';
import type { Db } from '../db/client.js';
import { postgresDatabaseBytes } from '../db/media-retention.js';

export interface DiskSpace {
  freeBytes: number;
  totalBytes: number;
}

/** Free and total bytes of the filesystem holding `path` (what an unprivileged process may still write). */
export async function diskSpace(path: string): Promise<DiskSpace> {
  const stats = await statfs(path);
  return { freeBytes: stats.bavail * stats.bsize, totalBytes: stats.blocks * stats.bsize };
}

/**
 * Whether `incomingBytes` more would leave DATA_DIR with less than `minFreeBytes` free: the free space when it would,
 * undefined when there is room (or statfs cannot tell: an unreadable filesystem never blocks uploads by itself).
 */
export async function diskTooFull(dataDir: string, minFreeBytes: number, incomingBytes = 0): Promise<DiskSpace | undefined> {
  if (minFreeBytes <= 0) return undefined;
  const space = await diskSpace(dataDir).catch(() => undefined);
  if (!space) return undefined;
  return space.freeBytes - incomingBytes < minFreeBytes ? space : undefined;
}

/** When retention deleted the content's video (its folder's marker), or null while the video is kept. */
export async function mediaDeletedAt(mediaDir: string, contentId: string): Promise<Date | null> {
  try {
    const marker = JSON.parse(await readFile(join(mediaDir, contentId, retentionMarkerFile), 'utf8')) as Partial<RetentionMarker>;
    const at = new Date(marker.deletedAt ?? '');
    return Number.isNaN(at.getTime()) ? null : at;
  } catch {
    return null;
  }
}

/** Limits of one walk: past either the answer is `partial` (lower bounds), never slow or unbounded. */
export const storageWalkLimits = { maxEntries: 200_000, maxMs: 5_000, cacheMs: 60_000 };

type Totals = Record<StorageKind, { bytes: number; files: number }>;

/** What a file under the media folder is: by place and name, as the media worker writes them. */
function kindOf(topLevel: string, depth: number, name: string): StorageKind {
  if (topLevel === incomingDir) return 'incoming';
  if (depth !== 1 || !/^[0-9a-f-]{36}$/i.test(topLevel)) return 'other';
  if (name === thumbnailFile) return 'thumbnails';
  if (name.startsWith('original')) return 'originals';
  if (name.startsWith('variant-')) return 'variants';
  return 'other';
}

interface Walk {
  entries: number;
  deadline: number;
  partial: boolean;
}

/** Adds every file under `dir` to `add`, depth first, links counted but never followed; stops at the walk's limits. */
async function walkFiles(dir: string, walk: Walk, add: (path: string[], size: number) => void, path: string[] = []): Promise<void> {
  if (walk.partial) return;
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  // A folder's files are stat'ed side by side in small groups: quick on a big folder, bounded in flight.
  for (let i = 0; i < entries.length; i += 32) {
    if (walk.entries >= storageWalkLimits.maxEntries || Date.now() > walk.deadline) {
      walk.partial = true;
      return;
    }
    const group = entries.slice(i, i + 32);
    walk.entries += group.length;
    const sizes = await Promise.all(group.map(async (entry) => {
      if (!entry.isFile()) return 0;
      return (await lstat(join(dir, entry.name)).catch(() => ({ size: 0 }))).size;
    }));
    for (const [index, entry] of group.entries()) {
      if (entry.isDirectory()) await walkFiles(join(dir, entry.name), walk, add, [...path, entry.name]);
      else if (entry.isFile() || entry.isSymbolicLink()) add([...path, entry.name], sizes[index]!);
    }
  }
}

export interface StorageDeps {
  db: Db;
  dbKind: 'postgres' | 'pglite';
  dataDir: string;
  mediaDir: string;
  evidenceDir: string;
  minFreeDiskBytes: number;
}

/** Disk use per kind, the database's size and the free disk, measured now (see `storageUsage` for the cached answer). */
export async function measureStorage(deps: StorageDeps, now = new Date()): Promise<StorageUsage> {
  const walk: Walk = { entries: 0, deadline: Date.now() + storageWalkLimits.maxMs, partial: false };
  const kinds: Totals = {
    originals: { bytes: 0, files: 0 }, variants: { bytes: 0, files: 0 }, thumbnails: { bytes: 0, files: 0 },
    evidence: { bytes: 0, files: 0 }, incoming: { bytes: 0, files: 0 }, other: { bytes: 0, files: 0 },
  };
  const add = (kind: StorageKind, size: number) => {
    kinds[kind].files += 1;
    kinds[kind].bytes += size;
  };
  await walkFiles(resolve(deps.mediaDir), walk, (path, size) => add(kindOf(path[0]!, path.length - 1, path.at(-1)!), size));
  await walkFiles(resolve(deps.evidenceDir), walk, (_path, size) => add('evidence', size));
  let database: StorageUsage['database'] = null;
  if (deps.dbKind === 'postgres') {
    const bytes = await withTimeout(postgresDatabaseBytes(deps.db), 2_000).catch(() => undefined);
    if (bytes !== undefined) database = { kind: 'postgres', bytes };
  } else {
    let bytes = 0;
    await walkFiles(join(deps.dataDir, 'pglite'), walk, (_path, size) => (bytes += size));
    database = { kind: 'pglite', bytes };
  }
  const space = await diskSpace(deps.dataDir).catch(() => undefined);
  return {
    generatedAt: now.toISOString(),
    partial: walk.partial,
    kinds,
    database,
    disk: space ? { ...space, minFreeBytes: deps.minFreeDiskBytes, low: space.freeBytes < deps.minFreeDiskBytes } : null,
  };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const cache = new Map<string, { at: number; answer: Promise<StorageUsage> }>();

/** The storage figures, measured at most once a minute per DATA_DIR; callers at the same moment share one walk. */
export function storageUsage(deps: StorageDeps): Promise<StorageUsage> {
  const key = resolve(deps.dataDir);
  const cached = cache.get(key);
  if (cached && Date.now() - cached.at < storageWalkLimits.cacheMs) return cached.answer;
  const answer = measureStorage(deps);
  cache.set(key, { at: Date.now(), answer });
  answer.catch(() => cache.delete(key));
  return answer;
}
