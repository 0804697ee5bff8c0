import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { apiGet, apiSend } from '$lib/load';
import { translate } from '$lib/i18n';
import { isSessionHealth } from '$lib/accounts';
import { isAccountStatus, type Account, type AccountsResponse } from '$lib/types';
import type { AccountDeleteResult, AccountUpdate, SessionCheckResult, TrackingLinkIssued } from '$contracts/api/accounts';
import type { PlatformList } from '$contracts/api/platforms';
import { adminZone, adminZoneWithSource } from '$lib/admin-zone';
import {
	apiSettingsFromForm,
	connectFlash,
	credentialValues,
	credentialsFromForm,
	rowsFromForm,
	settingsFieldsForForm,
	subredditsFromRows,
	SUBREDDIT_LIMIT
} from '$lib/components/accounts/connections';

/** What GET /api/models answers (another part of the console builds that route); only what this page reads. */
interface ModelOption {
	id: string;
	name: string;
}
interface ModelPage {
	items: ModelOption[];
}

const PAGE_SIZE = 50;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The model an admin typed (a datalist picks exact names): its exact name, case ignored. */
async function resolveModel(
	fetch: typeof globalThis.fetch,
	url: URL,
	name: string
): Promise<ModelOption | undefined> {
	const found = await apiGet<ModelPage>(fetch, url, `/api/models?q=${encodeURIComponent(name)}&limit=20`);
	if (!found.ok) return undefined;
	const wanted = name.trim().toLowerCase();
	return found.data.items.find((m) => m.name.toLowerCase() === wanted);
}

/**
 * The accounts of the studio, grouped by model on the page, filtered and paged on the server: `q`, `model`
 * (a name, typed with the model list) or `modelId`, `platformId`, `status`, `health`, `cursor`.
 */
export const load: PageServerLoad = async ({ fetch, url, cookies }) => {
	const params = url.searchParams;
	const filters = {
		q: params.get('q')?.trim() ?? '',
		model: params.get('model')?.trim() ?? '',
		modelId: uuid.test(params.get('modelId') ?? '') ? params.get('modelId')! : '',
		platformId: uuid.test(params.get('platformId') ?? '') ? params.get('platformId')! : '',
		status: isAccountStatus(params.get('status')) ? params.get('status')! : '',
		health: isSessionHealth(params.get('health')) ? params.get('health')! : ''
	};
	const cursor = params.get('cursor') ?? '';

	const [platforms, models, zoneOf] = await Promise.all([
		apiGet<PlatformList>(fetch, url, '/api/platforms?limit=200'),
		apiGet<ModelPage>(fetch, url, '/api/models?limit=20'),
		adminZoneWithSource(fetch, cookies)
	]);
	// Quota reset times are said in the admin's zone; without a saved one the page stores the browser's (cookie).
	const { zone, zoneSource, cookieZone } = zoneOf;

	let modelNotFound = false;
	if (filters.model && !filters.modelId) {
		const model = await resolveModel(fetch, url, filters.model);
		if (model) filters.modelId = model.id;
		else modelNotFound = true;
	}

	const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
	for (const key of ['q', 'modelId', 'platformId', 'status', 'health'] as const) {
		if (filters[key]) query.set(key, filters[key]);
	}
	if (cursor) query.set('cursor', cursor);

	const base = {
		filters,
		cursor,
		modelNotFound,
		// After an OAuth round trip the API sends the admin back here with ?connected= or ?connectError=.
		flash: connectFlash(params),
		zone,
		zoneSource,
		cookieZone,
		platforms: platforms.ok ? platforms.data.items : [],
		// The datalist's first suggestions; typing asks the API for more (when the models route answers).
		models: models.ok ? models.data.items.map((m) => ({ id: m.id, name: m.name })) : []
	};
	if (modelNotFound) {
		return { ...base, loadFailed: false as const, items: [] as Account[], nextCursor: null, summary: null };
	}
	const list = await apiGet<AccountsResponse>(fetch, url, `/api/accounts?${query}`);
	if (!list.ok) return { ...base, loadFailed: true as const };
	return {
		...base,
		loadFailed: false as const,
		items: list.data.items,
		nextCursor: list.data.nextCursor,
		summary: list.data.summary
	};
};

const text = (data: FormData, name: string) => {
	const value = data.get(name);
	return typeof value === 'string' ? value.trim() : '';
};

/** Every field as typed, to put back in the form after a refusal (never anything secret here). */
const typedValues = (data: FormData, action: string) => {
	const values: Record<string, string> = { action };
	for (const [key, value] of data) if (typeof value === 'string') values[key] = value;
	return values;
};

const urlFields = ['profileUrl', 'streamUrl'] as const;

export const actions: Actions = {
	/**
	 * Connects an official-API account with its platform's credentials (Bluesky app password, Telegram channel,
	 * X / Reddit tokens); the API checks them with the platform at once and names a wrong field. Secrets are never
	 * sent back to the page.
	 */
	credentials: async ({ request, fetch, url, locals, cookies }) => {
		const data = await request.formData();
		const id = text(data, 'id');
		const driver = text(data, 'driver');
		const values = { action: 'credentials', id, ...credentialValues(driver, data) };
		// Read in the zone the page shows times in (her saved one first), not only the browser's.
		const zone = await adminZone(fetch, cookies);
		const { body, problems } = credentialsFromForm(driver, data, zone);
		const named = Object.entries(problems);
		if (named.length > 0) {
			const fields = Object.fromEntries(named.map(([name, key]) => [name, translate(locals.lang, key)]));
			return fail(400, { error: 'invalid_request', message: Object.values(fields)[0]!, fields, values });
		}
		const sent = await apiSend<SessionCheckResult>(fetch, url, 'POST', `/api/accounts/${encodeURIComponent(id)}/credentials`, body, values);
		if (!sent.ok) return sent.failure;
		return { action: 'credentials', ok: true, id, state: sent.data.state, workflowId: sent.data.workflowId ?? null };
	},

	/**
	 * X: the link in a reply; Reddit: the subreddits (rows of the editor; removed and empty ones left out); YouTube: the
	 * uploads' privacy; TikTok: direct or inbox, the privacy of a direct post, brand-organic. The API replaces the saved
	 * settings with these.
	 */
	publishSettings: async ({ request, fetch, url, locals }) => {
		const data = await request.formData();
		const id = text(data, 'id');
		const driver = text(data, 'driver');
		const values = typedValues(data, 'publishSettings');
		let publishSettings: AccountUpdate['publishSettings'];
		let rowOf: number[] = [];
		if (driver === 'x') {
			publishSettings = { linkInReply: data.get('linkInReply') === 'on' };
		} else if (driver === 'reddit') {
			const plan = subredditsFromRows(rowsFromForm(data));
			const named = Object.entries(plan.problems);
			if (named.length > 0) {
				const fields = Object.fromEntries(named.map(([name, key]) => [name, translate(locals.lang, key, { n: SUBREDDIT_LIMIT })]));
				return fail(400, { error: 'invalid_request', message: Object.values(fields)[0]!, fields, values });
			}
			publishSettings = { subreddits: plan.targets };
			rowOf = plan.rowOf;
		} else if (driver === 'youtube' || driver === 'tiktok') {
			const plan = apiSettingsFromForm(driver, data);
			const named = Object.entries(plan.problems);
			if (named.length > 0) {
				const fields = Object.fromEntries(named.map(([name, key]) => [name, translate(locals.lang, key)]));
				return fail(400, { error: 'invalid_request', message: Object.values(fields)[0]!, fields, values });
			}
			publishSettings = plan.settings;
		} else {
			return fail(400, { error: 'invalid_request', message: `no publishing settings for ${driver || 'this platform'}`, values });
		}
		const sent = await apiSend<AccountUpdate>(fetch, url, 'PATCH', `/api/accounts/${encodeURIComponent(id)}`, { publishSettings }, values);
		if (!sent.ok) {
			const refusal = sent.failure.data as { fields?: Record<string, string> };
			return fail(sent.failure.status, { ...sent.failure.data, fields: settingsFieldsForForm(refusal.fields, rowOf) });
		}
		return { action: 'publishSettings', ok: true, id, estimatedCostUsd: sent.data.estimatedCostUsd };
	},

	/** A new account: the model by name (typed with the datalist), the platform chosen from the list. */
	create: async ({ request, fetch, url, locals }) => {
		const data = await request.formData();
		const values = typedValues(data, 'create');
		const modelName = text(data, 'model');
		const model = modelName ? await resolveModel(fetch, url, modelName) : undefined;
		if (!model) {
			const message = modelName
				? translate(locals.lang, 'accounts.new.unknownModel', { name: modelName })
				: translate(locals.lang, 'accounts.new.modelRequired');
			return fail(400, { error: 'unknown_model', message, fields: { modelId: message }, values });
		}
		const body: Record<string, string> = {
			modelId: model.id,
			platformId: text(data, 'platformId'),
			username: text(data, 'username')
		};
		for (const key of urlFields) if (text(data, key)) body[key] = text(data, key);
		const sent = await apiSend<Account>(fetch, url, 'POST', '/api/accounts', body, values);
		if (!sent.ok) return sent.failure;
		return {
			action: 'create',
			ok: true,
			id: sent.data.id,
			username: sent.data.username,
			modelName: sent.data.modelName
		};
	},

	/** Username and links; an emptied link field clears it. */
	update: async ({ request, fetch, url }) => {
		const data = await request.formData();
		const id = text(data, 'id');
		const values = typedValues(data, 'update');
		const body: Record<string, string | null> = { username: text(data, 'username') };
		for (const key of urlFields) body[key] = text(data, key) || null;
		const sent = await apiSend<AccountUpdate>(fetch, url, 'PATCH', `/api/accounts/${encodeURIComponent(id)}`, body, values);
		if (!sent.ok) return sent.failure;
		return { action: 'update', ok: true, id };
	},

	/** A new tracking code; the API keeps the old ones redirecting. */
	trackingLink: async ({ request, fetch, url }) => {
		const data = await request.formData();
		const id = text(data, 'id');
		const sent = await apiSend<TrackingLinkIssued>(fetch, url, 'POST', `/api/accounts/${encodeURIComponent(id)}/tracking-link`, undefined, { action: 'trackingLink', id });
		if (!sent.ok) return sent.failure;
		return { action: 'trackingLink', ok: true, id, trackingUrl: sent.data.trackingUrl };
	},

	deactivate: async ({ request, fetch, url }) => {
		const data = await request.formData();
		const id = text(data, 'id');
		const sent = await apiSend<AccountUpdate>(fetch, url, 'PATCH', `/api/accounts/${encodeURIComponent(id)}`, { status: 'disabled' }, { action: 'deactivate', id });
		if (!sent.ok) return sent.failure;
		return { action: 'deactivate', ok: true, id, held: sent.data.held.length };
	},

	reactivate: async ({ request, fetch, url }) => {
		const data = await request.formData();
		const id = text(data, 'id');
		const sent = await apiSend<AccountUpdate>(fetch, url, 'PATCH', `/api/accounts/${encodeURIComponent(id)}`, { status: 'active' }, { action: 'reactivate', id });
		if (!sent.ok) return sent.failure;
		return { action: 'reactivate', ok: true, id, released: sent.data.released.length };
	},

	/** Deleted without publications, else deactivated: the page says which. */
	delete: async ({ request, fetch, url }) => {
		const data = await request.formData();
		const id = text(data, 'id');
		const username = text(data, 'username');
		const sent = await apiSend<AccountDeleteResult>(fetch, url, 'DELETE', `/api/accounts/${encodeURIComponent(id)}`, undefined, { action: 'delete', id, username });
		if (!sent.ok) return sent.failure;
		return { action: 'delete', ok: true, id, username, outcome: sent.data.outcome, publicationCount: sent.data.publicationCount };
	}
};
