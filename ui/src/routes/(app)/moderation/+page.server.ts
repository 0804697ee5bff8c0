import type { Actions, PageServerLoad } from './$types';
import { apiGet, apiSend } from '$lib/load';
import type { ModelList } from '$contracts/api/models';
import type { ModerationRule, ModerationRuleList } from '$contracts/api/moderation';
import type { PlatformList } from '$contracts/api/platforms';

/**
 * Auto-moderation rules: every rule (the API orders them studio-wide, per platform, per model), with the
 * platforms (their effective capabilities, for the try-it box) and the models to pick from. Every change is a
 * form action over /api/moderation-rules with the admin's session, so it works without JS and the API records
 * who did it.
 */
export const load: PageServerLoad = async ({ fetch, url }) => {
	const [rules, platforms, models] = await Promise.all([
		apiGet<ModerationRuleList>(fetch, url, '/api/moderation-rules'),
		apiGet<PlatformList>(fetch, url, '/api/platforms?limit=200'),
		apiGet<ModelList>(fetch, url, '/api/models?limit=200')
	]);
	if (!rules.ok || !platforms.ok || !models.ok) return { loadFailed: true as const };
	return {
		loadFailed: false as const,
		rules: rules.data.items,
		platforms: platforms.data.items.map((p) => ({ id: p.id, name: p.name, capabilities: p.capabilities })),
		models: models.data.items.map((m) => ({ id: m.id, name: m.name }))
	};
};

const text = (data: FormData, name: string) => {
	const value = data.get(name);
	return typeof value === 'string' ? value : '';
};

/** The form's string values, to put back in the fields after a refusal. */
function formValues(data: FormData, action: string): Record<string, string> {
	const values: Record<string, string> = { action };
	for (const [key, value] of data) if (typeof value === 'string') values[key] = value;
	return values;
}

/** The rule fields of a create or edit form: "" in a select = every platform / model. */
function ruleBody(data: FormData) {
	return {
		kind: text(data, 'kind'),
		value: text(data, 'value'),
		note: text(data, 'note').trim() || null,
		platformId: text(data, 'platformId') || null,
		modelId: text(data, 'modelId') || null
	};
}

const rulePath = (id: string) => `/api/moderation-rules/${encodeURIComponent(id)}`;

export const actions: Actions = {
	create: async ({ request, fetch, url }) => {
		const data = await request.formData();
		const values = formValues(data, 'create');
		const sent = await apiSend<ModerationRule>(fetch, url, 'POST', '/api/moderation-rules', ruleBody(data), values);
		if (!sent.ok) return sent.failure;
		return { action: 'create', ok: true, id: sent.data.id };
	},

	update: async ({ request, fetch, url }) => {
		const data = await request.formData();
		const id = text(data, 'id');
		const values = formValues(data, 'update');
		const sent = await apiSend<ModerationRule>(fetch, url, 'PATCH', rulePath(id), ruleBody(data), values);
		if (!sent.ok) return sent.failure;
		return { action: 'update', ok: true, id };
	},

	/** Activate or deactivate: an inactive rule is kept but checks nothing. */
	toggle: async ({ request, fetch, url }) => {
		const data = await request.formData();
		const id = text(data, 'id');
		const active = text(data, 'active') === 'true';
		const sent = await apiSend<ModerationRule>(fetch, url, 'PATCH', rulePath(id), { active }, { action: 'toggle', id });
		if (!sent.ok) return sent.failure;
		return { action: 'toggle', ok: true, id, active: sent.data.active };
	},

	delete: async ({ request, fetch, url }) => {
		const data = await request.formData();
		const id = text(data, 'id');
		const value = text(data, 'value');
		const sent = await apiSend(fetch, url, 'DELETE', rulePath(id), undefined, { action: 'delete', id });
		if (!sent.ok) return sent.failure;
		return { action: 'delete', ok: true, id, value };
	}
};
