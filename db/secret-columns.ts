/**
 * The encrypted columns (crypto/secrets.ts envelopes), for `npm run rotate-keys`: read them in id order, a page at a
 * time, and swap one value for its re-encryption only if nobody changed it meanwhile.
 */
import { and, asc, eq, gt, isNotNull } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { secretBindings, type SecretBinding } from '../crypto/secrets.js';
import type { Db } from './client.js';
import { platformAccounts, publications, streamSources } from './schema.js';

export interface EncryptedColumn {
  /** `table.column`, for reports. */
  name: string;
  table: PgTable;
  id: PgColumn;
  column: PgColumn;
  binding: (rowId: string) => SecretBinding;
}

/** Every column holding an envelope; a new one is added here (and bound in crypto/secrets.ts `secretBindings`). */
export const encryptedColumns: readonly EncryptedColumn[] = [
  { name: 'platform_accounts.auth_data', table: platformAccounts, id: platformAccounts.id, column: platformAccounts.authData, binding: secretBindings.accountAuthData },
  { name: 'platform_accounts.proxy_encrypted', table: platformAccounts, id: platformAccounts.id, column: platformAccounts.proxyEncrypted, binding: secretBindings.accountProxy },
  { name: 'publications.driver_progress', table: publications, id: publications.id, column: publications.driverProgress, binding: secretBindings.publicationDriverProgress },
  { name: 'stream_sources.events_token_encrypted', table: streamSources, id: streamSources.id, column: streamSources.eventsTokenEncrypted, binding: secretBindings.streamSourceEventsToken },
  { name: 'stream_sources.stats_token_encrypted', table: streamSources, id: streamSources.id, column: streamSources.statsTokenEncrypted, binding: secretBindings.streamSourceStatsToken },
  { name: 'stream_sources.events_next_url_encrypted', table: streamSources, id: streamSources.id, column: streamSources.eventsNextUrlEncrypted, binding: secretBindings.streamSourceEventsNextUrl },
];

/** The next page of non-null values after `afterId`, in id order (keyset: a restart continues from any id). */
export async function encryptedValuesPage(db: Db, target: EncryptedColumn, afterId: string | null, limit: number): Promise<{ id: string; value: string }[]> {
  const notNull = isNotNull(target.column);
  const rows = await db.select({ id: target.id, value: target.column }).from(target.table)
    .where(afterId === null ? notNull : and(notNull, gt(target.id, afterId)))
    .orderBy(asc(target.id)).limit(limit);
  return rows as { id: string; value: string }[];
}

/** Replaces one value, in its own statement (its own transaction), only if it is still `previous`; false when it changed. */
export async function replaceEncryptedValue(db: Db, target: EncryptedColumn, id: string, previous: string, next: string): Promise<boolean> {
  const updated = await db.update(target.table).set({ [columnKey(target)]: next })
    .where(and(eq(target.id, id), eq(target.column, previous))).returning({ id: target.id });
  return updated.length > 0;
}

/** The property name drizzle knows the column by (its key in the table object). */
function columnKey(target: EncryptedColumn): string {
  const entry = Object.entries(target.table).find(([, value]) => value === target.column);
  if (!entry) throw new Error(`${target.name} is not a column of its table`);
  return entry[0];
}
