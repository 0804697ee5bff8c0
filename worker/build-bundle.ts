/**
 * `node dist/worker/build-bundle.js OUT` (or `tsx worker/build-bundle.ts OUT`): writes the workflow bundle to OUT.
 * The image runs it at build time (WORKFLOW_BUNDLE_PATH); a worker without one runs it in a child process, so
 * webpack's ~100 MB never enter the long-running process (worker/index.ts workflowBundleFile).
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';

function workflowsPath(): string {
  const ts = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
  return existsSync(ts) ? ts : fileURLToPath(new URL('../workflows/index.js', import.meta.url));
}

const out = process.argv[2];
if (!out) {
  console.error('usage: build-bundle OUT');
  process.exit(2);
}
const quiet = () => undefined;
const { code } = await bundleWorkflowCode({
  workflowsPath: workflowsPath(),
  logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: (message) => console.warn(message), error: (message) => console.error(message) },
});
await writeFile(out, code);
