import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { apiGet, apiSend } from '$lib/load';
import { adminZone } from '$lib/admin-zone';
import type { Content, ContentList } from '$contracts/api/contents';
import { parseTags } from '$lib/components/desk/tabs';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The model the admin is reviewing (from the queue's filter), so next / previous and "after deciding" stay with her. */
const scopeOf = (value: FormDataEntryValue | string | null): string => (typeof value === 'string' && uuid.test(value) ? value : '');

/** The first page of the queue (oldest first), within the scope: enough to step through with next / previous. */
async function queueIds(fetch: typeof globalThis.fetch, url: URL, modelId: string): Promise<string[]> {
	const query = new URLSearchParams({ status: 'new', limit: '200' });
	if (modelId) query.set('modelId', modelId);
	const queue = await apiGet<ContentList>(fetch, url, `/api/contents?${query}`);
	return queue.ok ? queue.data.items.map((i) => i.id) : [];
}

export const load: PageServerLoad = async ({ fetch, url, params, cookies }) => {
	const scope = scopeOf(url.searchParams.get('modelId'));
	const [content, queue, zone] = await Promise.all([
		apiGet<Content>(fetch, url, `/api/contents/${encodeURIComponent(params.id)}`),
		queueIds(fetch, url, scope),
		adminZone(fetch, cookies)
	]);
	if (!content.ok) return { loadFailed: true as const, notFound: content.status === 404 || content.status === 400, zone, scope };
	return {
		loadFailed: false as const,
		content: content.data,
		queue,
		zone,
		scope,
		done: url.searchParams.get('done')
	};
};

/** Where the admin goes after deciding: the oldest content still waiting in her scope (a fast pass), else the queue page. */
async function nextInQueue(fetch: typeof globalThis.fetch, url: URL, decided: string, done: 'approved' | 'rejected', scope: string): Promise<never> {
	const next = (await queueIds(fetch, url, scope)).find((id) => id !== decided);
	const query = new URLSearchParams({ done });
	if (scope) query.set('modelId', scope);
	redirect(303, next ? `/contents/${next}?${query}` : `/contents?${query}`);
}

const text = (data: FormData, name: string) => {
	const value = data.get(name);
	return typeof value === 'string' ? value : '';
};

export const actions: Actions = {
	/**
	 * Approve with the captions as the editor left them: only platforms whose caption or tags changed are sent as
	 * edits (the others keep their draft and its source), plus the platforms approved with an exception.
	 */
	approve: async ({ request, fetch, url, params }) => {
		const form = await request.formData();
		const current = await apiGet<Content>(fetch, url, `/api/contents/${encodeURIComponent(params.id)}`);
		if (!current.ok) return fail(current.status || 503, { action: 'approve', error: 'load_failed', message: current.message });
		const captions: Record<string, { caption?: string; tags?: string[] }> = {};
		const values: Record<string, string> = {};
		const overrides: string[] = [];
		for (const [platform, draft] of Object.entries(current.data.captions)) {
			const caption = text(form, `caption:${platform}`);
			const tagsText = text(form, `tags:${platform}`);
			values[`caption:${platform}`] = caption;
			values[`tags:${platform}`] = tagsText;
			const tags = parseTags(tagsText);
			const edit: { caption?: string; tags?: string[] } = {};
			if (form.has(`caption:${platform}`) && caption.trim() !== draft.caption.trim()) edit.caption = caption;
			if (form.has(`tags:${platform}`) && tags.join(' ') !== draft.tags.join(' ')) edit.tags = tags;
			if (Object.keys(edit).length > 0) captions[platform] = edit;
			if (form.get(`override:${platform}`) === 'on') overrides.push(platform);
		}
		const body = { ...(Object.keys(captions).length ? { captions } : {}), ...(overrides.length ? { overrides } : {}) };
		const sent = await apiSend(fetch, url, 'POST', `/api/contents/${encodeURIComponent(params.id)}/approve`, body, { action: 'approve', ...values });
		if (!sent.ok) return sent.failure;
		return nextInQueue(fetch, url, params.id, 'approved', scopeOf(form.get('modelId')));
	},

	reject: async ({ request, fetch, url, params }) => {
		const form = await request.formData();
		const reason = text(form, 'reason').trim();
		if (!reason) {
			return fail(400, { action: 'reject', error: 'missing_reason', message: 'reason is required', fields: { reason: 'required' }, values: { reason } });
		}
		const sent = await apiSend(fetch, url, 'POST', `/api/contents/${encodeURIComponent(params.id)}/reject`, { reason }, { action: 'reject', reason });
		if (!sent.ok) return sent.failure;
		return nextInQueue(fetch, url, params.id, 'rejected', scopeOf(form.get('modelId')));
	}
};
