import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';
import { getPublications } from '$lib/api';
import { countByStatus } from '$lib/format';
import { isStatus } from '$lib/types';

// Universal load: on the server SvelteKit's fetch forwards the session cookie (see
// hooks.server.ts); in the browser filter changes call the API directly.
export const load: PageLoad = async ({ fetch, url }) => {
	const raw = url.searchParams.get('status');
	const status = isStatus(raw) ? raw : null;

	// The summary counts every status, so it needs the unfiltered list as well.
	const [all, filtered] = await Promise.all([
		getPublications(fetch),
		status ? getPublications(fetch, status) : null
	]);

	if ((!all.ok && all.unauthorized) || (filtered && !filtered.ok && filtered.unauthorized)) {
		redirect(303, `/login?next=${encodeURIComponent(url.pathname + url.search)}`);
	}
	if (!all.ok || (filtered && !filtered.ok)) {
		const failure = !all.ok ? all : filtered;
		console.error('GET /api/publications failed:', failure && !failure.ok && failure.message);
		return { status, loadFailed: true as const };
	}

	return {
		status,
		loadFailed: false as const,
		items: filtered?.ok ? filtered.data.items : all.data.items,
		counts: countByStatus(all.data.items),
		temporalUiUrl: all.data.temporalUiUrl
	};
};
