/**
 * Layering: the one readable statement of which folder may import what (the folder READMEs explain
 * the why in prose; this table is what is enforced). Every .ts file of the repo (and every .svelte
 * file under ui/src) is parsed with the TypeScript compiler; each `import`, `import type`,
 * `export … from`, side-effect `import '…'`, `import('…')` call and `import('…')` type is checked
 * against RULES. A failure lists every violation at once. Pure: it only reads source files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * What an entry of `imports` / `typeOnly` may name:
 * - a layer of this table: `'core/'`, `'config.ts'` (a file that is a layer of its own);
 * - one file of another layer: `'activities/media/probe.ts'`;
 * - a package: `'fastify'`, a scope: `'@fastify/*'`, any npm package: `'npm:*'`;
 * - Node built-ins: `'node:'`.
 * A layer may always import its own files. `typeOnly` entries are allowed only through `import type`
 * / `export type` (an inline `import { type X }` still loads the module at runtime under
 * verbatimModuleSyntax, so it counts as a value import).
 */
interface Rule {
  why: string;
  imports: readonly string[] | 'anything';
  typeOnly?: readonly string[];
}

const RULES: Readonly<Record<string, Rule>> = {
  'core/': {
    why: 'pure domain rules: workflows run them in the deterministic sandbox, so no packages and no I/O',
    imports: [],
  },
  'contracts/': {
    why: 'pure agreements between parts (workflow inputs/signals/queries, search attributes, API schemas) read by workflows and the UI',
    imports: ['core/', '@temporalio/workflow', '@temporalio/common', '@sinclair/typebox'],
  },
  'messages/': {
    why: 'the pure message catalogue, shared by the bot, services, activities and the UI',
    imports: ['core/', 'contracts/'],
  },
  'db/': {
    why: 'the only place that writes SQL; knows nothing of who calls it (messages/: recordEvent renders the description)',
    imports: ['core/', 'contracts/', 'messages/', 'crypto/', 'drizzle-orm', 'postgres', '@electric-sql/pglite', 'node:'],
  },
  'crypto/': {
    why: 'encryption of secrets at rest: a leaf every layer that stores secrets can use',
    imports: ['node:'],
  },
  'observability/': {
    why: 'the Prometheus registry of the process: a leaf activities, worker, api and bot record into (sources are handed in, never imported)',
    imports: ['prom-client', 'node:'],
  },
  'activities/': {
    why: 'every side effect of the pipeline, called by workflows through Temporal, never the other way round',
    imports: ['core/', 'contracts/', 'messages/', 'db/', 'crypto/', 'observability/', '@temporalio/activity', '@temporalio/common', 'playwright-core', 'fflate', 'rate-limiter-flexible', '@googleapis/youtube', 'node:'],
    typeOnly: ['config.ts', 'pino'],
  },
  'workflows/': {
    why: 'deterministic orchestration in the Temporal sandbox: no I/O, activities known by their types only',
    imports: ['core/', 'contracts/', '@temporalio/workflow', '@temporalio/common'],
    typeOnly: ['activities/'],
  },
  'worker/': {
    why: 'worker bootstrap: registers activities and bundles workflows by path (never by import)',
    imports: ['activities/', 'core/', 'contracts/', 'config.ts', 'observability/', '@temporalio/*', 'node:'],
    typeOnly: ['db/'],
  },
  'services/': {
    why: 'commands and queries shared by api, bot and UI: the database plus the Temporal client, speaking contracts',
    // maxmind, bowser, isbot: the click enrichment (services/clicks/enrich.ts); csv-parse: the stream CSV import (services/stream-csv.ts).
    imports: ['core/', 'contracts/', 'messages/', 'db/', 'crypto/', '@temporalio/client', 'uqr', 'maxmind', 'bowser', 'isbot', 'csv-parse', 'node:'],
    typeOnly: ['config.ts'],
  },
  'api/': {
    why: 'HTTP in and out: everything that reads or writes goes through services (probe.ts refuses non-videos early)',
    imports: ['services/', 'contracts/', 'core/', 'messages/', 'config.ts', 'observability/', 'activities/media/probe.ts', 'fastify', 'fastify-plugin', '@fastify/*', '@sinclair/typebox', 'node:'],
    typeOnly: ['db/', '@temporalio/client', 'pino'],
  },
  'bot/': {
    why: 'Telegram in and out: every command goes through services; reads and the bot\'s own tables (outbox cursor, cards, alerts) come from db/ (DESIGN)',
    imports: ['services/', 'contracts/', 'core/', 'messages/', 'db/', 'config.ts', 'observability/', 'grammy', '@grammyjs/*', 'node:'],
    typeOnly: ['@temporalio/client', 'pino'],
  },
  'notify/': {
    why: 'alerts and reports out besides Telegram (webhook, SMTP e-mail): the event stream and report figures from db/ and services/',
    imports: ['core/', 'contracts/', 'messages/', 'db/', 'services/', 'nodemailer', 'node:'],
    typeOnly: ['config.ts', 'pino'],
  },
  'ui/src/': {
    why: 'the dashboard talks to the app over HTTP only; it shares nothing but contracts, messages and the pure rules of core/ (the live slot preview)',
    // uplot: the time-series charts (lib/components/charts); @event-calendar/core: the calendar (lib/components/calendar).
    // Both bundled into the build like svelte itself.
    imports: ['contracts/', 'messages/', 'core/', 'svelte', '@sveltejs/*', '$app', '$env', 'uplot', '@event-calendar/core'],
  },
  'demo/': {
    why: 'a stand-in third-party site: it must not know the app',
    imports: ['npm:*', 'node:'],
  },
  'config.ts': {
    why: 'environment → typed config; read by every process before anything else',
    imports: ['core/', 'crypto/', 'zod', 'node:'],
  },
  'main.ts': { why: 'the process entry point wires every role', imports: 'anything' },
  'scripts/': { why: 'developer entry points; the app never imports them', imports: 'anything' },
  'test/': { why: 'tests (test/ and every *.test.ts next to its code) may reach anything', imports: 'anything' },
  'bench/': { why: 'benchmarks drive the whole stack', imports: 'anything' },
  '*.config.ts': { why: 'tool configuration (vitest, drizzle-kit, vite)', imports: 'anything' },
};

/**
 * SvelteKit aliases (ui/svelte.config.js `kit.alias` + the built-in `$lib`) → repo paths. Any other
 * `$name` (SvelteKit's `$app`, `$env`) is checked like a package.
 */
const UI_ALIASES: Readonly<Record<string, string>> = {
  $lib: 'ui/src/lib',
  $contracts: 'contracts',
  $messages: 'messages',
  $core: 'core',
};

const SKIP_DIRS = new Set(['node_modules', 'dist', 'data', 'ui/build', 'ui/.svelte-kit', 'db/migrations']);

/** The layer (a RULES key) a repo-relative path belongs to, or undefined when the table does not cover it. */
function layerOf(path: string): string | undefined {
  if (path.endsWith('.test.ts')) return 'test/';
  if (/^(ui\/)?[^/]+\.config\.ts$/.test(path)) return '*.config.ts';
  if (path in RULES) return path;
  let best: string | undefined;
  for (const key of Object.keys(RULES)) {
    if (key.endsWith('/') && path.startsWith(key) && (!best || key.length > best.length)) best = key;
  }
  return best;
}

interface ImportRef {
  line: number;
  specifier: string;
  typeOnly: boolean;
}

/** Every module specifier of one TypeScript source, with its 1-based line. */
function importsOf(fileName: string, source: string, lineOffset = 0): ImportRef[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const refs: ImportRef[] = [];
  const add = (node: ts.Node, spec: ts.Node | undefined, typeOnly: boolean) => {
    if (!spec || !(ts.isStringLiteral(spec) || ts.isNoSubstitutionTemplateLiteral(spec))) return;
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1 + lineOffset;
    refs.push({ line, specifier: spec.text, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.importClause?.isTypeOnly ?? false);
    } else if (ts.isExportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0], false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return refs;
}

/** The `<script>` blocks of a Svelte component, parsed as TypeScript at their real lines. */
function svelteImportsOf(fileName: string, source: string): ImportRef[] {
  const refs: ImportRef[] = [];
  for (const match of source.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)) {
    const start = match.index + match[0].indexOf('>') + 1;
    const lineOffset = source.slice(0, start).split('\n').length - 1;
    refs.push(...importsOf(fileName, match[1] ?? '', lineOffset));
  }
  return refs;
}

type Target = { kind: 'repo'; path: string; layer: string | undefined } | { kind: 'package'; name: string } | { kind: 'outside' };

function resolveTarget(fromFile: string, specifier: string): Target {
  let repoPath: string | undefined;
  const alias = /^(\$[\w-]+)(\/.*)?$/.exec(specifier);
  if (specifier.startsWith('.')) {
    repoPath = posix.normalize(posix.join(posix.dirname(fromFile), specifier));
  } else if (alias && fromFile.startsWith('ui/') && alias[1]! in UI_ALIASES) {
    repoPath = posix.normalize(UI_ALIASES[alias[1]!]! + (alias[2] ?? ''));
  } else if (alias && fromFile.startsWith('ui/')) {
    return { kind: 'package', name: alias[1]! };
  } else if (specifier.startsWith('node:') || isBuiltin(specifier)) {
    return { kind: 'package', name: 'node:' };
  } else {
    const parts = specifier.split('/');
    return { kind: 'package', name: specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]! };
  }
  if (repoPath.startsWith('..') || posix.isAbsolute(repoPath)) return { kind: 'outside' };
  // Imports name the emitted file (`./x.js`); the table names the source (`x.ts`).
  const path = repoPath.replace(/\.js$/, '.ts');
  return { kind: 'repo', path, layer: layerOf(path) };
}

function matches(entries: readonly string[], target: Target): boolean {
  if (target.kind === 'outside') return false;
  if (target.kind === 'repo') return entries.includes(target.path) || (target.layer !== undefined && entries.includes(target.layer));
  return entries.some(
    (entry) =>
      entry === target.name ||
      (entry === 'npm:*' && target.name !== 'node:' && !target.name.startsWith('$')) ||
      (entry.endsWith('/*') && target.name.startsWith(entry.slice(0, -1))),
  );
}

function describeTarget(target: Target): string {
  if (target.kind === 'outside') return 'files outside the repo';
  if (target.kind === 'package') return target.name === 'node:' ? 'node: built-ins' : target.name;
  return target.layer ?? `${target.path} (not in the rules table)`;
}

/** The violations of one source file (repo-relative path), each as `file:line imports 'spec' (why not)`. */
function checkFile(file: string, source: string): string[] {
  const layer = layerOf(file);
  if (!layer) return [`${file}:1 belongs to no folder of the layering rules table (add it to RULES in test/layering.test.ts)`];
  const rule = RULES[layer]!;
  if (rule.imports === 'anything') return [];
  const refs = file.endsWith('.svelte') ? svelteImportsOf(file, source) : importsOf(file, source);
  const violations: string[] = [];
  for (const ref of refs) {
    const target = resolveTarget(file, ref.specifier);
    if (target.kind === 'repo' && target.layer === layer) continue;
    if (matches(rule.imports, target)) continue;
    if (ref.typeOnly && matches(rule.typeOnly ?? [], target)) continue;
    const what = describeTarget(target);
    const reason = matches(rule.typeOnly ?? [], target)
      ? `folder ${layer} may import ${what} only with \`import type\``
      : `folder ${layer} may not import ${what}`;
    violations.push(`${file}:${ref.line} imports '${ref.specifier}' (${reason})`);
  }
  return violations;
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** Every checked source file, repo-relative with `/` separators. */
function sourceFiles(dir = ''): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(posix.join(repoRoot, dir), { withFileTypes: true })) {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!entry.name.startsWith('.') && !SKIP_DIRS.has(entry.name) && !SKIP_DIRS.has(path)) files.push(...sourceFiles(path));
    } else if (entry.isFile() && (path.endsWith('.ts') || (path.startsWith('ui/src/') && path.endsWith('.svelte')))) {
      files.push(path);
    }
  }
  return files;
}

describe('layering', () => {
  it('every source file imports only what its folder may (RULES above)', () => {
    const files = sourceFiles();
    expect(files.length).toBeGreaterThan(50);
    expect(files.some((file) => file.endsWith('.svelte'))).toBe(true);
    const violations = files.flatMap((file) => checkFile(file, readFileSync(posix.join(repoRoot, file), 'utf8')));
    expect(violations, `${violations.length} layering violation(s):\n${violations.join('\n')}\n`).toEqual([]);
  });

  describe('the checker itself', () => {
    it('catches a service importing workflows, and says where', () => {
      const source = `import { x } from '../core/types.js';\n\nimport { contentWorkflow } from '../workflows/content.js';\n`;
      expect(checkFile('services/contents.ts', source)).toEqual([
        `services/contents.ts:3 imports '../workflows/content.js' (folder services/ may not import workflows/)`,
      ]);
    });

    it('catches api importing a db value, and lets an `import type` from db pass', () => {
      expect(checkFile('api/routes/x.ts', `import type { Db } from '../../db/client.js';\n`)).toEqual([]);
      expect(checkFile('api/routes/x.ts', `import { openDatabase } from '../../db/client.js';\n`)).toEqual([
        `api/routes/x.ts:1 imports '../../db/client.js' (folder api/ may import db/ only with \`import type\`)`,
      ]);
      // `import { type X }` keeps the import at runtime under verbatimModuleSyntax.
      expect(checkFile('api/routes/x.ts', `import { type Db } from '../../db/client.js';\n`)).toHaveLength(1);
    });

    it('sees every form of import and nothing in strings or comments', () => {
      const source = [
        `import '../db/schema.js';`,
        `export { a } from '../services/x.js';`,
        `export * from '../api/server.js';`,
        `const m = await import('node:fs');`,
        `type T = typeof import('../bot/index.js');`,
        `// import { no } from '../db/queries.js';`,
        `const s = "import x from '../db/queries.js'"; Buffer.from('../db/x.js');`,
      ].join('\n');
      expect(checkFile('core/x.ts', source).map((v) => v.split(' (')[0])).toEqual([
        `core/x.ts:1 imports '../db/schema.js'`,
        `core/x.ts:2 imports '../services/x.js'`,
        `core/x.ts:3 imports '../api/server.js'`,
        `core/x.ts:4 imports 'node:fs'`,
        `core/x.ts:5 imports '../bot/index.js'`,
      ]);
    });

    it('applies type-only exceptions, single-file exceptions, scopes and aliases', () => {
      expect(checkFile('workflows/x.ts', `import type { A } from '../activities/index.js';`)).toEqual([]);
      expect(checkFile('workflows/x.ts', `import { a } from '../activities/index.js';`)).toHaveLength(1);
      expect(checkFile('api/routes/contents.ts', `import { probe } from '../../activities/media/probe.js';`)).toEqual([]);
      expect(checkFile('api/routes/contents.ts', `import { x } from '../../activities/media/index.js';`)).toHaveLength(1);
      expect(checkFile('api/x.ts', `import cookie from '@fastify/cookie';\nimport { Client } from '@temporalio/client';`)).toEqual([
        `api/x.ts:2 imports '@temporalio/client' (folder api/ may import @temporalio/client only with \`import type\`)`,
      ]);
      expect(checkFile('demo/x.ts', `import { z } from 'zod';\nimport { a } from '../core/types.js';`)).toHaveLength(1);
      expect(checkFile('core/x.test.ts', `import { it } from 'vitest';\nimport { a } from '../db/client.js';`)).toEqual([]);
    });

    it('checks Svelte scripts at their real lines, through aliases and relative paths', () => {
      const component = [
        `<script lang="ts">`,
        `  import { t } from '$lib/i18n';`,
        `  import type { Shape } from '$contracts/api.js';`,
        `  import { page } from '$app/state';`,
        `  import { q } from '../../../../services/x.js';`,
        `</script>`,
        `<p>{t('x')}</p>`,
      ].join('\n');
      expect(checkFile('ui/src/routes/(app)/+page.svelte', component)).toEqual([
        `ui/src/routes/(app)/+page.svelte:5 imports '../../../../services/x.js' (folder ui/src/ may not import services/)`,
      ]);
    });

    it('flags files and targets the table does not cover', () => {
      expect(checkFile('newfolder/x.ts', '')).toHaveLength(1);
      expect(checkFile('core/x.ts', `import { a } from '../newfolder/y.js';`)[0]).toContain('not in the rules table');
    });
  });
});
