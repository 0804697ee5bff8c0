import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';
import { getPublicationCounts, getPublications } from '$lib/api';
import { isStatus } from '$lib/types';

// Universal load: on the server SvelteKit's fetch forwards the session cookie (see
// hooks.server.ts); in the browser filter changes call the API directly.
export const load: PageLoad = async ({ fetch, url }) => {
	const raw = url.searchParams.get('status');
	const status = isStatus(raw) ? raw : null;

	// The summary counts every publication on the server, not just the page of the list shown.
	const [list, summary] = await Promise.all([getPublications(fetch, status), getPublicationCounts(fetch)]);

	if ((!list.ok && list.unauthorized) || (!summary.ok && summary.unauthorized)) {
		redirect(303, `/login?next=${encodeURIComponent(url.pathname + url.search)}`);
	}
	if (!list.ok || !summary.ok) {
		const failure = !list.ok ? list : summary;
		console.error(
			`GET /api/publications${list.ok ? '/counts' : ''} failed:`,
			!failure.ok && failure.message
		);
		return { status, loadFailed: true as const };
	}

	return {
		status,
		loadFailed: false as const,
		items: list.data.items,
		counts: summary.data.counts,
		temporalUiUrl: list.data.temporalUiUrl,
		temporalNamespace: list.data.temporalNamespace
	};
};
