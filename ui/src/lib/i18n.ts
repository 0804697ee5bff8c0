// The dashboard's whole vocabulary. Spanish is the product language (PRD); English is
// a courtesy. Kept pure (no SvelteKit imports) so hooks, loads and tests can all use it.

export const LANGS = ['es', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = 'es';
export const LANG_COOKIE = 'lang';

const es = {
	'brand': '100-Tráfico',
	'brand.tagline': 'Panel de tráfico',
	'nav.publications': 'Publicaciones',
	'nav.accounts': 'Cuentas',
	'nav.main': 'Navegación principal',
	'lang.label': 'Idioma',
	'logout': 'Cerrar sesión',

	'login.title': 'Acceso de administración',
	'login.password': 'Contraseña',
	'login.submit': 'Entrar',
	'login.error': 'Contraseña incorrecta',

	'publications.title': 'Publicaciones',
	'publications.summary': 'Resumen por estado',
	'publications.filter': 'Filtrar por estado',
	'publications.empty': 'Todavía no hay publicaciones. Envía un vídeo por el bot o por la API.',
	'publications.emptyFiltered': 'No hay publicaciones con este estado.',
	'publications.loadError':
		'No se pudieron cargar las publicaciones. Comprueba que el servidor está en marcha y vuelve a intentarlo.',
	'publications.retry': 'Reintentar',
	'publications.count': '{n} publicaciones',

	'col.status': 'Estado',
	'col.model': 'Modelo',
	'col.platform': 'Plataforma',
	'col.account': 'Cuenta',
	'col.scheduled': 'Programada (UTC)',
	'col.published': 'Publicada (UTC)',
	'col.attempts': 'Intentos',
	'col.lastError': 'Último error',
	'col.links': 'Enlaces',
	'link.post': 'Ver publicación',
	'link.workflow': 'Workflow',
	'link.evidence': 'Evidencia',

	'evidence.title': 'Evidencia',
	'evidence.subtitle': 'Publicación {id}',
	'evidence.back': 'Volver a publicaciones',
	'evidence.empty': 'No hay evidencia guardada para esta publicación.',
	'evidence.loadError': 'No se pudo cargar la evidencia. Vuelve a intentarlo.',
	'evidence.attempt': 'Intento {n}',
	'evidence.capturedAt': 'Capturada (UTC)',
	'evidence.error': 'Error',
	'evidence.url': 'Página',
	'evidence.files': 'Archivos',
	'evidence.file.trace.zip': 'Traza de Playwright',
	'evidence.file.screenshot.png': 'Captura de pantalla',
	'evidence.file.page.html': 'HTML de la página (texto)',
	'evidence.file.info.json': 'Detalles (JSON)',
	'evidence.traceHint':
		'La traza se abre con «npx playwright show-trace trace.zip» o en trace.playwright.dev. Cookies y tokens están eliminados.',

	'accounts.title': 'Cuentas',
	'accounts.count': '{n} cuentas',
	'accounts.empty': 'Todavía no hay cuentas de plataforma.',
	'accounts.loadError':
		'No se pudieron cargar las cuentas. Comprueba que el servidor está en marcha y vuelve a intentarlo.',
	'accounts.col.session': 'Sesión · última comprobación (UTC)',
	'accounts.col.lastAuth': 'Última autenticación (UTC)',
	'accounts.col.actions': 'Acciones',
	'accounts.noSession': 'Sin sesión guardada',
	'accounts.neverChecked': 'Sin comprobar',
	'accounts.check': 'Comprobar sesión',
	'accounts.checking': 'Comprobando…',
	'accounts.checkResult': 'Comprobación: {state}.',
	'accounts.checkStatus': 'Estado de la cuenta: {status}.',
	'accounts.checkPending':
		'La comprobación sigue en curso (workflow {id}); recarga la página en un momento para ver el resultado.',
	'accounts.pause': 'Pausar',
	'accounts.resume': 'Reanudar',
	'accounts.paused': 'Cuenta pausada; publicaciones retenidas: {n}.',
	'accounts.resumed': 'Cuenta reanudada; publicaciones liberadas: {n}.',
	'accounts.link': 'Vincular sesión',
	'accounts.link.file': 'Archivo de sesión',
	'accounts.link.hint':
		'storageState de Playwright (JSON), exportación de cookies de una extensión del navegador (JSON) o cookies.txt (Netscape). Se guarda cifrado y se comprueba al momento.',
	'accounts.link.submit': 'Subir y comprobar',
	'accounts.link.uploading': 'Subiendo…',
	'accounts.link.noFile': 'Elige un archivo de sesión.',
	'accounts.link.result': 'Sesión importada: formato {format}, {n} cookies.',
	'accounts.link.warnings': 'Avisos',
	'accounts.link.checkError': 'La sesión quedó guardada, pero no se pudo comprobar: {message}',
	'accounts.login': 'Iniciar sesión con contraseña',
	'accounts.login.username': 'Usuario (opcional)',
	'accounts.login.password': 'Contraseña',
	'accounts.login.submit': 'Iniciar sesión',
	'accounts.login.running': 'Iniciando sesión…',
	'accounts.login.hint':
		'La contraseña solo se usa para este inicio de sesión: se guarda la sesión resultante, nunca la contraseña.',
	'accounts.profile': 'Perfil del navegador',
	'accounts.profile.locale': 'Idioma (locale)',
	'accounts.profile.timezone': 'Zona horaria',
	'accounts.profile.proxy': 'Proxy',
	'accounts.profile.proxyCurrent': 'Proxy actual',
	'accounts.profile.proxyNone': 'ninguno',
	'accounts.profile.proxyHint': 'Vacío = mantener el actual. Puede llevar usuario y contraseña; se guarda cifrado.',
	'accounts.profile.proxyRemove': 'Quitar el proxy',
	'accounts.profile.proxyPlaceholder': 'http://usuario:contraseña@proxy:8080',
	'accounts.profile.defaultHint': 'Vacío = valor por defecto (idioma y zona horaria de la modelo).',
	'accounts.profile.submit': 'Guardar perfil',
	'accounts.profile.saving': 'Guardando…',
	'accounts.profile.saved': 'Perfil del navegador guardado.',
	'accounts.failed': '{action}: no se pudo. {message}',
	'accounts.unauthorized': 'Tu sesión del panel caducó.',
	'accounts.signIn': 'Vuelve a entrar',

	'accountStatus.active': 'Activa',
	'accountStatus.paused': 'Pausada',
	'accountStatus.session_expired': 'Sesión caducada',
	'accountStatus.disabled': 'Desactivada',

	'sessionState.logged_in': 'Sesión iniciada',
	'sessionState.logged_out': 'Sesión cerrada',
	'sessionState.challenge': 'Verificación requerida',
	'sessionState.unknown': 'Desconocido',
	'sessionState.pending': 'En curso',

	// Singular: one row's badge.
	'status.scheduled': 'Programada',
	'status.held': 'Retenida',
	'status.processing': 'Procesando',
	'status.published': 'Publicada',
	'status.failed': 'Fallida',
	'status.canceled': 'Cancelada',
	'status.unconfirmed': 'Sin confirmar',
	// Plural: summary cards and filter links.
	'statuses.all': 'Todas',
	'statuses.scheduled': 'Programadas',
	'statuses.held': 'Retenidas',
	'statuses.processing': 'Procesando',
	'statuses.published': 'Publicadas',
	'statuses.failed': 'Fallidas',
	'statuses.canceled': 'Canceladas',
	'statuses.unconfirmed': 'Sin confirmar',

	'error.title': 'Algo salió mal',
	'error.notFound': 'Página no encontrada',
	'error.back': 'Volver al inicio'
} as const;

export type MessageKey = keyof typeof es;

// Typed against `es`, so a missing English string is a compile error, not a blank.
const en: Record<MessageKey, string> = {
	'brand': '100-Tráfico',
	'brand.tagline': 'Traffic dashboard',
	'nav.publications': 'Publications',
	'nav.accounts': 'Accounts',
	'nav.main': 'Main navigation',
	'lang.label': 'Language',
	'logout': 'Log out',

	'login.title': 'Admin sign-in',
	'login.password': 'Password',
	'login.submit': 'Sign in',
	'login.error': 'Wrong password',

	'publications.title': 'Publications',
	'publications.summary': 'Summary by status',
	'publications.filter': 'Filter by status',
	'publications.empty': 'No publications yet. Send a video through the bot or the API.',
	'publications.emptyFiltered': 'No publications with this status.',
	'publications.loadError':
		'Publications could not be loaded. Check that the server is running and try again.',
	'publications.retry': 'Try again',
	'publications.count': '{n} publications',

	'col.status': 'Status',
	'col.model': 'Model',
	'col.platform': 'Platform',
	'col.account': 'Account',
	'col.scheduled': 'Scheduled (UTC)',
	'col.published': 'Published (UTC)',
	'col.attempts': 'Attempts',
	'col.lastError': 'Last error',
	'col.links': 'Links',
	'link.post': 'View post',
	'link.workflow': 'Workflow',
	'link.evidence': 'Evidence',

	'evidence.title': 'Evidence',
	'evidence.subtitle': 'Publication {id}',
	'evidence.back': 'Back to publications',
	'evidence.empty': 'No evidence stored for this publication.',
	'evidence.loadError': 'The evidence could not be loaded. Try again.',
	'evidence.attempt': 'Attempt {n}',
	'evidence.capturedAt': 'Captured (UTC)',
	'evidence.error': 'Error',
	'evidence.url': 'Page',
	'evidence.files': 'Files',
	'evidence.file.trace.zip': 'Playwright trace',
	'evidence.file.screenshot.png': 'Screenshot',
	'evidence.file.page.html': 'Page HTML (text)',
	'evidence.file.info.json': 'Details (JSON)',
	'evidence.traceHint':
		'Open the trace with "npx playwright show-trace trace.zip" or at trace.playwright.dev. Cookies and tokens are stripped.',

	'accounts.title': 'Accounts',
	'accounts.count': '{n} accounts',
	'accounts.empty': 'No platform accounts yet.',
	'accounts.loadError': 'Accounts could not be loaded. Check that the server is running and try again.',
	'accounts.col.session': 'Session · last check (UTC)',
	'accounts.col.lastAuth': 'Last authenticated (UTC)',
	'accounts.col.actions': 'Actions',
	'accounts.noSession': 'No saved session',
	'accounts.neverChecked': 'Not checked yet',
	'accounts.check': 'Check session',
	'accounts.checking': 'Checking…',
	'accounts.checkResult': 'Check: {state}.',
	'accounts.checkStatus': 'Account status: {status}.',
	'accounts.checkPending':
		'The check is still running (workflow {id}); reload the page in a moment to see the result.',
	'accounts.pause': 'Pause',
	'accounts.resume': 'Resume',
	'accounts.paused': 'Account paused; publications held: {n}.',
	'accounts.resumed': 'Account resumed; publications released: {n}.',
	'accounts.link': 'Link session',
	'accounts.link.file': 'Session file',
	'accounts.link.hint':
		'Playwright storageState (JSON), a browser-extension cookie export (JSON) or a Netscape cookies.txt. Stored encrypted and checked at once.',
	'accounts.link.submit': 'Upload and check',
	'accounts.link.uploading': 'Uploading…',
	'accounts.link.noFile': 'Choose a session file.',
	'accounts.link.result': 'Session imported: {format} format, {n} cookies.',
	'accounts.link.warnings': 'Warnings',
	'accounts.link.checkError': 'The session was stored, but it could not be checked: {message}',
	'accounts.login': 'Log in with password',
	'accounts.login.username': 'Username (optional)',
	'accounts.login.password': 'Password',
	'accounts.login.submit': 'Log in',
	'accounts.login.running': 'Logging in…',
	'accounts.login.hint':
		'The password is only used for this login: the resulting session is stored, never the password.',
	'accounts.profile': 'Browser profile',
	'accounts.profile.locale': 'Locale',
	'accounts.profile.timezone': 'Time zone',
	'accounts.profile.proxy': 'Proxy',
	'accounts.profile.proxyCurrent': 'Current proxy',
	'accounts.profile.proxyNone': 'none',
	'accounts.profile.proxyHint': 'Empty = keep the current one. May carry a user and password; stored encrypted.',
	'accounts.profile.proxyRemove': 'Remove the proxy',
	'accounts.profile.proxyPlaceholder': 'http://user:password@proxy:8080',
	'accounts.profile.defaultHint': "Empty = the default (the model's language and time zone).",
	'accounts.profile.submit': 'Save profile',
	'accounts.profile.saving': 'Saving…',
	'accounts.profile.saved': 'Browser profile saved.',
	'accounts.failed': '{action} failed. {message}',
	'accounts.unauthorized': 'Your dashboard session has expired.',
	'accounts.signIn': 'Sign in again',

	'accountStatus.active': 'Active',
	'accountStatus.paused': 'Paused',
	'accountStatus.session_expired': 'Session expired',
	'accountStatus.disabled': 'Disabled',

	'sessionState.logged_in': 'Logged in',
	'sessionState.logged_out': 'Logged out',
	'sessionState.challenge': 'Challenge',
	'sessionState.unknown': 'Unknown',
	'sessionState.pending': 'Pending',

	'status.scheduled': 'Scheduled',
	'status.held': 'Held',
	'status.processing': 'Processing',
	'status.published': 'Published',
	'status.failed': 'Failed',
	'status.canceled': 'Canceled',
	'status.unconfirmed': 'Unconfirmed',
	'statuses.all': 'All',
	'statuses.scheduled': 'Scheduled',
	'statuses.held': 'Held',
	'statuses.processing': 'Processing',
	'statuses.published': 'Published',
	'statuses.failed': 'Failed',
	'statuses.canceled': 'Canceled',
	'statuses.unconfirmed': 'Unconfirmed',

	'error.title': 'Something went wrong',
	'error.notFound': 'Page not found',
	'error.back': 'Back to start'
};

const dictionaries: Record<Lang, Record<MessageKey, string>> = { es, en };

/** Accepts anything (query value, cookie) and returns a supported language or null. */
export function pickLang(value: string | null | undefined): Lang | null {
	return (LANGS as readonly string[]).includes(value ?? '') ? (value as Lang) : null;
}

/** Looks up `key` and fills `{name}` placeholders. */
export function translate(
	lang: Lang,
	key: MessageKey,
	params: Record<string, string | number> = {}
): string {
	const text = dictionaries[lang][key] ?? es[key];
	return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
		name in params ? String(params[name]) : whole
	);
}
