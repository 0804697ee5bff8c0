import type { PageServerLoad } from './$types';
import { apiGet } from '$lib/load';
import type { ModelList } from '$contracts/api/models';
import { modelStatuses, type ModelStatus } from '$core/rules';

/** One page of models (50), searched by name and filtered by status on the server; the cursor walks on. */
export const load: PageServerLoad = async ({ fetch, url }) => {
	const q = (url.searchParams.get('q') ?? '').trim().slice(0, 100);
	const rawStatus = url.searchParams.get('status') ?? '';
	const status = (modelStatuses as readonly string[]).includes(rawStatus) ? (rawStatus as ModelStatus) : '';
	const cursor = url.searchParams.get('cursor') ?? '';
	const query = new URLSearchParams({ limit: '50' });
	if (q) query.set('q', q);
	if (status) query.set('status', status);
	if (cursor) query.set('cursor', cursor);
	const list = await apiGet<ModelList>(fetch, url, `/api/models?${query}`);
	if (!list.ok) return { loadFailed: true as const, q, status, cursor };
	return { loadFailed: false as const, q, status, cursor, items: list.data.items, nextCursor: list.data.nextCursor };
};
