import type { PageServerLoad } from './$types';
import type { AdminPreferences } from '$contracts/api/preferences';
import { apiGet } from '$lib/load';
import { loadFilterOptions } from '$lib/filter-options';
import { ZONE_COOKIE, pickZone } from '$lib/components/overview/zone';
import { pickDate, pickSnap, pickView } from '$lib/components/calendar/calendar';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// The calendar page: what the URL asks for (filters, view, date, drag precision), the admin's zone (her preference
// from Ajustes, else the browser's `tz` cookie, else UTC) and the filter options. The calendar itself fetches each
// visible range from the browser (GET /api/calendar), as the admin moves through it.
export const load: PageServerLoad = async ({ fetch, url, cookies }) => {
	const param = (name: string) => url.searchParams.get(name)?.trim() || '';
	// A malformed id is dropped rather than sent: the API would refuse the whole range for it.
	const filters = {
		modelId: uuid.test(param('modelId')) ? param('modelId') : '',
		platform: param('platform').slice(0, 100),
		accountId: uuid.test(param('accountId')) ? param('accountId') : ''
	};
	const browserZone = pickZone(cookies.get(ZONE_COOKIE));
	const [preferences, options] = await Promise.all([
		apiGet<AdminPreferences>(fetch, url, '/api/settings/preferences'),
		loadFilterOptions(fetch, url, filters.modelId)
	]);
	const preferred = preferences.ok ? preferences.data.timezone : null;
	const zone = preferred ?? browserZone ?? 'UTC';
	const zoneSource = preferred ? 'preference' : browserZone ? 'browser' : 'default';
	return {
		zone,
		zoneSource: zoneSource as 'preference' | 'browser' | 'default',
		browserZone,
		filters,
		view: pickView(url.searchParams.get('view')),
		date: pickDate(url.searchParams.get('date')),
		snap: pickSnap(url.searchParams.get('snap')),
		...options
	};
};
