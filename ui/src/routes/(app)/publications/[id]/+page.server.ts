import { fail, type Cookies } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import type { PublicationDetail, Rescheduled } from '$contracts/api/publications';
import { adminZone } from '$lib/admin-zone';
import { apiGet, apiSend } from '$lib/load';
import { DEFAULT_ZONE, ZONE_COOKIE, fromLocalInput, pickZone } from '$lib/components/overview/zone';

/**
 * The admin's zone (`$lib/admin-zone`: the saved preference, else the browser's `tz` cookie, else UTC), and whether
 * it came from the browser: then the page stores the browser's zone and reloads when the cookie was missing or stale.
 */
async function zoneOf(fetch: typeof globalThis.fetch, cookies: Cookies) {
	const zone = await adminZone(fetch, cookies);
	const cookieZone = pickZone(cookies.get(ZONE_COOKIE));
	const source = zone === (cookieZone ?? DEFAULT_ZONE) ? ('browser' as const) : ('preference' as const);
	return { zone, source, cookieZone };
}

// The publication's detail: a server load (the session cookie goes along) that the page re-runs after an action,
// and while the workflow applies it (`depends`).
export const load: PageServerLoad = async ({ fetch, url, params, cookies, depends }) => {
	depends('app:publication');
	const [zone, detail] = await Promise.all([
		zoneOf(fetch, cookies),
		apiGet<PublicationDetail>(fetch, url, `/api/publications/${encodeURIComponent(params.id)}`)
	]);
	if (!detail.ok) {
		return {
			...zone,
			id: params.id,
			detail: null,
			notFound: detail.status === 404 || detail.status === 400,
			message: detail.message
		};
	}
	return { ...zone, id: params.id, detail: detail.data, notFound: false, message: '' };
};

const text = (data: FormData, name: string) => {
	const value = data.get(name);
	return typeof value === 'string' ? value.trim() : '';
};

const controlPath = (id: string, control: string) => `/api/publications/${encodeURIComponent(id)}/${control}`;

// Each control answers `{ action, ok }` (reschedule also the time and the rules' warnings), or a refusal
// `fail(status, { error, message, fields?, values: { action } })` shown next to its button.
export const actions: Actions = {
	publishNow: async ({ fetch, url, params }) => {
		const sent = await apiSend(fetch, url, 'POST', controlPath(params.id, 'publish-now'), undefined, { action: 'publishNow' });
		if (!sent.ok) return sent.failure;
		return { action: 'publishNow', ok: true };
	},

	/** The time is read in the admin's zone (the one the page shows) and sent as an ISO instant. */
	reschedule: async ({ request, fetch, url, params, cookies }) => {
		const data = await request.formData();
		const local = text(data, 'scheduledTime');
		const values = { action: 'reschedule', scheduledTime: local };
		const zone = await adminZone(fetch, cookies);
		const scheduledTime = fromLocalInput(local, zone);
		if (!scheduledTime) {
			return fail(400, {
				error: 'invalid_request',
				message: 'scheduledTime: not a date and time',
				fields: { scheduledTime: 'not a date and time' },
				values
			});
		}
		const sent = await apiSend<Rescheduled>(fetch, url, 'POST', controlPath(params.id, 'reschedule'), { scheduledTime }, values);
		if (!sent.ok) return sent.failure;
		return { action: 'reschedule', ok: true, scheduledTime: sent.data.scheduledTime, warnings: sent.data.warnings };
	},

	cancel: async ({ request, fetch, url, params }) => {
		const data = await request.formData();
		const reason = text(data, 'reason');
		const sent = await apiSend(fetch, url, 'POST', controlPath(params.id, 'cancel'), reason ? { reason } : {}, { action: 'cancel', reason });
		if (!sent.ok) return sent.failure;
		return { action: 'cancel', ok: true };
	},

	retry: async ({ fetch, url, params }) => {
		const sent = await apiSend(fetch, url, 'POST', controlPath(params.id, 'retry'), undefined, { action: 'retry' });
		if (!sent.ok) return sent.failure;
		return { action: 'retry', ok: true };
	}
};
