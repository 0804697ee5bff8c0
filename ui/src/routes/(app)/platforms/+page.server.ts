import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { apiGet, apiSend } from '$lib/load';
import { translate } from '$lib/i18n';
import type { PlatformList, PlatformUpdate } from '$contracts/api/platforms';

/** The platforms (few; paged like every list). */
export const load: PageServerLoad = async ({ fetch, url }) => {
	const cursor = url.searchParams.get('cursor') ?? '';
	const query = new URLSearchParams({ limit: '50' });
	if (cursor) query.set('cursor', cursor);
	const list = await apiGet<PlatformList>(fetch, url, `/api/platforms?${query}`);
	if (!list.ok) return { loadFailed: true as const, cursor };
	return { loadFailed: false as const, cursor, items: list.data.items, nextCursor: list.data.nextCursor };
};

const text = (data: FormData, name: string) => {
	const value = data.get(name);
	return typeof value === 'string' ? value.trim() : '';
};

const integerFields = [
	'maxDurationSeconds',
	'maxSizeBytes',
	'maxCaptionLength',
	'maxHashtags',
	'minLeadMinutes',
	'maxLeadDays'
] as const;

export const actions: Actions = {
	/** Enable or disable: the API holds or releases the platform's publications. */
	toggle: async ({ request, fetch, url }) => {
		const data = await request.formData();
		const id = text(data, 'id');
		const active = text(data, 'active') === 'true';
		const values = { action: 'toggle', id };
		const sent = await apiSend<PlatformUpdate>(fetch, url, 'PATCH', `/api/platforms/${encodeURIComponent(id)}`, { active }, values);
		if (!sent.ok) return sent.failure;
		return {
			action: 'toggle',
			ok: true,
			id,
			active: sent.data.active,
			held: sent.data.held.length,
			released: sent.data.released.length
		};
	},

	/** Capabilities and technical config; each field's problem comes back next to it. */
	edit: async ({ request, fetch, url, locals }) => {
		const data = await request.formData();
		const id = text(data, 'id');
		const values: Record<string, string> = { action: 'edit', id };
		for (const [key, value] of data) if (typeof value === 'string') values[key] = value;

		const capabilities: Record<string, unknown> = { linksAllowed: data.get('linksAllowed') === 'on' };
		for (const key of integerFields) {
			const raw = text(data, key);
			// A number the API can check; anything else goes as typed and comes back named.
			if (raw !== '') capabilities[key] = /^-?\d+$/.test(raw) ? Number(raw) : raw;
		}
		if (text(data, 'aspect') !== '') capabilities.aspect = text(data, 'aspect');

		const technicalConfig: Record<string, unknown> = { driver: text(data, 'driver'), baseUrl: text(data, 'baseUrl') };
		const rawOptions = text(data, 'options');
		if (rawOptions !== '') {
			let options: unknown;
			try {
				options = JSON.parse(rawOptions);
			} catch {
				options = undefined;
			}
			if (typeof options !== 'object' || options === null || Array.isArray(options)) {
				const message = translate(locals.lang, 'platforms.edit.optionsInvalid');
				return fail(400, { error: 'invalid_request', message, fields: { 'technicalConfig.options': message }, values });
			}
			technicalConfig.options = options;
		} else {
			technicalConfig.options = {};
		}

		const sent = await apiSend<PlatformUpdate>(
			fetch,
			url,
			'PATCH',
			`/api/platforms/${encodeURIComponent(id)}`,
			{ capabilities, technicalConfig },
			values
		);
		if (!sent.ok) return sent.failure;
		return { action: 'edit', ok: true, id };
	}
};
