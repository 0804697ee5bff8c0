/** `npm run temporal` — prints the Temporal CLI path, building the pinned version if needed. */
import { findTemporalCli } from './temporal.js';

try {
  console.log(await findTemporalCli({ build: true }));
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
