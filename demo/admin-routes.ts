// Test/setup endpoints under /__admin (JSON). Not something a real site exposes; the
// quickstart seeds accounts and the e2e tests count posts through them.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { hashPassword, normalizeUsername, verifyPassword } from './auth.js';
import type { DemoContext } from './context.js';
import { postCounters } from './counters.js';

const userBody = z.object({
  username: z
    .string()
    .trim()
    .regex(/^@?[A-Za-z0-9_.]{2,30}$/, 'debe tener 2–30 letras, números, "_" o "."'),
  password: z.string().min(1, 'no puede estar vacía').max(256),
  displayName: z.string().trim().min(1).max(60).optional(),
});

export function registerAdminRoutes(app: FastifyInstance, ctx: DemoContext): void {
  const { store } = ctx;

  // Create or update (idempotent). Existing sessions stay valid so re-seeding on every
  // start never logs a saved browser session out.
  app.post('/__admin/users', async (request, reply) => {
    const parsed = userBody.safeParse(request.body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }));
      return reply.code(400).send({
        error: `invalid body: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
        issues,
      });
    }
    const username = normalizeUsername(parsed.data.username);
    const existing = store.getUser(username);
    const displayName = parsed.data.displayName ?? existing?.displayName ?? username;
    const samePassword = existing ? await verifyPassword(existing, parsed.data.password) : false;
    if (!existing || !samePassword || existing.displayName !== displayName) {
      const secret = samePassword && existing
        ? { passwordSalt: existing.passwordSalt, passwordHash: existing.passwordHash }
        : await hashPassword(parsed.data.password);
      await store.putUser({ username, displayName, ...secret, createdAt: existing?.createdAt ?? ctx.now() });
    }
    return reply.code(200).send({ username });
  });

  app.get('/__admin/posts', async (request) => {
    const nowMs = ctx.now();
    const base = `${request.protocol}://${request.host}`;
    return {
      posts: store.listPosts().map((post) => ({
        id: post.id,
        username: post.username,
        caption: post.caption,
        url: `${base}/p/${post.id}`,
        createdAt: new Date(post.createdAt).toISOString(),
        ...postCounters(ctx.seed, post, nowMs),
      })),
    };
  });
}
