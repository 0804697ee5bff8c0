import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes SQL migrations to db/migrations; both drivers apply the same files.
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema.ts',
  out: './db/migrations',
});
