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
