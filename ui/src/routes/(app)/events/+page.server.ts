import type { PageServerLoad } from './$types';
import type { EventList } from '$contracts/api/events';
import { eventKinds, type EventKind } from '$contracts/events';
import { apiGet } from '$lib/load';
import { DEFAULT_ZONE, ZONE_COOKIE, fromLocalInput, pickZone } from '$lib/components/overview/zone';

/** The filter options the page offers: the first page of models and of accounts (each row also links to its own). */
interface Option {
	id: string;
	label: string;
}
const optionLimit = 200;

// The audit page: filters are the URL (a GET form, so every view is a link), times are the admin's zone (the
// cookie the overview stores; UTC until then) and become ISO instants for the API.
export const load: PageServerLoad = async ({ fetch, url, cookies }) => {
	const zone = pickZone(cookies.get(ZONE_COOKIE)) ?? DEFAULT_ZONE;
	const param = (name: string) => url.searchParams.get(name)?.trim() || '';
	const kind = param('kind');
	const filters = {
		kind: (eventKinds as readonly string[]).includes(kind) ? (kind as EventKind) : '',
		modelId: param('modelId'),
		accountId: param('accountId'),
		publicationId: param('publicationId'),
		contentId: param('contentId'),
		actor: param('actor'),
		from: param('from'),
		to: param('to')
	};

	const query = new URLSearchParams();
	for (const name of ['kind', 'modelId', 'accountId', 'publicationId', 'contentId', 'actor'] as const) {
		if (filters[name]) query.set(name, filters[name]);
	}
	// An unknown kind in the URL goes to the API as typed, so the answer names the field.
	if (kind && !filters.kind) query.set('kind', kind);
	let badInput: string | null = null;
	for (const name of ['from', 'to'] as const) {
		if (!filters[name]) continue;
		const iso = fromLocalInput(filters[name], zone);
		if (iso) query.set(name, iso);
		else badInput = `${name}: not a date and time`;
	}
	const cursor = param('cursor');
	if (cursor) query.set('cursor', cursor);
	query.set('limit', '50');

	const [events, models, accounts] = await Promise.all([
		badInput
			? Promise.resolve({ ok: false as const, status: 400, message: badInput })
			: apiGet<EventList>(fetch, url, `/api/events?${query}`),
		apiGet<{ items: { id: string; name: string }[] }>(fetch, url, `/api/models?limit=${optionLimit}`),
		apiGet<{ items: { id: string; username: string; platformName: string }[] }>(
			fetch,
			url,
			`/api/accounts?limit=${optionLimit}`
		)
	]);
	const modelOptions: Option[] = models.ok ? models.data.items.map((m) => ({ id: m.id, label: m.name })) : [];
	const accountOptions: Option[] = accounts.ok
		? accounts.data.items.map((a) => ({ id: a.id, label: `@${a.username} · ${a.platformName}` }))
		: [];
	return { zone, filters, cursor, events, modelOptions, accountOptions };
};
