import type { Handle, HandleFetch } from '@sveltejs/kit';
import { env } from '$env/dynamic/private';
import { DEFAULT_LANG, LANG_COOKIE, pickLang } from '$lib/i18n';

const ONE_YEAR = 60 * 60 * 24 * 365;

/** Language: `?lang=` wins and is remembered in a cookie; then the cookie; then Spanish. */
export const handle: Handle = async ({ event, resolve }) => {
	const fromQuery = pickLang(event.url.searchParams.get('lang'));
	if (fromQuery) {
		event.cookies.set(LANG_COOKIE, fromQuery, {
			path: '/',
			maxAge: ONE_YEAR,
			sameSite: 'lax',
			// A harmless preference that must also stick on plain-http installs (LAN, demo).
			secure: false
		});
	}
	const lang = fromQuery ?? pickLang(event.cookies.get(LANG_COOKIE)) ?? DEFAULT_LANG;
	event.locals.lang = lang;
	return resolve(event, {
		transformPageChunk: ({ html }) => html.replace('%lang%', lang)
	});
};

/**
 * During SSR SvelteKit answers same-origin fetches itself, and it has no /api routes —
 * those belong to Fastify. So send /api/* to Fastify over the network with the browser's
 * cookie, which is what the same fetch does in the browser. Node's own fetch, not SvelteKit's:
 * SvelteKit's would add an Origin header (the browser's origin, which the internal address
 * does not match: Fastify's CSRF check refuses that) and would loop back into SvelteKit when
 * the browser uses the internal address itself. No Origin header means a server-side call,
 * which Fastify lets through; the page request that caused it already passed the check.
 */
export const handleFetch: HandleFetch = async ({ event, request, fetch }) => {
	const url = new URL(request.url);
	if (url.origin !== event.url.origin || !url.pathname.startsWith('/api/')) {
		return fetch(request);
	}
	// Fastify stamps every request it hands over with its own address (overwriting any client value).
	const apiOrigin =
		event.request.headers.get('x-internal-api-origin') ||
		env.INTERNAL_API_ORIGIN ||
		`http://127.0.0.1:${env.PORT || '3000'}`;
	const headers = new Headers(request.headers);
	headers.delete('origin');
	const cookie = event.request.headers.get('cookie');
	if (cookie) headers.set('cookie', cookie);
	else headers.delete('cookie');
	const body =
		request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
	return globalThis.fetch(new URL(url.pathname + url.search, apiOrigin), {
		method: request.method,
		headers,
		body,
		redirect: 'manual',
		signal: request.signal
	});
};
