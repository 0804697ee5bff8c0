import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import type { AdminSessionList, PasswordChanged } from '$contracts/api/auth';
import type { TokenCreated, TokenList } from '$contracts/api/tokens';
import type { AdminPreferences } from '$contracts/api/preferences';
import type { StorageUsage } from '$contracts/api/storage';
import { apiGet, apiSend } from '$lib/load';
import { ZONE_COOKIE, pickZone } from '$lib/components/overview/zone';

/**
 * Settings: the disk use (GET /api/storage), the admin password, the active dashboard sessions and the named API tokens. Every change is a
 * form action calling the API with the admin's own session (hooks.server.ts forwards the cookie), so it works
 * without JS; the API records who did it.
 */
export const load: PageServerLoad = async ({ fetch, url, cookies }) => {
	const sessionsCursor = url.searchParams.get('sessions') ?? '';
	const tokensCursor = url.searchParams.get('tokens') ?? '';
	const q = url.searchParams.get('q')?.trim() ?? '';
	const tokenQuery = new URLSearchParams({ limit: '50' });
	if (tokensCursor) tokenQuery.set('cursor', tokensCursor);
	if (q) tokenQuery.set('q', q);
	const sessionQuery = new URLSearchParams({ limit: '50' });
	if (sessionsCursor) sessionQuery.set('cursor', sessionsCursor);
	const [sessions, tokens, preferences, storage] = await Promise.all([
		apiGet<AdminSessionList>(fetch, url, `/api/auth/sessions?${sessionQuery}`),
		apiGet<TokenList>(fetch, url, `/api/tokens?${tokenQuery}`),
		apiGet<AdminPreferences>(fetch, url, '/api/settings/preferences'),
		apiGet<StorageUsage>(fetch, url, '/api/storage')
	]);
	// The time zone section states the browser's zone (the `tz` cookie it sets), the default when none is chosen.
	const browserZone = pickZone(cookies.get(ZONE_COOKIE));
	return { sessions, tokens, preferences, storage, browserZone, q, paged: { sessions: sessionsCursor !== '', tokens: tokensCursor !== '' } };
};

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A refusal before the API is asked: `fields` hold catalogue keys (the page translates them). */
function refuse(form: string, fields: Record<string, string>, values: Record<string, unknown> = {}) {
	return fail(400, { error: 'invalid_request', message: Object.values(fields).join(' '), fields, values: { form, ...values } });
}

export const actions: Actions = {
	password: async ({ request, fetch, url }) => {
		const data = await request.formData();
		const currentPassword = String(data.get('currentPassword') ?? '');
		const newPassword = String(data.get('newPassword') ?? '');
		const confirmPassword = String(data.get('confirmPassword') ?? '');
		// Passwords never go back to the page.
		const fields: Record<string, string> = {};
		if (!currentPassword) fields.currentPassword = 'settings.password.required';
		if (newPassword.length < 8) fields.newPassword = 'settings.password.tooShort';
		else if (newPassword.length > 200) fields.newPassword = 'settings.password.tooLong';
		else if (newPassword !== confirmPassword) fields.confirmPassword = 'settings.password.mismatch';
		if (Object.keys(fields).length) return refuse('password', fields);
		const sent = await apiSend<PasswordChanged>(fetch, url, 'POST', '/api/auth/password', { currentPassword, newPassword }, { form: 'password' });
		if (!sent.ok) return sent.failure;
		return { form: 'password', revokedSessions: sent.data.revokedSessions };
	},

	revokeSession: async ({ request, fetch, url }) => {
		const id = String((await request.formData()).get('id') ?? '');
		if (!uuid.test(id)) return refuse('revokeSession', { id: 'settings.failed' }, { id });
		const sent = await apiSend(fetch, url, 'DELETE', `/api/auth/sessions/${id}`, undefined, { form: 'revokeSession', id });
		if (!sent.ok) return sent.failure;
		return { form: 'revokeSession', id };
	},

	createToken: async ({ request, fetch, url }) => {
		const name = String((await request.formData()).get('name') ?? '').trim();
		if (!name || name.length > 100) return refuse('createToken', { name: 'settings.tokens.nameRequired' }, { name });
		const sent = await apiSend<TokenCreated>(fetch, url, 'POST', '/api/tokens', { name }, { form: 'createToken', name });
		if (!sent.ok) return sent.failure;
		// The one time the token is shown; it is not kept anywhere on this side.
		return { form: 'createToken', created: { id: sent.data.id, name: sent.data.name, token: sent.data.token } };
	},

	timezone: async ({ request, fetch, url }) => {
		// Empty = follow the browser's zone; the API checks the name (400 naming `timezone`).
		const value = String((await request.formData()).get('timezone') ?? '').trim();
		const timezone = value === '' ? null : value;
		const sent = await apiSend<AdminPreferences>(fetch, url, 'PATCH', '/api/settings/preferences', { timezone }, { form: 'timezone', timezone });
		if (!sent.ok) return sent.failure;
		return { form: 'timezone', timezone: sent.data.timezone };
	},

	revokeToken: async ({ request, fetch, url }) => {
		const data = await request.formData();
		const id = String(data.get('id') ?? '');
		const name = String(data.get('name') ?? '');
		if (!uuid.test(id)) return refuse('revokeToken', { id: 'settings.failed' }, { id });
		const sent = await apiSend(fetch, url, 'DELETE', `/api/tokens/${id}`, undefined, { form: 'revokeToken', id, name });
		if (!sent.ok) return sent.failure;
		return { form: 'revokeToken', id, name };
	}
};
