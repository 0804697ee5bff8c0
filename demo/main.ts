// Standalone demo platform: `tsx demo/main.ts` (DEMO_PORT, DEMO_DATA_DIR).
import { resolve } from 'node:path';
import { startDemoPlatform } from './server.js';

const port = Number(process.env['DEMO_PORT'] ?? 4100);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`DEMO_PORT must be a port number, got "${process.env['DEMO_PORT']}"`);
  process.exit(1);
}
const dataDir = resolve(process.env['DEMO_DATA_DIR'] ?? './data/demo');

const platform = await startDemoPlatform({ port, dataDir, logger: process.env['DEMO_LOG'] === '1' });
console.log(`Demo platform listening on ${platform.url} (data: ${dataDir})`);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal} received, stopping demo platform…`);
  try {
    await platform.close();
    process.exit(0);
  } catch (err) {
    console.error('demo platform did not stop cleanly:', err);
    process.exit(1);
  }
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
