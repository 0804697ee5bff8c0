/**
 * Limits of multipart/form-data requests: what api/server.ts registers @fastify/multipart with, and the checks each
 * multipart route (contents upload, session file, watermark logo) runs on every part. Busboy cuts an over-long text
 * field or field name silently (`valueTruncated`); these turn that, and the parser's count limits, into a 413 that
 * names the limit, before anything is stored.
 */
import { ApiError } from './views.js';

/** Defaults for every multipart request; a route passes its own `fileSize` (and may lower the rest). */
export const multipartLimits = {
  /** Longest field name, in bytes. */
  fieldNameSize: 100,
  /** Longest text field, in bytes (the longest real one is a content's context, 2,000 characters). */
  fieldSize: 64 * 1024,
  /** Text fields per request. */
  fields: 10,
  /** File fields per request: every route takes one file. */
  files: 1,
  /** Parts (fields + files) per request. */
  parts: 12,
  /** Header lines per part. */
  headerPairs: 20,
} as const;

export type MultipartLimits = { [K in keyof typeof multipartLimits]?: number } & { fileSize?: number };

const countLimits: Record<string, { code: string; message: (limits: Required<Omit<MultipartLimits, 'fileSize'>>) => string }> = {
  FST_FIELDS_LIMIT: { code: 'too_many_fields', message: (l) => `too many form fields: at most ${l.fields}` },
  FST_FILES_LIMIT: { code: 'too_many_files', message: (l) => `too many files: at most ${l.files}` },
  FST_PARTS_LIMIT: { code: 'too_many_parts', message: (l) => `too many form parts: at most ${l.parts}` },
};

/** The parser's count limits (fields, files, parts) as a 413 naming the limit; any other error unchanged. */
export function multipartLimitError(error: unknown, limits: MultipartLimits = {}): unknown {
  const known = countLimits[(error as { code?: string })?.code ?? ''];
  if (!known) return error;
  return new ApiError(413, known.code, known.message({ ...multipartLimits, ...limits }));
}

/** A text part that busboy cut (name or value over its limit) → 413 naming the field and the limit. */
export function assertWholeField(
  part: { fieldname: string; fieldnameTruncated?: boolean; valueTruncated?: boolean },
  limits: MultipartLimits = {},
): void {
  const { fieldNameSize, fieldSize } = { ...multipartLimits, ...limits };
  if (part.fieldnameTruncated) {
    throw new ApiError(413, 'field_name_too_long', `a form field name exceeds ${fieldNameSize} bytes`);
  }
  if (part.valueTruncated) {
    throw new ApiError(413, 'field_too_large', `form field "${part.fieldname.slice(0, 64)}" exceeds ${fieldSize} bytes`);
  }
}
