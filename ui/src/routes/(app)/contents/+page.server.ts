import type { PageServerLoad } from './$types';
import { apiGet } from '$lib/load';
import { adminZone } from '$lib/admin-zone';
import type { ContentList } from '$contracts/api/contents';
import type { ModelList } from '$contracts/api/models';
import { deskTabs, statusOfTab, type DeskTab } from '$lib/components/desk/tabs';

/** The queue and the other tabs: filters live in the URL (a GET form), pages by the API's cursor. */
export const load: PageServerLoad = async ({ fetch, url, cookies }) => {
	const rawTab = url.searchParams.get('tab') ?? 'pending';
	const tab: DeskTab = (deskTabs as readonly string[]).includes(rawTab) ? (rawTab as DeskTab) : 'pending';
	const q = (url.searchParams.get('q') ?? '').slice(0, 200);
	const modelId = url.searchParams.get('modelId') ?? '';
	const cursor = url.searchParams.get('cursor') ?? '';
	const query = new URLSearchParams({ limit: '50' });
	const status = statusOfTab(tab);
	if (status) query.set('status', status);
	if (q) query.set('q', q);
	if (/^[0-9a-f-]{36}$/i.test(modelId)) query.set('modelId', modelId);
	if (cursor) query.set('cursor', cursor);
	const [list, models, zone] = await Promise.all([
		apiGet<ContentList>(fetch, url, `/api/contents?${query}`),
		apiGet<ModelList>(fetch, url, '/api/models?limit=200'),
		adminZone(fetch, cookies)
	]);
	return {
		tab,
		zone,
		q,
		modelId,
		cursor,
		list: list.ok ? list.data : null,
		models: models.ok ? models.data.items.map((m) => ({ id: m.id, name: m.name })) : []
	};
};
