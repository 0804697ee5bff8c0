/** Read side of publications for the dashboard and the API: the list with names an admin reads. */
import type { Db } from '../db/client.js';
import { listPublications, type PublicationListFilter } from '../db/publications.js';

export type { PublicationListFilter };
export type PublicationRow = Awaited<ReturnType<typeof listPublications>>[number];

/** Publications joined with their model, platform and account names, newest first (at most `limit`, default 200). */
export async function findPublications(db: Db, filter: PublicationListFilter = {}): Promise<PublicationRow[]> {
  return listPublications(db, filter);
}
