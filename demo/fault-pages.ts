// Pages a driver only meets when the site fights back (see faults.ts): the captcha
// interstitial, the daily-limit notice, the "studio" upload layout experiment and a promo
// overlay. Each has a stable, realistic marker a driver can detect (listed in README.md).
import { CAPTION_MAX, esc, layout, type Viewer } from './pages.js';

/** Human check shown instead of the upload form (or instead of the post after a submit). */
export function captchaPage(opts: { viewer: Viewer; csrf: string; next: string }): string {
  return layout(
    'Verificación de seguridad',
    opts.viewer,
    `<section class="card narrow captcha-challenge" id="challenge" data-challenge="captcha">
  <h1>Verifica que eres una persona</h1>
  <p class="message" role="alert">Hemos detectado actividad inusual en tu cuenta. Completa la verificación para continuar.</p>
  <form method="post" action="/challenge" id="captcha" class="captcha">
    <input type="hidden" name="csrf" value="${esc(opts.csrf)}">
    <input type="hidden" name="next" value="${esc(opts.next)}">
    <label class="captcha-box" for="captcha-check"><input type="checkbox" name="human" value="1" id="captcha-check" required> No soy un robot</label>
    <button type="submit" id="captcha-submit">Verificar</button>
  </form>
</section>`,
  );
}

export function dailyLimitPage(viewer: Viewer): string {
  return layout(
    'Límite diario alcanzado',
    viewer,
    `<section class="card narrow" id="daily-limit" data-error="daily_limit">
  <h1>Límite diario alcanzado</h1>
  <p class="message" role="alert">Has alcanzado el límite de publicaciones de hoy. Podrás volver a publicar mañana.</p>
  <p><a href="/posts">Ver mis vídeos</a></p>
</section>`,
  );
}

/**
 * Upload layout "B" (a UI experiment): same backend fields (csrf, video, caption), but none of
 * the classic ids (#upload-form, #video, #caption, #publish) and a hidden file input behind a
 * styled picker, like modern upload studios.
 */
export function studioUploadPage(opts: { viewer: Viewer; csrf: string; overlay?: string }): string {
  return layout(
    'Crear publicación',
    opts.viewer,
    `<div class="card" data-layout="studio">
  <h1>Crear publicación</h1>
  <form method="post" enctype="multipart/form-data" action="/upload" class="studio-form" data-testid="studio-upload-form">
    <input type="hidden" name="csrf" value="${esc(opts.csrf)}">
    <div class="studio">
      <div class="studio-drop">
        <p>Arrastra tu vídeo aquí</p>
        <p class="hint" data-testid="studio-file-name">MP4, MOV o WebM · hasta 512 MB</p>
        <label class="studio-pick" for="studio-file-input">Seleccionar archivo</label>
        <input type="file" name="video" id="studio-file-input" class="sr-only" accept="video/*" data-testid="studio-file" required>
      </div>
      <div>
        <label for="studio-description">Descripción</label>
        <textarea name="caption" id="studio-description" data-testid="studio-description" maxlength="${CAPTION_MAX}" rows="8" placeholder="Añade una descripción y #hashtags"></textarea>
      </div>
    </div>
    <div class="studio-actions">
      <button type="submit" data-testid="studio-post-button" data-action="post">Publicar ahora</button>
    </div>
    <p class="hint" data-testid="studio-progress" role="status" hidden>Procesando tu vídeo…</p>
  </form>
</div>
<script>
  (function () {
    var form = document.querySelector('[data-testid="studio-upload-form"]');
    var input = document.getElementById('studio-file-input');
    input.addEventListener('change', function () {
      if (input.files && input.files[0]) document.querySelector('[data-testid="studio-file-name"]').textContent = input.files[0].name;
    });
    form.addEventListener('submit', function () {
      document.querySelector('[data-testid="studio-progress"]').hidden = false;
      document.querySelector('[data-testid="studio-post-button"]').disabled = true;
    });
  })();
</script>${opts.overlay ?? ''}`,
  );
}

/** A promo modal over the whole page: it takes every click until its own close button is used. */
export function promoOverlay(): string {
  return `
<div class="overlay" id="promo-overlay" role="dialog" aria-modal="true" aria-labelledby="promo-title" data-overlay="promo">
  <div class="overlay-card">
    <button type="button" class="overlay-close" id="promo-close" aria-label="Cerrar">×</button>
    <h2 id="promo-title">Novedad: programa tus vídeos</h2>
    <p>Ahora puedes elegir el día y la hora de publicación de cada vídeo. Pruébalo en tu próxima subida.</p>
  </div>
</div>
<script>
  document.getElementById('promo-close').addEventListener('click', function () {
    document.getElementById('promo-overlay').remove();
  });
</script>`;
}
