import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';
import { getEvidence } from '$lib/api';

// Same shape as the publications page: unauthorized → login, other failures → a message.
export const load: PageLoad = async ({ fetch, params, url }) => {
	const result = await getEvidence(fetch, params.id);
	if (!result.ok && result.unauthorized) {
		redirect(303, `/login?next=${encodeURIComponent(url.pathname)}`);
	}
	if (!result.ok) {
		console.error('GET /api/publications/:id/evidence failed:', result.message);
		return { id: params.id, loadFailed: true as const };
	}
	// Newest attempt first: that is the failure the admin is looking at.
	const attempts = [...result.data.attempts].sort((a, b) => b.attempt - a.attempt);
	return { id: params.id, loadFailed: false as const, attempts };
};
