import { apiGet } from '$lib/load';

/** One choice of a filter select: the value sent and what the admin reads. */
export interface FilterOption {
	id: string;
	label: string;
}

export interface FilterOptions {
	modelOptions: FilterOption[];
	accountOptions: FilterOption[];
	platformOptions: FilterOption[];
	/** One of the lists could not be read (the page says so; the filters still work by URL). */
	optionsError: boolean;
}

const optionLimit = 200;

/**
 * The model / platform / account choices of a page's filters (the calendar's and the analytics'): the first
 * `optionLimit` of each, the accounts narrowed to the chosen model. A list the API could not give is empty.
 */
export async function loadFilterOptions(fetch: typeof globalThis.fetch, url: URL, modelId: string | undefined): Promise<FilterOptions> {
	const accountQuery = new URLSearchParams({ limit: String(optionLimit) });
	if (modelId) accountQuery.set('modelId', modelId);
	const [models, accounts, platforms] = await Promise.all([
		apiGet<{ items: { id: string; name: string }[] }>(fetch, url, `/api/models?limit=${optionLimit}`),
		apiGet<{ items: { id: string; username: string; platformName: string; modelName: string }[] }>(fetch, url, `/api/accounts?${accountQuery}`),
		apiGet<{ items: { id: string; name: string }[] }>(fetch, url, `/api/platforms?limit=${optionLimit}`)
	]);
	return {
		modelOptions: models.ok ? models.data.items.map((m) => ({ id: m.id, label: m.name })) : [],
		accountOptions: accounts.ok
			? accounts.data.items.map((a) => ({ id: a.id, label: `@${a.username} · ${a.platformName} (${a.modelName})` }))
			: [],
		platformOptions: platforms.ok ? platforms.data.items.map((p) => ({ id: p.name, label: p.name })) : [],
		optionsError: !models.ok || !accounts.ok || !platforms.ok
	};
}
