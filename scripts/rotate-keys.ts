/**
 * `npm run rotate-keys` (in the image: `node dist/scripts/rotate-keys.js`): with `AUTH_ENCRYPTION_KEYS=new,old…`
 * re-encrypts every encrypted column (db/secret-columns.ts) to a v2 envelope under the first key, then checks that
 * every value opens with that key alone. Pages of `--batch` rows (default 200) in id order; each row is swapped in
 * its own statement, only if it did not change meanwhile (a worker saving a session wins; the next run takes it).
 * Values already v2 under the new key are left alone, so a run can be stopped and started again at any point.
 * Prints counts and the ids that failed (never a value); exits 1 when anything could not be rotated or verified.
 * Embedded PGlite (no DATABASE_URL): stop the app first, PGlite has one process.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config.js';
import { decryptJson, encryptJson, envelopeKeyId, keyringOf, UndecryptableSecret, type Keyring } from '../crypto/secrets.js';
import { openDatabase, type Db } from '../db/client.js';
import { encryptedColumns, encryptedValuesPage, replaceEncryptedValue, type EncryptedColumn } from '../db/secret-columns.js';

export interface ColumnReport {
  column: string;
  scanned: number;
  rotated: number;
  alreadyCurrent: number;
  /** Changed by someone else between the read and the swap: left as is (re-run to take it). */
  changedMeanwhile: number;
  failures: { id: string; reason: string }[];
}

export interface VerifyReport {
  column: string;
  checked: number;
  failures: { id: string; reason: string }[];
}

const reasonOf = (error: unknown) => (error instanceof UndecryptableSecret ? error.reason : 'error');

async function eachPage(db: Db, target: EncryptedColumn, batch: number, visit: (row: { id: string; value: string }) => Promise<void>) {
  let after: string | null = null;
  for (;;) {
    const page = await encryptedValuesPage(db, target, after, batch);
    for (const row of page) await visit(row);
    if (page.length < batch) return;
    after = page.at(-1)!.id;
  }
}

/** Re-encrypts every value not yet v2 under `keyring.current` (read with any key of the ring). */
export async function rotateSecrets(db: Db, keyring: Keyring, opts: { batch?: number } = {}): Promise<ColumnReport[]> {
  const batch = opts.batch ?? 200;
  const reports: ColumnReport[] = [];
  for (const target of encryptedColumns) {
    const report: ColumnReport = { column: target.name, scanned: 0, rotated: 0, alreadyCurrent: 0, changedMeanwhile: 0, failures: [] };
    await eachPage(db, target, batch, async ({ id, value }) => {
      report.scanned++;
      const binding = target.binding(id);
      let clear: unknown;
      try {
        clear = decryptJson(keyring, binding, value);
      } catch (error) {
        report.failures.push({ id, reason: reasonOf(error) });
        return;
      }
      if (envelopeKeyId(value) === keyring.current.id) {
        report.alreadyCurrent++;
        return;
      }
      if (await replaceEncryptedValue(db, target, id, value, encryptJson(keyring, binding, clear))) report.rotated++;
      else report.changedMeanwhile++;
    });
    reports.push(report);
  }
  return reports;
}

/** Opens every value with the current key alone (what remains once the old keys are removed from the config). */
export async function verifySecrets(db: Db, keyring: Keyring, opts: { batch?: number } = {}): Promise<VerifyReport[]> {
  const onlyCurrent = keyringOf([keyring.current.key]);
  const reports: VerifyReport[] = [];
  for (const target of encryptedColumns) {
    const report: VerifyReport = { column: target.name, checked: 0, failures: [] };
    await eachPage(db, target, opts.batch ?? 200, async ({ id, value }) => {
      report.checked++;
      try {
        if (envelopeKeyId(value) !== onlyCurrent.current.id) throw new UndecryptableSecret('unknown_key', 'not under the current key');
        decryptJson(onlyCurrent, target.binding(id), value);
      } catch (error) {
        report.failures.push({ id, reason: reasonOf(error) });
      }
    });
    reports.push(report);
  }
  return reports;
}

async function main() {
  const batchArg = process.argv.indexOf('--batch');
  const batch = batchArg > 0 ? Number(process.argv[batchArg + 1]) : 200;
  if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) throw new Error('--batch: an integer from 1 to 10000');
  if (!process.env.AUTH_ENCRYPTION_KEYS && !process.env.AUTH_ENCRYPTION_KEY) {
    console.warn('AUTH_ENCRYPTION_KEYS is not set: using the generated key of DATA_DIR/secrets.json (nothing to rotate to)');
  }
  const config = loadConfig();
  const { keyring } = config;
  console.log(`current key ${keyring.current.id}; also accepted: ${keyring.keys.slice(1).map((k) => k.id).join(', ') || 'none'}`);
  const handle = await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: `${config.dataDir}/pglite`, poolMax: 2, lockConnections: 1 });
  try {
    const rotated = await rotateSecrets(handle.db, keyring, { batch });
    for (const r of rotated) {
      console.log(`${r.column}: ${r.scanned} values, ${r.rotated} re-encrypted, ${r.alreadyCurrent} already current, ${r.changedMeanwhile} changed meanwhile, ${r.failures.length} unreadable`);
      for (const f of r.failures) console.log(`  unreadable: id ${f.id} (${f.reason})`);
    }
    const verified = await verifySecrets(handle.db, keyring, { batch });
    for (const v of verified) {
      console.log(`verify ${v.column}: ${v.checked - v.failures.length}/${v.checked} open with key ${keyring.current.id} alone`);
      for (const f of v.failures) console.log(`  fails: id ${f.id} (${f.reason})`);
    }
    const bad = verified.some((v) => v.failures.length > 0) || rotated.some((r) => r.failures.length > 0 || r.changedMeanwhile > 0);
    if (bad) {
      console.log('not done: re-run (values changed meanwhile), or fix / clear the unreadable values; keep the old keys configured until then');
      process.exitCode = 1;
    } else {
      console.log('done: every value is under the current key; the old keys may be removed from AUTH_ENCRYPTION_KEYS');
    }
  } finally {
    await handle.close();
  }
}

const invokedDirectly = process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (invokedDirectly) {
  main().catch((error: Error) => {
    console.error(`rotate-keys failed: ${error.message}`);
    process.exitCode = 1;
  });
}
