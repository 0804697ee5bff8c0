import type { PageServerLoad } from './$types';
import type { AdminPreferences } from '$contracts/api/preferences';
import { apiGet } from '$lib/load';
import { ZONE_COOKIE, pickZone } from '$lib/components/overview/zone';
import { pickDate, pickSnap, pickView } from '$lib/components/calendar/calendar';

interface Option {
	id: string;
	label: string;
}
const optionLimit = 200;
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
	const accountQuery = new URLSearchParams({ limit: String(optionLimit) });
	if (filters.modelId) accountQuery.set('modelId', filters.modelId);
	const [preferences, models, accounts, platforms] = await Promise.all([
		apiGet<AdminPreferences>(fetch, url, '/api/settings/preferences'),
		apiGet<{ items: { id: string; name: string }[] }>(fetch, url, `/api/models?limit=${optionLimit}`),
		apiGet<{ items: { id: string; username: string; platformName: string; modelName: string }[] }>(fetch, url, `/api/accounts?${accountQuery}`),
		apiGet<{ items: { id: string; name: string }[] }>(fetch, url, `/api/platforms?limit=${optionLimit}`)
	]);
	const preferred = preferences.ok ? preferences.data.timezone : null;
	const zone = preferred ?? browserZone ?? 'UTC';
	const zoneSource = preferred ? 'preference' : browserZone ? 'browser' : 'default';
	const modelOptions: Option[] = models.ok ? models.data.items.map((m) => ({ id: m.id, label: m.name })) : [];
	const accountOptions: Option[] = accounts.ok
		? accounts.data.items.map((a) => ({ id: a.id, label: `@${a.username} · ${a.platformName} (${a.modelName})` }))
		: [];
	const platformOptions: Option[] = platforms.ok ? platforms.data.items.map((p) => ({ id: p.name, label: p.name })) : [];
	return {
		zone,
		zoneSource: zoneSource as 'preference' | 'browser' | 'default',
		browserZone,
		filters,
		view: pickView(url.searchParams.get('view')),
		date: pickDate(url.searchParams.get('date')),
		snap: pickSnap(url.searchParams.get('snap')),
		modelOptions,
		accountOptions,
		platformOptions,
		optionsError: [models, accounts, platforms].find((r) => !r.ok) ? true : false
	};
};
