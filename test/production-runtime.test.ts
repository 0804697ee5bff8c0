/**
 * The production image runs compiled JavaScript: no source file that ships imports the TypeScript loader (tsx),
 * tsx is only a dev dependency (pruned from the image), and the image's entry point is node on dist/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../scripts/temporal.js';

/** The folders tsconfig.build.json compiles into dist/ (what the image runs), minus tests. */
function shippedSources(): string[] {
  const build = JSON.parse(readFileSync(join(repoRoot, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
  const files: string[] = [];
  const walk = (path: string) => {
    if (statSync(path).isDirectory()) {
      for (const entry of readdirSync(path)) if (entry !== 'node_modules') walk(join(path, entry));
    } else if (/\.ts$/.test(path) && !/\.test\.ts$/.test(path)) {
      files.push(path);
    }
  };
  for (const entry of build.include) walk(join(repoRoot, entry));
  return files;
}

/** `import … from 'tsx'`, `import 'tsx/esm'`, `import('tsx')`, `require('tsx/cjs')`. */
const importsTsx = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]tsx(?:\/[^'"]*)?['"]/;

describe('production runtime', () => {
  it('no shipped source file imports tsx', () => {
    const files = shippedSources();
    expect(files.length).toBeGreaterThan(50);
    expect(files.some((file) => file.endsWith('worker/index.ts'))).toBe(true);
    const offenders = files.filter((file) => importsTsx.test(readFileSync(file, 'utf8'))).map((file) => relative(repoRoot, file));
    expect(offenders).toEqual([]);
    // The pattern does catch each form it is meant to.
    for (const line of [`import { register } from 'tsx/esm/api';`, `import 'tsx';`, `await import("tsx")`, `require('tsx/cjs')`]) {
      expect(line).toMatch(importsTsx);
    }
  });

  it('tsx is a dev dependency only, so the image prunes it', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    expect(pkg.dependencies).not.toHaveProperty('tsx');
    expect(pkg.devDependencies).toHaveProperty('tsx');
  });

  it('the image runs node on dist/, with the workflow bundle built at image build time', () => {
    const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const entrypoint = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(runtime);
    expect(entrypoint).not.toBeNull();
    const command = JSON.parse(entrypoint![1]!) as string[];
    expect(command[0]).toBe('node');
    expect(command[1]).toMatch(/^dist\/.+\.js$/);
    expect(runtime).not.toMatch(/\btsx\b/);
    expect(runtime).toMatch(/WORKFLOW_BUNDLE_PATH=\/app\/dist\/workflow-bundle\.js/);
    expect(dockerfile).toMatch(/node dist\/worker\/build-bundle\.js dist\/workflow-bundle\.js/);
  });
});
