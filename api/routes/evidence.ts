/**
 * Failure evidence of a publication (activities/publishing/evidence.ts writes it) for the signed-in
 * admin: the list of attempts with their files, and each file. Paths are never built from free
 * text: the id must be a UUID, the attempt an integer and the file one of four names, and anything
 * else is a 404 — so no request can reach outside `<evidenceDir>/<id>/<attempt>/`; real paths are compared, so a
 * symlinked directory inside the evidence tree cannot lead out of it either.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { errorReplies, IdParams } from '../../contracts/api/common.js';
import { EvidenceFileParams, EvidenceList } from '../../contracts/api/evidence.js';
import { evidenceFiles, type EvidenceFile } from '../../contracts/evidence.js';
import { listEvidence, realInsideEvidenceRoot } from '../../services/evidence.js';
import { documentedOnly, tags } from '../route-docs.js';

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

function notFound(reply: FastifyReply, what = 'evidence not found') {
  return reply.code(404).send({ error: 'not_found', message: what });
}

export const evidenceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAuth);
  const root = resolve(app.deps.config.evidenceDir);

  app.get(
    '/api/publications/:id/evidence',
    {
      // A malformed id is answered like an unknown one (404), not with a validation message.
      attachValidation: true,
      schema: {
        tags: [tags.evidence],
        summary: 'Failure evidence per attempt: files (trace, screenshot, page, info) and the info.json',
        description: 'A publication without evidence answers an empty list; a malformed id 404.',
        params: IdParams,
        response: { 200: EvidenceList, '4xx': errorReplies['4xx'] },
      },
    },
    async (request, reply) => {
      if (request.validationError) return notFound(reply);
      return { attempts: await listEvidence(root, request.params.id) };
    },
  );

  app.get(
    '/api/publications/:id/evidence/:attempt/:file',
    {
      attachValidation: true,
      schema: {
        tags: [tags.evidence],
        summary: 'One evidence file',
        description:
          'trace.zip, screenshot.png, page.html (as text/plain, sandboxed, attachment) or info.json; cookies and tokens are redacted. ' +
          '404 for anything else.',
        params: EvidenceFileParams,
      },
      // The file is streamed as is: its replies are documented, never serialized.
      config: documentedOnly({
        response: {
          200: {
            description: 'the file',
            content: Object.fromEntries(evidenceFiles.map((f) => [fileTypes[f].type.split(';')[0], { schema: { type: 'string', format: 'binary' } }])),
          },
          '4xx': errorReplies['4xx'],
        },
      }),
    },
    async (request, reply) => {
      if (request.validationError) return notFound(reply);
      const { id, attempt, file } = request.params;
      // The attempt directory by its real path: a symlinked directory on the way that leads outside the root is a 404.
      const dir = await realInsideEvidenceRoot(root, id, String(attempt));
      if (!dir) return notFound(reply);
      // O_NOFOLLOW: a symlink planted as the file is not followed; fstat of what was opened, so the file served is the one checked.
      const handle = await open(join(dir, file), constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => null);
      if (!handle) return notFound(reply);
      const stat = await handle.stat().catch(() => null);
      if (!stat?.isFile()) {
        await handle.close();
        return notFound(reply);
      }
      const { type, download } = fileTypes[file];
      reply
        .type(type)
        .header('content-length', stat.size)
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', 'private, no-store')
        .header('content-disposition', `${download ? 'attachment' : 'inline'}; filename="publication-${id}-attempt-${attempt}-${file}"`);
      return reply.send(handle.createReadStream());
    },
  );
};
