/**
 * CSV answers of the report routes (analytics, revenue): RFC 4180 cells safe to open in a spreadsheet, the download
 * headers, file names with the range's instants, and how such a route documents its two media types.
 */
import type { FastifyReply } from 'fastify';

export type CsvCell = string | number | null;

/**
 * One CSV cell (RFC 4180): quoted when it holds a quote, comma or line break. A text cell a spreadsheet would read
 * as a formula (starting with = + - @, tab or carriage return) gets a leading apostrophe first, so an exported
 * referrer or name can never run in the admin's spreadsheet.
 */
export function csvCell(value: CsvCell): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvOf(header: string[], rows: CsvCell[][]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** `2024-05-01T10:00:00.000Z` → `2024-05-01T1000Z`: an instant a file name can carry. */
export const fileTime = (isoTime: string) => `${isoTime.slice(0, 13)}${isoTime.slice(14, 16)}Z`;

/** The body as a download named `name`, never cached (it holds the studio's figures). */
export function sendCsv(reply: FastifyReply, name: string, body: string) {
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${name}"`)
    .header('cache-control', 'private, no-store')
    .send(body);
}

/** The OpenAPI answer of a route that speaks JSON, or CSV with `format=csv`. */
export const csvOrJsonReply = (description: string, json: unknown) => ({
  description,
  content: { 'application/json': { schema: json }, 'text/csv': { schema: { type: 'string', description: 'the same rows, a header row first' } } },
});
