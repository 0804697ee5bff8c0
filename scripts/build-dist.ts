/**
 * `npm start` runs the compiled JavaScript, as the image does: this script (`tsx scripts/build-dist.ts`) first builds
 * what is missing or stale, then npm runs `node dist/scripts/dev.js`. Under the tsx loader the all-in-one idled
 * ~70 MB higher (tsx's loader thread and its transforms; bench/README.md, issue 16).
 *   - the dashboard (ui/build) when it is missing (`npm run build:ui`; after UI changes run it yourself, as before);
 *   - dist/ with `tsc -p tsconfig.build.json --incremental` when a TypeScript source, a tsconfig or the lockfile is newer
 *     than the last build. Type errors are printed but do not stop the start (tsc still emits, and tsx would have run
 *     the same code); `npm run typecheck` is the check;
 *   - links in dist/ to what the compiled code reads relative to itself (the image copies them instead, Dockerfile):
 *     dist/db/migrations, dist/ui/build, dist/temporal-dev.yaml.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository: the nearest folder up from here with tsconfig.build.json (this file runs from scripts/). */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'tsconfig.build.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('build-dist: tsconfig.build.json not found above this script');
    dir = parent;
  }
  return dir;
}

/** Folders that are not compiled into dist/ (or are its output), skipped when looking for changed sources. */
const skipped = new Set(['node_modules', 'dist', 'ui', 'data', 'test', 'bench', 'scratch', 'test-results']);

/** Newest modification time (ms) among the inputs of the TypeScript build. */
function newestSource(root: string): number {
  let newest = 0;
  const consider = (path: string) => (newest = Math.max(newest, statSync(path).mtimeMs));
  for (const file of ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json']) if (existsSync(join(root, file))) consider(join(root, file));
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!(dir === root && skipped.has(entry.name)) && entry.name !== 'node_modules') walk(path);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        consider(path);
      }
    }
  };
  walk(root);
  return newest;
}

/** A link at `path` to `target`, unless something is there already (the image's copies, an earlier link). */
function link(path: string, target: string) {
  try {
    lstatSync(path);
    return;
  } catch {
    // nothing there yet
  }
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(relative(dirname(path), target), path);
}

export interface EnsureDistOptions {
  log?: (line: string) => void;
}

/** Builds the dashboard if missing and dist/ if stale; returns the path of the compiled dev entry point. */
export function ensureDist(opts: EnsureDistOptions = {}): string {
  const log = opts.log ?? ((line: string) => console.log(line));
  const root = findRoot();
  const dist = join(root, 'dist');
  const stamp = join(dist, '.build-stamp');
  const buildInfo = join(dist, '.tsbuildinfo');
  const entry = join(dist, 'scripts', 'dev.js');

  if (!existsSync(join(root, 'ui', 'build', 'handler.js'))) {
    log('building the dashboard (first start)…');
    execFileSync('npm', ['run', 'build:ui'], { cwd: root, stdio: 'inherit' });
  }

  const complete = existsSync(entry) && existsSync(join(dist, 'main.js'));
  const builtAt = complete && existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
  if (newestSource(root) > builtAt) {
    // Without the outputs the incremental state would say "nothing to emit".
    if (!complete) rmSync(buildInfo, { force: true });
    const started = new Date();
    log(builtAt ? 'sources changed: compiling to dist/ (tsc)…' : 'compiling to dist/ (tsc, first start; later only when sources change)…');
    const tsc = spawnSync(process.execPath, [
      join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json'), '--incremental', '--tsBuildInfoFile', buildInfo,
    ], { cwd: root, stdio: 'inherit' });
    // 0: clean; 2: type errors, JavaScript emitted anyway; anything else: nothing (usable) emitted.
    if (tsc.status === 2) log('tsc reported type errors (above); starting anyway — run `npm run typecheck`');
    else if (tsc.status !== 0) throw new Error(`tsc failed (${tsc.error?.message ?? `exit ${tsc.status ?? tsc.signal}`})`);
    if (!existsSync(entry)) throw new Error(`tsc did not produce ${relative(root, entry)}`);
    // The stamp carries the time the build started: a source saved during the build makes the next start rebuild.
    writeFileSync(stamp, `${started.toISOString()}\n`);
    utimesSync(stamp, started, started);
  }

  link(join(dist, 'db', 'migrations'), join(root, 'db', 'migrations'));
  link(join(dist, 'ui', 'build'), join(root, 'ui', 'build'));
  link(join(dist, 'temporal-dev.yaml'), join(root, 'temporal-dev.yaml'));
  return entry;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    ensureDist();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
