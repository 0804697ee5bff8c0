/** Every selector and path the demo driver relies on, in one place (a layout change is a one-file fix). */
export const demoPaths = {
  login: '/login',
  upload: '/upload',
  myPosts: '/posts',
  postPattern: /^\/p\/([a-z0-9]+)$/,
};

export const demoLocators = {
  /** Positive logged-in marker: only a live session renders the account menu. */
  loggedInMarker: '#account-menu',
  login: { form: '#login-form', username: '#username', password: '#password', submit: '#login-submit', error: '#form-error' },
  /** The two upload layouts the site serves (the "studio" one is a UI experiment). */
  uploadLayouts: [
    { name: 'classic', root: '#upload-form', file: '#video', caption: '#caption', submit: '#publish' },
    {
      name: 'studio', root: '[data-layout="studio"]', file: '[data-testid="studio-file"]',
      caption: '[data-testid="studio-description"]', submit: '[data-testid="studio-post-button"]',
    },
  ],
  /** Modal promos that swallow clicks until closed. */
  overlay: '#promo-overlay, [role="dialog"][aria-modal="true"]',
  overlayClose: '#promo-close, [role="dialog"] [aria-label="Cerrar"], [role="dialog"] [aria-label="Close"]',
  captcha: '#captcha, .captcha, [data-challenge]',
  dailyLimit: '#daily-limit, [data-error="daily_limit"]',
  errorPage: '#error-page',
  postUnavailable: '#post-unavailable',
  post: 'article.post[data-post-id]',
  postCaption: 'article.post .caption',
  postLinks: 'a.post-link[href^="/p/"]',
  metric: (name: string) => `[data-metric="${name}"]`,
};

/** Counters the demo post page shows (shares are not displayed there). */
export const demoMetricNames = ['views', 'likes', 'comments'] as const;
