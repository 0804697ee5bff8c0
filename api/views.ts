/** Response shapes shared by routes, and the API's error type. */
import { Type, type Static } from '@sinclair/typebox';
import type { listPublications } from '../db/publications.js';

export const ErrorBody = Type.Object({ error: Type.String(), message: Type.String() });

/** A 4xx/5xx that names the problem; rendered as { error, message } by the server's error handler. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const PublicationView = Type.Object({
  id: Type.String(),
  contentId: Type.String(),
  status: Type.String(),
  modelName: Type.String(),
  platformName: Type.String(),
  accountUsername: Type.String(),
  scheduledTime: nullable(Type.String()),
  publishedAt: nullable(Type.String()),
  postUrl: nullable(Type.String()),
  externalId: nullable(Type.String()),
  attempts: Type.Integer(),
  lastError: nullable(Type.String()),
  workflowId: nullable(Type.String()),
  caption: nullable(Type.String()),
  /** Failure evidence was captured; the files are at GET /api/publications/:id/evidence. */
  hasEvidence: Type.Boolean(),
});
export type PublicationView = Static<typeof PublicationView>;

export function publicationView(p: Awaited<ReturnType<typeof listPublications>>[number]): PublicationView {
  return {
    id: p.id,
    contentId: p.contentId,
    status: p.status,
    modelName: p.modelName,
    platformName: p.platformName,
    accountUsername: p.accountUsername,
    scheduledTime: p.scheduledTime?.toISOString() ?? null,
    publishedAt: p.publishedAt?.toISOString() ?? null,
    postUrl: p.postUrl,
    externalId: p.externalId,
    attempts: p.attempts,
    lastError: p.lastError,
    workflowId: p.workflowId,
    caption: p.captionUsed,
    hasEvidence: p.evidencePath !== null,
  };
}
