/**
 * Failure evidence of a publication (activities/publishing/evidence.ts writes it) for the signed-in
 * admin: the list of attempts with their files, and each file. Paths are never built from free
 * text: the id must be a UUID, the attempt an integer and the file one of four names, and anything
 * else is a 404 — so no request can reach outside `<evidenceDir>/<id>/<attempt>/`.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { AppConfig } from '../../config.js';
import { evidenceFiles, type EvidenceFile } from '../../contracts/evidence.js';
import { ErrorBody } from '../views.js';

/**
 * How each file is sent. Stored HTML comes from a third-party site: as text/plain, sandboxed and
 * as a download it can never run script in our origin. Every response gets nosniff and a
 * sandboxing CSP, and none is cached (the files are about an account's session).
 */
const fileTypes: Record<EvidenceFile, { type: string; download: boolean }> = {
  'trace.zip': { type: 'application/zip', download: true },
  'screenshot.png': { type: 'image/png', download: false },
  'page.html': { type: 'text/plain; charset=utf-8', download: true },
  'info.json': { type: 'application/json; charset=utf-8', download: false },
};

const MAX_INFO_BYTES = 256 * 1024;

const EvidenceFileView = Type.Object({ name: Type.String(), size: Type.Integer(), url: Type.String() });
const EvidenceAttemptView = Type.Object({
  attempt: Type.Integer(),
  files: Type.Array(EvidenceFileView),
  /** info.json as written (url, error, at, files, problems), or null when missing/unreadable. */
  info: Type.Unknown(),
});
const EvidenceListView = Type.Object({ attempts: Type.Array(EvidenceAttemptView) });

const idParam = Type.String({ format: 'uuid' });
const attemptParam = Type.Integer({ minimum: 0, maximum: 1_000_000 });

function notFound(reply: FastifyReply, what = 'evidence not found') {
  return reply.code(404).send({ error: 'not_found', message: what });
}

export const evidenceRoutes: FastifyPluginAsync<{ config: Pick<AppConfig, 'evidenceDir'> }> = async (app, { config }) => {
  app.addHook('onRequest', app.requireAuth);
  const root = resolve(config.evidenceDir);

  /** Defence in depth: even validated parts must resolve inside the evidence root. */
  const inside = (...parts: string[]): string | null => {
    const path = resolve(root, ...parts);
    return path.startsWith(root + sep) ? path : null;
  };

  app.get(
    '/api/publications/:id/evidence',
    {
      // A malformed id is answered like an unknown one (404), not with a validation message.
      attachValidation: true,
      schema: {
        params: Type.Object({ id: idParam }),
        response: { 200: EvidenceListView, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      if (request.validationError) return notFound(reply);
      const { id } = request.params as { id: string };
      const dir = inside(id);
      if (!dir) return notFound(reply);
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      const attempts = entries
        .filter((e) => e.isDirectory() && /^\d{1,7}$/.test(e.name))
        .map((e) => Number(e.name))
        .sort((a, b) => a - b);
      return {
        attempts: await Promise.all(
          attempts.map(async (attempt) => {
            const attemptDir = join(dir, String(attempt));
            const files: { name: string; size: number; url: string }[] = [];
            for (const name of evidenceFiles) {
              const stat = await lstat(join(attemptDir, name)).catch(() => null);
              if (stat?.isFile()) files.push({ name, size: stat.size, url: `/api/publications/${id}/evidence/${attempt}/${name}` });
            }
            return { attempt, files, info: await readInfo(join(attemptDir, 'info.json')) };
          }),
        ),
      };
    },
  );

  app.get(
    '/api/publications/:id/evidence/:attempt/:file',
    {
      attachValidation: true,
      schema: {
        params: Type.Object({
          id: idParam,
          attempt: attemptParam,
          file: Type.Union(evidenceFiles.map((f) => Type.Literal(f))),
        }),
      },
    },
    async (request, reply) => {
      if (request.validationError) return notFound(reply);
      const { id, attempt, file } = request.params as { id: string; attempt: number; file: EvidenceFile };
      const path = inside(id, String(attempt), file);
      if (!path) return notFound(reply);
      // lstat: a symlink planted in the evidence tree is not followed.
      const stat = await lstat(path).catch(() => null);
      if (!stat?.isFile()) return notFound(reply);
      const { type, download } = fileTypes[file];
      reply
        .type(type)
        .header('content-length', stat.size)
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', 'private, no-store')
        .header('content-disposition', `${download ? 'attachment' : 'inline'}; filename="publication-${id}-attempt-${attempt}-${file}"`);
      return reply.send(createReadStream(path));
    },
  );
};

async function readInfo(path: string): Promise<unknown> {
  try {
    const stat = await lstat(path);
    if (!stat.isFile() || stat.size > MAX_INFO_BYTES) return null;
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return null;
  }
}
