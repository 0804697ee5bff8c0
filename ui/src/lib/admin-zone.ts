// The admin's time zone for server loads: her saved preference (Ajustes), else the zone her browser reported in
// the `tz` cookie, else UTC.
import type { Cookies } from '@sveltejs/kit';
import { DEFAULT_ZONE, ZONE_COOKIE, pickZone } from './components/overview/zone';

export async function adminZone(fetch: typeof globalThis.fetch, cookies: Cookies): Promise<string> {
	try {
		const res = await fetch('/api/settings/preferences', { headers: { accept: 'application/json' } });
		if (res.ok) {
			const saved = pickZone(((await res.json()) as { timezone?: string | null }).timezone);
			if (saved) return saved;
		}
	} catch {
		// No preference reachable: the browser's zone will do.
	}
	return pickZone(cookies.get(ZONE_COOKIE)) ?? DEFAULT_ZONE;
}

/**
 * The admin's zone with where it came from, for pages that store the browser's zone when none is saved: `browser`
 * when it is the cookie's (or the default), `preference` when it is the one saved in Ajustes; `cookieZone` is what
 * the browser last reported (null before it has).
 */
export async function adminZoneWithSource(
	fetch: typeof globalThis.fetch,
	cookies: Cookies
): Promise<{ zone: string; zoneSource: 'browser' | 'preference'; cookieZone: string | null }> {
	const zone = await adminZone(fetch, cookies);
	const cookieZone = pickZone(cookies.get(ZONE_COOKIE));
	return { zone, zoneSource: zone === (cookieZone ?? DEFAULT_ZONE) ? 'browser' : 'preference', cookieZone };
}
