/** `npx tsx scripts/ensure-time-skipping-server.ts` — prints the time-skipping server's path, building it if needed. */
import { findTimeSkippingServer } from './time-skipping-server.js';

try {
  console.log(await findTimeSkippingServer({ build: true }));
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
