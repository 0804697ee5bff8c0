/**
 * Reading Prometheus text as a scraper would (families with HELP/TYPE and their samples), and the metric names a
 * PromQL expression refers to — for the /metrics tests and the Grafana dashboard check.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  help?: string;
  type?: string;
}

export interface Scrape {
  families: Map<string, Family>;
  samples: Sample[];
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const match of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[match[1]!] = match[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  return labels;
}

/** Prometheus text format 0.0.4 → families and samples (throws on a line it cannot read). */
export function parseExposition(text: string): Scrape {
  const families = new Map<string, Family>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(line);
    if (meta) {
      const family = families.get(meta[2]!) ?? {};
      if (meta[1] === 'HELP') family.help = meta[3]!;
      else family.type = meta[3]!;
      families.set(meta[2]!, family);
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (!sample) throw new Error(`not a Prometheus sample line: ${line}`);
    samples.push({ name: sample[1]!, labels: parseLabels(sample[2] ?? ''), value: Number(sample[3]) });
  }
  return { families, samples };
}

/** The family a sample belongs to (a histogram's _bucket/_sum/_count lines belong to the histogram). */
export function familyOf(scrape: Scrape, sampleName: string): string | undefined {
  if (scrape.families.has(sampleName)) return sampleName;
  const base = sampleName.replace(/_(bucket|sum|count|total|created)$/, '');
  return scrape.families.has(base) ? base : undefined;
}

/** Sum of the samples named `name` whose labels include `labels`. */
export function sumOf(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  return scrape.samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((total, s) => total + s.value, 0);
}

/** A series name PromQL may use: a family, one of its samples, or a histogram's _bucket/_sum/_count. */
export function exportsSeries(scrape: Scrape, name: string): boolean {
  if (scrape.samples.some((s) => s.name === name)) return true;
  const family = familyOf(scrape, name);
  if (!family) return false;
  if (family === name) return true;
  const type = scrape.families.get(family)?.type;
  return (type === 'histogram' || type === 'summary') && /_(bucket|sum|count)$/.test(name);
}

const promqlWords = new Set([
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan',
]);

/**
 * The metric names a PromQL expression reads: identifiers that are not functions (followed by `(`), keywords,
 * label names (inside `{…}` or the parentheses of by/without/on/ignoring/group_*), durations or Grafana variables.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^{}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?[a-zA-Z_][a-zA-Z0-9_]*\}?/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = match[0];
    const after = stripped.slice(match.index + word.length).trimStart();
    if (after.startsWith('(')) continue;
    if (promqlWords.has(word.toLowerCase())) continue;
    // Part of a number (1e3) or a duration (5m) outside brackets.
    if (/^[0-9]/.test(stripped[match.index - 1] ?? '') || /^e\d/.test(word)) continue;
    names.add(word);
  }
  return [...names];
}

/** Every `expr` of every panel target of a Grafana dashboard (nested rows included). */
export function dashboardExpressions(dashboard: unknown): string[] {
  const exprs: string[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'expr' && typeof value === 'string') exprs.push(value);
        else visit(value);
      }
    }
  };
  visit(dashboard);
  return exprs;
}

export const dashboardPath = fileURLToPath(new URL('../../ops/grafana/dashboards/trafico.json', import.meta.url));

export function readDashboard(): { title: string; panels: unknown[] } {
  return JSON.parse(readFileSync(dashboardPath, 'utf8')) as { title: string; panels: unknown[] };
}

export async function scrape(url: string, token: string | null): Promise<{ status: number; contentType: string | null; text: string }> {
  const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}
