// The admin's time zone: the browser tells it (Intl) through a cookie, so server loads compute "today" and format
// times in it; until the browser has spoken (first visit, no JS) it is UTC. Pure apart from `rememberZone`.

export const ZONE_COOKIE = 'tz';
export const DEFAULT_ZONE = 'UTC';

/** A zone the runtime knows, normalized (`utc` → `UTC`), or null. */
export function pickZone(value: string | null | undefined): string | null {
	if (!value || value.length > 64) return null;
	try {
		return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
	} catch {
		return null;
	}
}

const pad = (n: number) => String(n).padStart(2, '0');
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall clock of an instant in a zone. Same text on the server and in the browser (explicit zone, 24 h). */
function wall(ms: number, zone: string) {
	let format = formatters.get(zone);
	if (!format) {
		format = new Intl.DateTimeFormat('en-US', {
			timeZone: zone,
			hourCycle: 'h23',
			year: 'numeric',
			month: 'numeric',
			day: 'numeric',
			hour: 'numeric',
			minute: 'numeric',
			second: 'numeric'
		});
		formatters.set(zone, format);
	}
	const parts: Record<string, number> = {};
	for (const part of format.formatToParts(ms)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
	return {
		year: parts.year!,
		month: parts.month!,
		day: parts.day!,
		hour: parts.hour! % 24,
		minute: parts.minute!,
		second: parts.second!
	};
}

/** `YYYY-MM-DD HH:mm` (or `HH:mm:ss` with `timeOnly`) of an ISO instant in the zone; `—` for none. */
export function formatInZone(iso: string | null, zone: string, style: 'datetime' | 'time' = 'datetime'): string {
	if (!iso) return '—';
	const ms = Date.parse(iso);
	if (Number.isNaN(ms)) return iso;
	const w = wall(ms, zone);
	if (style === 'time') return `${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
	return `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`;
}

/** The value of a `datetime-local` input (`YYYY-MM-DDTHH:mm`) showing an ISO instant in the zone. */
export function toLocalInput(iso: string, zone: string): string {
	return formatInZone(iso, zone).replace(' ', 'T');
}

/** A `datetime-local` value read as a wall-clock time in the zone → ISO instant (UTC); null when malformed. */
export function fromLocalInput(local: string, zone: string): string | null {
	const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local);
	if (!m) return null;
	const asUtc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0));
	if (Number.isNaN(asUtc)) return null;
	// The zone's offset at that instant; a second pass settles times next to an offset change.
	const offset = (ms: number) => {
		const w = wall(ms, zone);
		return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000;
	};
	let guess = asUtc - offset(asUtc);
	guess = asUtc - offset(guess);
	return new Date(guess).toISOString();
}

/** In the browser: store its zone for the server loads; true when it changed (the caller reloads its data). */
export function rememberZone(current: string): boolean {
	const zone = pickZone(Intl.DateTimeFormat().resolvedOptions().timeZone);
	if (!zone || zone === current) return false;
	document.cookie = `${ZONE_COOKIE}=${encodeURIComponent(zone)}; path=/; max-age=31536000; samesite=lax`;
	return true;
}
