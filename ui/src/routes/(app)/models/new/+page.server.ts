import { redirect } from '@sveltejs/kit';
import type { Actions } from './$types';
import { apiSend } from '$lib/load';
import type { ModelDetail } from '$contracts/api/models';
import { isPresetCode } from '$core/presets';

export const actions: Actions = {
	/** Create from a regional preset (or the defaults), then open the new model's page. */
	default: async ({ request, fetch, url }) => {
		const data = await request.formData();
		const name = String(data.get('name') ?? '');
		const preset = String(data.get('preset') ?? '');
		const values = { name, preset };
		const body = { name, ...(isPresetCode(preset) ? { preset } : {}) };
		const sent = await apiSend<ModelDetail>(fetch, url, 'POST', '/api/models', body, values);
		if (!sent.ok) return sent.failure;
		redirect(303, `/models/${sent.data.id}?created=1`);
	}
};
