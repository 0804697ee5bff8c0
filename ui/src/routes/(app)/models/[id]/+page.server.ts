import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { apiGet, apiSend } from '$lib/load';
import type { ModelDetail, SlotsPreview, TelegramLinkCode } from '$contracts/api/models';
import { modelStatuses } from '$core/rules';
import { draftFromForm, draftProblems, patchFromDraft } from '$lib/components/models/rules';
import type { AppliedLearnedSlots, LearnedSlots } from '$contracts/api/learned-slots';
import { learnedSelection, learnedSlotsPath } from '$lib/components/models/learned-slots';

/** The model, and the next slots of its saved rules (the preview without JS; the browser recomputes it live). */
export const load: PageServerLoad = async ({ fetch, url, params }) => {
	const id = encodeURIComponent(params.id);
	// Learned slots (the heat map under the rules editor): platform and measure from the URL.
	const learnedLoad = apiGet<LearnedSlots>(fetch, url, learnedSlotsPath(params.id, learnedSelection(url)));
	learnedLoad.catch(() => undefined); // awaited below unless the model failed to load (its redirect wins)
	const [model, preview] = await Promise.all([
		apiGet<ModelDetail>(fetch, url, `/api/models/${id}`),
		apiGet<SlotsPreview>(fetch, url, `/api/models/${id}/slots-preview?count=10`)
	]);
	if (!model.ok) return { loadFailed: true as const, notFound: model.status === 404 || model.status === 400 };
	return {
		loadFailed: false as const,
		model: model.data,
		preview: preview.ok ? preview.data : null,
		...(await learnedLoad.then((l) => (l.ok ? { learned: l.data, learnedError: undefined } : { learned: null, learnedError: l.message }))),
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

	/** "Aplicar" on the learned slots: the top hours the admin confirmed become her slots (409 when the results moved). */
	learnedSlots: async ({ request, fetch, url, params }) => {
		const data = await request.formData();
		const platform = text(data, 'platform');
		const metric = text(data, 'metric') === 'clicks' ? 'clicks' : 'views';
		const count = Number(text(data, 'count'));
		const slots = data.getAll('slots').filter((v): v is string => typeof v === 'string');
		const body = { ...(platform ? { platform } : {}), metric, ...(Number.isInteger(count) && count > 0 ? { count } : {}), slots };
		const sent = await apiSend<AppliedLearnedSlots>(fetch, url, 'POST', `/api/models/${encodeURIComponent(params.id)}/learned-slots/apply`, body, { action: 'learnedSlots' });
		if (!sent.ok) return sent.failure;
		return { action: 'learnedSlots', ok: true, slots: sent.data.slots, changed: sent.data.changed };
	},

	telegram: async ({ fetch, url, params }) => {
		const sent = await apiSend<TelegramLinkCode>(fetch, url, 'POST', `/api/models/${encodeURIComponent(params.id)}/telegram-link`, {}, { action: 'telegram' });
		if (!sent.ok) return sent.failure;
		return { action: 'telegram', ok: true, link: sent.data };
	}
};
