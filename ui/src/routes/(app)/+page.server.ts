import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import type { Overview } from '$contracts/api/overview';
import { apiGet, apiSend } from '$lib/load';
import { DEFAULT_ZONE, ZONE_COOKIE, pickZone } from '$lib/components/overview/zone';

// The overview (home page). Server load: "today" is the admin's day, in the zone the browser stored in a cookie
// (UTC until it has). `depends` lets the page refresh just this data every 30 s (invalidate, no reload).
export const load: PageServerLoad = async ({ fetch, url, cookies, depends }) => {
	depends('app:overview');
	const zone = pickZone(cookies.get(ZONE_COOKIE)) ?? DEFAULT_ZONE;
	const overview = await apiGet<Overview>(fetch, url, `/api/overview?tz=${encodeURIComponent(zone)}`);
	return { zone, overview };
};

export const actions: Actions = {
	// Acknowledge an alert: the API records who did it; the form works without JS (the page re-renders without it).
	ack: async ({ request, fetch, url }) => {
		const form = await request.formData();
		const raw = String(form.get('id') ?? '');
		const values = { id: raw };
		if (!/^[1-9]\d{0,15}$/.test(raw)) {
			return fail(400, { error: 'invalid_request', message: 'id: not an alert id', fields: { id: 'not an alert id' }, values });
		}
		const sent = await apiSend<{ eventId: number; actor: string; acknowledgedAt: string }>(
			fetch,
			url,
			'POST',
			`/api/alerts/${raw}/ack`,
			undefined,
			values
		);
		if (!sent.ok) return sent.failure;
		return { acknowledged: sent.data.eventId };
	}
};
