// Server-rendered HTML. Every dynamic value goes through esc(); Spanish UI text.
import { formatCount, type PostCounters } from './counters.js';
import type { Post, User } from './store.js';

export const SITE_NAME = 'Clipo';
export const CAPTION_MAX = 2200;

export function esc(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export interface Viewer {
  username: string;
  displayName: string;
}

function header(viewer: Viewer | null): string {
  const nav = viewer
    ? `<a href="/upload" id="nav-upload">Subir</a>
      <a href="/posts" id="nav-posts">Mis vídeos</a>
      <a id="account-menu" data-username="${esc(viewer.username)}" href="/u/${encodeURIComponent(viewer.username)}" title="${esc(viewer.displayName)}">@${esc(viewer.username)}</a>
      <form method="post" action="/logout" id="logout-form" class="inline"><button type="submit" id="logout" class="link">Cerrar sesión</button></form>`
    : `<a href="/login" id="nav-login">Entrar</a>`;
  return `<header class="topbar"><a class="brand" href="/">${SITE_NAME}</a><nav>${nav}</nav></header>`;
}

export function layout(title: string, viewer: Viewer | null, body: string): string {
  return `<!doctype html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · ${SITE_NAME}</title>
<link rel="stylesheet" href="/assets/site.css">
</head>
<body>
${header(viewer)}
<main>
${body}
</main>
<footer class="footer">${SITE_NAME} · plataforma de demostración</footer>
</body>
</html>`;
}

function errorBlock(error: string | undefined): string {
  return error ? `<p class="error" id="form-error" role="alert">${esc(error)}</p>` : '';
}

export function loginPage(opts: {
  csrf: string;
  next: string | null;
  error?: string;
  username?: string;
  sessionExpired?: boolean;
}): string {
  const next = opts.next ? `<input type="hidden" name="next" value="${esc(opts.next)}">` : '';
  const notice = opts.sessionExpired
    ? '<p class="notice" id="session-expired" role="status">Tu sesión ha caducado. Vuelve a iniciar sesión.</p>'
    : '';
  return layout(
    'Iniciar sesión',
    null,
    `<section class="card narrow">
  <h1>Inicia sesión</h1>
  ${notice}
  ${errorBlock(opts.error)}
  <form method="post" action="/login" id="login-form">
    <input type="hidden" name="csrf" value="${esc(opts.csrf)}">
    ${next}
    <label for="username">Usuario</label>
    <input name="username" id="username" autocomplete="username" required value="${esc(opts.username ?? '')}">
    <label for="password">Contraseña</label>
    <input type="password" name="password" id="password" autocomplete="current-password" required>
    <button type="submit" id="login-submit">Entrar</button>
  </form>
</section>`,
  );
}

export function messagePage(viewer: Viewer | null, title: string, message: string): string {
  return layout(
    title,
    viewer,
    `<section class="card narrow"><h1>${esc(title)}</h1><p class="message" role="alert">${esc(message)}</p>
<p><a href="/">Volver al inicio</a></p></section>`,
  );
}

const STATUS_TEXT: Record<number, [string, string]> = {
  429: ['Demasiadas solicitudes', 'Has hecho demasiadas solicitudes en poco tiempo. Espera un momento y vuelve a intentarlo.'],
  500: ['Algo salió mal', 'Se produjo un error inesperado. Inténtalo de nuevo más tarde.'],
};

/** The site's generic error page (5xx, 429): no session chrome, like a failing backend. */
export function errorPage(status: number): string {
  const [title, text] = STATUS_TEXT[status] ?? STATUS_TEXT[500]!;
  return layout(
    title,
    null,
    `<section class="card narrow error-page" id="error-page" data-status="${status}"><h1>${esc(title)}</h1>
<p class="message" role="alert">${esc(text)}</p>
<p class="muted">Código de error: ${status}</p></section>`,
  );
}

/** What a missing or removed post shows (also served by the post_deleted fault). */
export function postUnavailablePage(viewer: Viewer | null): string {
  return layout(
    'Vídeo no disponible',
    viewer,
    `<section class="card narrow" id="post-unavailable"><h1>Vídeo no disponible</h1>
<p class="message" role="alert">Este vídeo ya no está disponible.</p>
<p><a href="/">Volver al inicio</a></p></section>`,
  );
}

/** `overlay` is extra markup placed over the page (see fault-pages.ts). */
export function uploadPage(opts: { viewer: Viewer; csrf: string; error?: string; caption?: string; overlay?: string }): string {
  return layout(
    'Subir vídeo',
    opts.viewer,
    `<section class="card">
  <h1>Subir vídeo</h1>
  ${errorBlock(opts.error)}
  <form method="post" enctype="multipart/form-data" action="/upload" id="upload-form">
    <input type="hidden" name="csrf" value="${esc(opts.csrf)}">
    <label for="video">Vídeo</label>
    <input type="file" name="video" id="video" accept="video/*" required>
    <p class="hint">MP4, MOV o WebM. Máximo 512 MB.</p>
    <label for="caption">Descripción</label>
    <textarea name="caption" id="caption" maxlength="${CAPTION_MAX}" rows="5" placeholder="Cuenta algo sobre tu vídeo… #hashtags">${esc(opts.caption ?? '')}</textarea>
    <button type="submit" id="publish">Publicar</button>
    <p id="upload-status" class="hint" hidden>Subiendo vídeo… no cierres esta página.</p>
  </form>
</section>
<script>
  // Like real sites: show progress text and stop double submits while the upload runs.
  document.getElementById('upload-form').addEventListener('submit', function () {
    document.getElementById('upload-status').hidden = false;
    document.getElementById('publish').disabled = true;
  });
</script>${opts.overlay ?? ''}`,
  );
}

function metric(name: string, label: string, value: number): string {
  return `<li><span class="metric" data-metric="${name}" title="${value}">${formatCount(value)}</span> <span class="metric-label">${label}</span></li>`;
}

const METRIC_LABELS: Array<[keyof PostCounters, string]> = [
  ['views', 'reproducciones'],
  ['likes', 'me gusta'],
  ['comments', 'comentarios'],
];

/** Counters markup: "classic" is the usual one; "pills" is the redesign (metrics_layout_changed). */
export type MetricsLayout = 'classic' | 'pills';

function metricsBlock(counters: PostCounters, layout: MetricsLayout): string {
  if (layout === 'classic') {
    return `<ul class="metrics">
      ${METRIC_LABELS.map(([name, label]) => metric(name, label, counters[name])).join('\n      ')}
    </ul>`;
  }
  const pills = METRIC_LABELS.map(
    ([name, label]) =>
      `<button type="button" class="stat-pill stat-pill--${name}" aria-label="${counters[name]} ${label}"><strong class="stat-pill__value">${formatCount(counters[name])}</strong></button>`,
  );
  return `<div class="engagement-bar" role="group" aria-label="Estadísticas">
      ${pills.join('\n      ')}
    </div>`;
}

/** "hace 5 min" style text, as short-video sites show it. */
export function relativeTime(fromMs: number, nowMs: number): string {
  const s = Math.max(0, Math.floor((nowMs - fromMs) / 1000));
  if (s < 60) return 'hace unos segundos';
  const m = Math.floor(s / 60);
  if (m < 60) return `hace ${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return `hace ${h} h`;
  const d = Math.floor(h / 24);
  if (d < 30) return `hace ${d} d`;
  return new Date(fromMs).toLocaleDateString('es-ES', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' });
}

function timeTag(ms: number, nowMs: number): string {
  const iso = new Date(ms).toISOString();
  return `<time class="created" datetime="${iso}" title="${iso}">${esc(relativeTime(ms, nowMs))}</time>`;
}

export function postPage(opts: {
  viewer: Viewer | null;
  post: Post;
  author: User | undefined;
  counters: PostCounters;
  nowMs: number;
  metricsLayout?: MetricsLayout;
}): string {
  const { post, counters } = opts;
  const author = opts.author?.displayName ?? post.username;
  return layout(
    `Vídeo de @${post.username}`,
    opts.viewer,
    `<article class="post card" data-post-id="${esc(post.id)}">
  <video controls preload="metadata" src="/media/${encodeURIComponent(post.id)}"></video>
  <div class="post-body">
    <p class="author"><a class="author-link" href="/u/${encodeURIComponent(post.username)}">@${esc(post.username)}</a> <span class="muted">${esc(author)}</span> · ${timeTag(post.createdAt, opts.nowMs)}</p>
    <p class="caption">${esc(post.caption)}</p>
    ${metricsBlock(counters, opts.metricsLayout ?? 'classic')}
  </div>
</article>`,
  );
}

function excerpt(caption: string, max = 120): string {
  const oneLine = caption.replace(/\s+/g, ' ').trim();
  if (!oneLine) return 'Sin descripción';
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

function postList(posts: Post[], nowMs: number, emptyText: string): string {
  if (posts.length === 0) return `<p class="muted" id="no-posts">${esc(emptyText)}</p>`;
  const items = posts
    .map(
      (p) => `<li class="post-item" data-post-id="${esc(p.id)}"><a class="post-link" href="/p/${encodeURIComponent(p.id)}">${esc(excerpt(p.caption))}</a> <span class="muted">${timeTag(p.createdAt, nowMs)}</span></li>`,
    )
    .join('\n');
  return `<ul class="post-list">\n${items}\n</ul>`;
}

export function profilePage(opts: { viewer: Viewer | null; user: User; followers: number; posts: Post[]; nowMs: number }): string {
  const { user } = opts;
  return layout(
    `@${user.username}`,
    opts.viewer,
    `<section class="card profile" data-username="${esc(user.username)}">
  <h1>${esc(user.displayName)}</h1>
  <p class="muted">@${esc(user.username)}</p>
  <ul class="metrics">
    <li><span class="metric" data-metric="followers" title="${opts.followers}">${formatCount(opts.followers)}</span> <span class="metric-label">seguidores</span></li>
    <li><span class="metric" data-metric="posts" title="${opts.posts.length}">${formatCount(opts.posts.length)}</span> <span class="metric-label">vídeos</span></li>
  </ul>
  <h2>Vídeos</h2>
  ${postList(opts.posts, opts.nowMs, 'Todavía no hay vídeos.')}
</section>`,
  );
}

export function postsPage(opts: { viewer: Viewer; posts: Post[]; nowMs: number }): string {
  return layout(
    'Mis vídeos',
    opts.viewer,
    `<section class="card">
  <h1>Mis vídeos</h1>
  ${postList(opts.posts, opts.nowMs, 'Todavía no has publicado ningún vídeo.')}
  <p><a href="/upload">Subir un vídeo</a></p>
</section>`,
  );
}

export const SITE_CSS = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f4f6;color:#16161d}
a{color:#e0245e;text-decoration:none}a:hover{text-decoration:underline}
.topbar{display:flex;align-items:center;justify-content:space-between;padding:.75rem 1.5rem;background:#fff;border-bottom:1px solid #e3e3e8}
.brand{font-weight:800;font-size:1.25rem;color:#16161d}
.topbar nav{display:flex;gap:1rem;align-items:center}
main{max-width:720px;margin:2rem auto;padding:0 1rem}
.card{background:#fff;border:1px solid #e3e3e8;border-radius:12px;padding:1.5rem;margin-bottom:1.5rem}
.narrow{max-width:380px;margin:0 auto}
h1{margin:0 0 1rem;font-size:1.4rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input:not([type=hidden]),textarea{width:100%;padding:.55rem .7rem;border:1px solid #cfcfd6;border-radius:8px;font:inherit}
textarea{resize:vertical}
button{margin-top:1rem;padding:.6rem 1.4rem;border:0;border-radius:8px;background:#e0245e;color:#fff;font:inherit;font-weight:600;cursor:pointer}
button:disabled{opacity:.6;cursor:progress}
button.link{margin:0;padding:0;background:none;color:#555;font-weight:400}
form.inline{display:inline}
.error{background:#fde8ee;color:#a3123f;border-radius:8px;padding:.6rem .8rem}
.hint,.muted{color:#6b6b78;font-size:.9rem}
.post video{width:100%;max-height:70vh;background:#000;border-radius:8px}
.caption{white-space:pre-wrap;overflow-wrap:anywhere}
.metrics{display:flex;gap:1.5rem;list-style:none;padding:0;margin:1rem 0 0}
.metric{font-weight:700;font-size:1.1rem}
.post-list{list-style:none;padding:0;margin:0}
.post-item{padding:.6rem 0;border-bottom:1px solid #eee}
.footer{text-align:center;color:#9a9aa6;font-size:.8rem;padding:2rem 0}
.notice{background:#fff6dd;color:#6b4e00;border-radius:8px;padding:.6rem .8rem}
.engagement-bar{display:flex;gap:.5rem;margin-top:1rem}
.stat-pill{margin:0;padding:.35rem .9rem;border-radius:999px;background:#f0f0f4;color:#16161d;font-weight:400}
.overlay{position:fixed;inset:0;z-index:1000;display:flex;align-items:center;justify-content:center;background:rgba(10,10,20,.6)}
.overlay-card{position:relative;max-width:420px;margin:1rem;background:#fff;border-radius:16px;padding:1.75rem 1.5rem 1.5rem}
.overlay-close{position:absolute;top:.5rem;right:.5rem;margin:0;padding:.2rem .6rem;background:none;color:#555;font-size:1.4rem;line-height:1}
.studio{display:grid;grid-template-columns:1fr 1fr;gap:1.5rem}
.studio-drop{display:flex;flex-direction:column;align-items:center;justify-content:center;min-height:220px;border:2px dashed #cfcfd6;border-radius:12px;text-align:center;padding:1rem}
.studio-pick{display:inline-block;margin-top:.75rem;padding:.5rem 1.1rem;border-radius:8px;background:#16161d;color:#fff;cursor:pointer;font-weight:600}
input.sr-only,.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
.studio-actions{display:flex;justify-content:flex-end;gap:.75rem}
.captcha-box{display:flex;align-items:center;gap:.6rem;border:1px solid #cfcfd6;border-radius:8px;padding:.8rem;margin:1rem 0}
.captcha-box input{width:auto}
`;
