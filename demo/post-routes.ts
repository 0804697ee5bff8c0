// Upload, post pages, profiles, the own-posts list and media.
import { randomInt } from 'node:crypto';
import { rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  loginRedirect,
  normalizeUsername,
  randomToken,
  sessionExpiredRedirect,
  SESSION_COOKIE,
  tokensMatch,
  type CurrentSession,
} from './auth.js';
import { sessionOf, viewerOf, type DemoContext } from './context.js';
import { postCounters, profileFollowers } from './counters.js';
import { captchaPage, dailyLimitPage, promoOverlay, studioUploadPage } from './fault-pages.js';
import { DEFAULT_SLOW_UPLOAD_MS, discardBody } from './faults.js';
import { mimeForFile, receiveFile, sendFile, sniffVideo, type ReceivedFile } from './media.js';
import {
  CAPTION_MAX,
  messagePage,
  postPage,
  postsPage,
  postUnavailablePage,
  profilePage,
  uploadPage,
  type Viewer,
} from './pages.js';

const HTML = 'text/html; charset=utf-8';
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function newPostId(ctx: DemoContext): string {
  for (;;) {
    let id = '';
    for (let i = 0; i < 10; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
    if (!ctx.store.getPost(id)) return id;
  }
}

function toViewer(current: CurrentSession): Viewer {
  return { username: current.user.username, displayName: current.user.displayName };
}

/**
 * Session or a redirect to the login page that comes back here afterwards. A cookie the site
 * does not accept (expired, logged out elsewhere) adds "your session expired" to the login page.
 */
function requireSession(ctx: DemoContext, request: FastifyRequest, reply: FastifyReply): CurrentSession | null {
  const current = sessionOf(ctx, request);
  if (!current) {
    const target = request.cookies[SESSION_COOKIE] ? sessionExpiredRedirect(request) : loginRedirect(request);
    void reply.redirect(target, 302);
  }
  return current;
}

async function drain(stream: Readable): Promise<void> {
  // Extra file parts are ignored, but must be read for parsing to go on.
  stream.resume();
  await finished(stream);
}

interface UploadForm {
  fields: Record<string, string>;
  file: (ReceivedFile & { tmpPath: string; originalName: string; truncated: boolean }) | null;
}

/** Reads the whole multipart body; the video goes to a temp file in uploads/. */
async function readUploadForm(request: FastifyRequest, uploadsDir: string): Promise<UploadForm> {
  const form: UploadForm = { fields: {}, file: null };
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'video' || form.file) {
          await drain(part.file);
          continue;
        }
        const tmpPath = join(uploadsDir, `.incoming-${randomToken(12)}`);
        form.file = { tmpPath, originalName: part.filename, truncated: false, sizeBytes: 0, head: Buffer.alloc(0) };
        Object.assign(form.file, await receiveFile(part.file, tmpPath));
        form.file.truncated = part.file.truncated;
      } else if (typeof part.value === 'string') {
        form.fields[part.fieldname] = part.value;
      }
    }
  } catch (err) {
    if (form.file) await unlink(form.file.tmpPath).catch(() => undefined);
    throw err;
  }
  return form;
}

export function registerPostRoutes(app: FastifyInstance, ctx: DemoContext): void {
  const { store, faults } = ctx;

  app.get('/', async (request, reply) => reply.redirect(sessionOf(ctx, request) ? '/upload' : '/login', 302));

  app.get('/upload', async (request, reply) => {
    const current = requireSession(ctx, request, reply);
    if (!current) return reply;
    const viewer = toViewer(current);
    const csrf = current.session.csrf;
    if (faults.take('captcha', request)) return reply.type(HTML).send(captchaPage({ viewer, csrf, next: '/upload' }));
    const overlay = faults.take('overlay', request) ? promoOverlay() : undefined;
    const page = faults.take('variant_page', request)
      ? studioUploadPage({ viewer, csrf, overlay })
      : uploadPage({ viewer, csrf, overlay });
    return reply.type(HTML).send(page);
  });

  app.post('/upload', async (request, reply) => {
    const current = requireSession(ctx, request, reply);
    if (!current) return reply;
    if (faults.take('logged_out_mid_upload', request)) {
      await discardBody(request.raw);
      return reply.redirect(sessionExpiredRedirect(request), 302);
    }
    if (faults.take('stalled_upload', request)) return faults.hold(request, reply, 'stalled_upload');
    const viewer = toViewer(current);
    const fail = (code: number, error: string, caption?: string): FastifyReply =>
      reply.code(code).type(HTML).send(uploadPage({ viewer, csrf: current.session.csrf, error, caption }));

    if (!request.isMultipart()) return fail(400, 'El formulario no es válido. Vuelve a intentarlo.');
    let form: UploadForm;
    try {
      form = await readUploadForm(request, store.uploadsDir);
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (code.startsWith('FST_') && code.endsWith('LIMIT')) return fail(400, 'El formulario no es válido. Vuelve a intentarlo.');
      throw err;
    }
    const { fields, file } = form;
    const discard = (): Promise<void> => (file ? unlink(file.tmpPath).catch(() => undefined) : Promise.resolve());

    if (!tokensMatch(fields['csrf'], current.session.csrf)) {
      await discard();
      return reply
        .code(403)
        .type(HTML)
        .send(messagePage(viewer, 'Token CSRF inválido', 'Token CSRF inválido. Recarga la página e inténtalo de nuevo.'));
    }
    // Browsers submit textarea line breaks as CRLF; maxlength counts them as one character.
    const caption = (fields['caption'] ?? '').replace(/\r\n?/g, '\n');
    if (caption.length > CAPTION_MAX) {
      await discard();
      return fail(400, `La descripción supera los ${CAPTION_MAX} caracteres.`, caption);
    }
    if (!file || (file.sizeBytes === 0 && !file.originalName)) {
      await discard();
      return fail(400, 'Selecciona un vídeo para publicar.', caption);
    }
    if (file.truncated) {
      await discard();
      return fail(413, 'El archivo supera el límite de 512 MB.', caption);
    }
    const kind = sniffVideo(file.head);
    if (!kind) {
      await discard();
      return fail(400, 'El archivo no es un vídeo (MP4, MOV o WebM).', caption);
    }
    // The submission is valid; from here on the site may still refuse it or answer slowly.
    if (faults.take('captcha_after_submit', request)) {
      await discard();
      return reply.type(HTML).send(captchaPage({ viewer, csrf: current.session.csrf, next: '/upload' }));
    }
    if (faults.take('daily_limit', request)) {
      await discard();
      return reply.code(403).type(HTML).send(dailyLimitPage(viewer));
    }
    const slow = faults.take('slow_upload', request);
    if (slow && !(await faults.delay(request, slow.delayMs ?? DEFAULT_SLOW_UPLOAD_MS, 'slow_upload'))) {
      await discard(); // the server is shutting down: nothing is published
      return faults.reset(request, reply);
    }
    const id = newPostId(ctx);
    const filename = `${id}${kind.ext}`;
    await rename(file.tmpPath, join(store.uploadsDir, filename));
    await store.addPost({
      id,
      username: current.user.username,
      caption,
      createdAt: ctx.now(),
      sizeBytes: file.sizeBytes,
      filename,
      originalName: file.originalName,
    });
    const lost = faults.take('no_confirmation', request);
    if (lost) return lost.mode === 'reset' ? faults.reset(request, reply) : faults.hold(request, reply, 'no_confirmation');
    return reply.redirect(`/p/${id}`, 303);
  });

  app.get('/posts', async (request, reply) => {
    const current = requireSession(ctx, request, reply);
    if (!current) return reply;
    const posts = store.listPosts(current.user.username);
    return reply.type(HTML).send(postsPage({ viewer: toViewer(current), posts, nowMs: ctx.now() }));
  });

  app.get<{ Params: { id: string } }>('/p/:id', async (request, reply) => {
    const viewer = viewerOf(ctx, request);
    const post = store.getPost(request.params.id);
    // post_deleted: the post still exists, but this one answer says it is gone.
    if (!post || faults.take('post_deleted', request, { postId: post.id })) {
      return reply.code(404).type(HTML).send(postUnavailablePage(viewer));
    }
    const nowMs = ctx.now();
    const counters = postCounters(ctx.seed, post, nowMs);
    const metricsLayout = faults.take('metrics_layout_changed', request, { postId: post.id }) ? 'pills' : 'classic';
    return reply.type(HTML).send(postPage({ viewer, post, author: store.getUser(post.username), counters, nowMs, metricsLayout }));
  });

  app.get<{ Params: { username: string } }>('/u/:username', async (request, reply) => {
    const viewer = viewerOf(ctx, request);
    const user = store.getUser(normalizeUsername(request.params.username));
    if (!user) {
      return reply.code(404).type(HTML).send(messagePage(viewer, 'Usuario no encontrado', 'Esta cuenta no existe.'));
    }
    const nowMs = ctx.now();
    const followers = profileFollowers(ctx.seed, user, nowMs);
    const posts = store.listPosts(user.username);
    return reply.type(HTML).send(profilePage({ viewer, user, followers, posts, nowMs }));
  });

  app.get<{ Params: { id: string } }>('/media/:id', async (request, reply) => {
    const post = store.getPost(request.params.id);
    if (!post) return reply.code(404).type(HTML).send(messagePage(null, 'Vídeo no encontrado', 'Este vídeo no existe.'));
    try {
      return await sendFile(request, reply, join(store.uploadsDir, post.filename), mimeForFile(post.filename));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return reply.code(404).type(HTML).send(messagePage(null, 'Vídeo no encontrado', 'El archivo ya no está disponible.'));
      }
      throw err;
    }
  });
}
