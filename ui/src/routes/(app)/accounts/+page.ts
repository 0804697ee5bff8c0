import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';
import { getAccounts } from '$lib/api';

// Same shape as the publications page: unauthorized → login, other failures → a message.
// Actions (check, link, login, pause, profile) call the API from the browser and then
// invalidate this load, so the rows always show what the API says.
export const load: PageLoad = async ({ fetch, url }) => {
	const result = await getAccounts(fetch);
	if (!result.ok && result.unauthorized) {
		redirect(303, `/login?next=${encodeURIComponent(url.pathname)}`);
	}
	if (!result.ok) {
		console.error('GET /api/accounts failed:', result.message);
		return { loadFailed: true as const };
	}
	return { loadFailed: false as const, items: result.data.items };
};
