/**
 * Failure evidence of a publication, as stored by activities/publishing/evidence.ts under
 * `<evidenceDir>/<publication>/<attempt>/`: the attempts with their files and info.json. Read by the evidence
 * routes and the publication detail. Paths are never built from free text: the id must be a UUID, attempts are
 * directory names of digits and files the contract's four names, all resolved inside the evidence root — by their
 * real paths, so a symlinked directory cannot lead out of it.
 */
import { lstat, readdir, readFile, realpath } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { evidenceFiles } from '../contracts/evidence.js';

export interface EvidenceFileEntry {
  name: string;
  size: number;
  /** Where the API serves it. */
  url: string;
}

export interface EvidenceAttemptEntry {
  attempt: number;
  files: EvidenceFileEntry[];
  /** info.json as written (url, error, at, files, problems), or null when missing or unreadable: best effort, untyped. */
  info: unknown;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_INFO_BYTES = 256 * 1024;

/** `parts` resolved inside `root`, or null when they would leave it (defence in depth: parts are validated before). */
export function insideEvidenceRoot(root: string, ...parts: string[]): string | null {
  const base = resolve(root);
  const path = resolve(base, ...parts);
  return path.startsWith(base + sep) ? path : null;
}

/**
 * The real path of `parts` (every symlink on the way resolved, directories included) when it exists and stays inside
 * the real evidence root; null otherwise. A symlinked publication or attempt directory, or a symlinked file, that
 * points outside the root is treated as missing.
 */
export async function realInsideEvidenceRoot(root: string, ...parts: string[]): Promise<string | null> {
  const lexical = insideEvidenceRoot(root, ...parts);
  if (!lexical) return null;
  try {
    const [realRoot, realPath] = await Promise.all([realpath(resolve(root)), realpath(lexical)]);
    return realPath.startsWith(realRoot + sep) ? realPath : null;
  } catch {
    return null;
  }
}

/** The attempts that left evidence, oldest first; an id that is no UUID or has no evidence answers an empty list. */
export async function listEvidence(evidenceDir: string, publicationId: string): Promise<EvidenceAttemptEntry[]> {
  if (!uuidPattern.test(publicationId)) return [];
  const dir = await realInsideEvidenceRoot(evidenceDir, publicationId);
  if (!dir) return [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const attempts = entries
    .filter((e) => e.isDirectory() && /^\d{1,7}$/.test(e.name))
    .map((e) => Number(e.name))
    .sort((a, b) => a - b);
  return Promise.all(
    attempts.map(async (attempt) => {
      const attemptDir = join(dir, String(attempt));
      const files: EvidenceFileEntry[] = [];
      for (const name of evidenceFiles) {
        // lstat: a symlink planted in the evidence tree is not followed (`dir` is already a real path inside the root).
        const stat = await lstat(join(attemptDir, name)).catch(() => null);
        if (stat?.isFile()) files.push({ name, size: stat.size, url: `/api/publications/${publicationId}/evidence/${attempt}/${name}` });
      }
      return { attempt, files, info: await readInfo(join(attemptDir, 'info.json')) };
    }),
  );
}

async function readInfo(path: string): Promise<unknown> {
  try {
    const stat = await lstat(path);
    if (!stat.isFile() || stat.size > MAX_INFO_BYTES) return null;
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

/** The error an attempt's info.json names (`{ error: { type, message } }`), as `type: message`; null when it names none. */
export function evidenceError(info: unknown): string | null {
  const error = (info as { error?: { type?: unknown; message?: unknown } } | null)?.error;
  if (!error || typeof error !== 'object') return null;
  const type = typeof error.type === 'string' ? error.type : '';
  const message = typeof error.message === 'string' ? error.message : '';
  if (!type && !message) return null;
  return type && message ? `${type}: ${message}` : type || message;
}
