/** The same end-to-end path in the embedded default: PGlite under the data dir instead of PostgreSQL. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './helpers/stack.js';
import { publishOneVideo } from './helpers/thin-path.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ embedded: true });
});
afterAll(async () => {
  await stack?.close();
});

it('publishes a video end to end on embedded PGlite', async () => {
  expect(stack.app.db.kind).toBe('pglite');
  const { elapsedMs } = await publishOneVideo(stack, 'Vídeo en modo embebido');
  console.log(`end-to-end time of one video (PGlite): ${elapsedMs} ms`);
});
