/**
 * `node dist/db/pglite-init.js DIR` (or `tsx db/pglite-init.ts DIR`): creates the embedded PGlite database in DIR and
 * applies the migrations, then exits. openDatabase runs it in a child process when DIR holds no database yet: PGlite's
 * initdb starts a second PostgreSQL and an initdb WebAssembly instance and copies the new cluster through a tar in
 * memory — ~700 MB RSS at its peak, of which the long-running process kept ~90 MB for good (malloc fragmentation), and
 * all of it until a major collection happened to come (bench/README.md, issue 16). In a child it all goes away.
 */
import { openDatabase } from './client.js';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: pglite-init DIR');
  process.exit(2);
}
const handle = await openDatabase({ pgliteDir: dir, initInThisProcess: true });
await handle.close();
