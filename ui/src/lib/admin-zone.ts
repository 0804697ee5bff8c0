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
