/** GET /api/storage: disk use per kind under DATA_DIR, the database's size and the free disk (the Ajustes page's panel). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorReplies } from '../../contracts/api/common.js';
import { StorageUsage } from '../../contracts/api/storage.js';
import { storageUsage } from '../../services/storage.js';
import { tags } from '../route-docs.js';

export const storageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireAuth);
  const { db, config } = app.deps;

  app.get(
    '/api/storage',
    {
      schema: {
        tags: [tags.settings],
        summary: 'Disk use per kind (originals, variants, thumbnails, evidence, incoming), the database and the free disk',
        description:
          'Measured by a bounded walk of DATA_DIR (at most 200,000 entries and 5 s: past that `partial` is true and the ' +
          'figures are lower bounds) and cached for a minute. `disk.low`: below MIN_FREE_DISK_MB, uploads get 507.',
        response: { 200: StorageUsage, ...errorReplies },
      },
    },
    async () => storageUsage({
      db, dbKind: config.databaseUrl ? 'postgres' : 'pglite', dataDir: config.dataDir, mediaDir: config.mediaDir,
      evidenceDir: config.evidenceDir, minFreeDiskBytes: config.storage.minFreeDiskBytes,
    }),
  );
};
