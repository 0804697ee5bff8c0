import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { apiGet, apiSend } from '$lib/load';
import type { ModelDetail, SlotsPreview, TelegramLinkCode } from '$contracts/api/models';
import { modelStatuses } from '$core/rules';
import { draftFromForm, draftProblems, patchFromDraft } from '$lib/components/models/rules';

/** The model, and the next slots of its saved rules (the preview without JS; the browser recomputes it live). */
export const load: PageServerLoad = async ({ fetch, url, params }) => {
	const id = encodeURIComponent(params.id);
	const [model, preview] = await Promise.all([
		apiGet<ModelDetail>(fetch, url, `/api/models/${id}`),
		apiGet<SlotsPreview>(fetch, url, `/api/models/${id}/slots-preview?count=10`)
	]);
	if (!model.ok) return { loadFailed: true as const, notFound: model.status === 404 || model.status === 400 };
	return {
		loadFailed: false as const,
		model: model.data,
		preview: preview.ok ? preview.data : null,
		created: url.searchParams.has('created')
	};
};

const text = (data: FormData, name: string) => {
	const value = data.get(name);
	return typeof value === 'string' ? value : '';
};

export const actions: Actions = {
	rename: async ({ request, fetch, url, params }) => {
		const data = await request.formData();
		const name = text(data, 'name');
		const sent = await apiSend<ModelDetail>(fetch, url, 'PATCH', `/api/models/${encodeURIComponent(params.id)}`, { name }, { action: 'rename', name });
		if (!sent.ok) return sent.failure;
		return { action: 'rename', ok: true };
	},

	/** active / paused / testing: pausing holds her scheduled publications, resuming releases them (the API does both). */
	status: async ({ request, fetch, url, params }) => {
		const data = await request.formData();
		const status = text(data, 'status');
		if (!(modelStatuses as readonly string[]).includes(status)) {
			return fail(400, { action: 'status', error: 'invalid_request', message: 'status', fields: { status: 'unknown' } });
		}
		const sent = await apiSend<ModelDetail>(fetch, url, 'PATCH', `/api/models/${encodeURIComponent(params.id)}`, { status }, { action: 'status' });
		if (!sent.ok) return sent.failure;
		return { action: 'status', ok: true, status: sent.data.status };
	},

	/**
	 * The rules editor: checked here with the same core validator the API runs (so a refusal comes back with
	 * each field's problem in the admin's language, also without JS), then sent; the API checks again.
	 */
	rules: async ({ request, fetch, url, params }) => {
		const id = encodeURIComponent(params.id);
		const data = await request.formData();
		const current = await apiGet<ModelDetail>(fetch, url, `/api/models/${id}`);
		if (!current.ok) return fail(current.status || 503, { action: 'rules', error: 'unreachable', message: current.message });
		const draft = draftFromForm(data, current.data.platforms);
		const problems = draftProblems(draft, current.data.platforms);
		if (problems.length > 0) return fail(400, { action: 'rules', error: 'invalid_rules', problems, draft });
		const sent = await apiSend<ModelDetail>(fetch, url, 'PATCH', `/api/models/${id}`, { distribution: patchFromDraft(draft) }, { action: 'rules' });
		if (!sent.ok) {
			// The API knows things this check cannot (a platform removed meanwhile): its sentences, per field.
			return fail(sent.failure.status, { ...sent.failure.data, action: 'rules', draft });
		}
		return { action: 'rules', ok: true };
	},

	/** Sensitive / adult content: each publishing driver applies its platform's label. */
	sensitive: async ({ request, fetch, url, params }) => {
		const data = await request.formData();
		const sensitive = data.get('sensitive') === 'on';
		const sent = await apiSend<ModelDetail>(fetch, url, 'PATCH', `/api/models/${encodeURIComponent(params.id)}`, { sensitive }, { action: 'sensitive' });
		if (!sent.ok) return sent.failure;
		return { action: 'sensitive', ok: true, sensitive: sent.data.sensitive };
	},

	telegram: async ({ fetch, url, params }) => {
		const sent = await apiSend<TelegramLinkCode>(fetch, url, 'POST', `/api/models/${encodeURIComponent(params.id)}/telegram-link`, {}, { action: 'telegram' });
		if (!sent.ok) return sent.failure;
		return { action: 'telegram', ok: true, link: sent.data };
	}
};
