/**
 * A worker for test/stream-source.test.ts in its own OS process, so the test can SIGKILL it like a crashed machine: the
 * whole workflow bundle and the stream activities on the test's own task queue (STREAM_TEST_QUEUE), with the worker's
 * error scrubbing, configured from the environment like the app (CHATURBATE_* pointing at the fake).
 * Prints "stream worker running" once it polls.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { pino } from 'pino';
import { createStreamActivities } from '../../activities/streams/index.js';
import { loadConfig } from '../../config.js';
import { openDatabase } from '../../db/client.js';
import { scrubActivityErrors } from '../../worker/scrub-errors.js';

const config = loadConfig(process.env);
const handle = await openDatabase({ databaseUrl: config.databaseUrl });
const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
const worker = await Worker.create({
  connection,
  namespace: config.temporal.namespace,
  taskQueue: process.env.STREAM_TEST_QUEUE!,
  workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE_PATH! },
  activities: createStreamActivities({ db: handle.db, config, log: pino({ level: 'warn' }) }),
  interceptors: { activity: [scrubActivityErrors] },
});
const running = worker.run();
console.log('stream worker running');
await running;
await handle.close();
