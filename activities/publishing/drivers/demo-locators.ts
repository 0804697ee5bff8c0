/** Every selector and path the demo driver relies on, in one place (a layout change is a one-file fix). */
export const demoPaths = {
  upload: '/upload',
  myPosts: '/posts',
  loginPrefix: '/login',
  postPattern: /\/p\/([a-z0-9]+)$/,
};

export const demoLocators = {
  loggedInMarker: '#account-menu',
  videoInput: '#video',
  captionInput: '#caption',
  publishButton: '#publish',
  postArticle: 'article.post',
  postLinks: 'a[href^="/p/"]',
  metric: (name: 'views' | 'likes' | 'comments') => `[data-metric="${name}"]`,
  captcha: '#captcha, .captcha',
};
