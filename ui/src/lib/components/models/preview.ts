// The live slot preview: the same core/scheduling.ts `nextFreeSlot` the scheduler and the API's preview use,
// run in the browser over the taken times the preview endpoint returned, so the admin sees what a draft of
// the rules would give before saving it.
import type { SlotsPreview } from '$contracts/api/models';
import { nextFreeSlot, validateSchedulingRules } from '$core/scheduling';

export interface ScheduleDraft {
	timezone: string;
	slots: string[];
	maxPostsPerDay: number;
	minSpacingMinutes: number;
}

export interface AccountSlots {
	accountId: string;
	platform: string;
	username: string;
	slots: string[];
}

/** The next `count` free slots per account under `rules`, seen from `now`; null when the rules are not valid. */
export function computePreview(preview: SlotsPreview, rules: ScheduleDraft, now: Date, count = preview.count): AccountSlots[] | null {
	if (validateSchedulingRules(rules).length > 0) return null;
	return preview.accounts.map((account) => {
		const taken = account.taken.map((t) => new Date(t));
		const slots: string[] = [];
		const lead = { minLeadMinutes: account.minLeadMinutes, maxLeadDays: account.maxLeadDays };
		while (slots.length < count) {
			const slot = nextFreeSlot({ rules, lead, now, taken });
			if (!slot) break;
			slots.push(slot.toISOString());
			taken.push(slot);
		}
		return { accountId: account.accountId, platform: account.platform, username: account.username, slots };
	});
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** "lun 12 may 21:00" in a zone and the admin's language (the same text on server and browser for one zone). */
export function formatInZone(iso: string, timeZone: string, lang: string): string {
	const key = `${lang}|${timeZone}`;
	let format = formats.get(key);
	if (!format) {
		try {
			format = new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'es-ES', {
				timeZone,
				weekday: 'short',
				day: 'numeric',
				month: 'short',
				hour: '2-digit',
				minute: '2-digit',
				hourCycle: 'h23'
			});
		} catch {
			return iso;
		}
		formats.set(key, format);
	}
	return format.format(new Date(iso));
}

/** Every IANA zone the runtime knows (for the searchable list), with the model's own first when it is not among them. */
export function timeZones(current: string): string[] {
	let zones: string[] = [];
	try {
		zones = (Intl as unknown as { supportedValuesOf(key: string): string[] }).supportedValuesOf('timeZone');
	} catch {
		zones = [];
	}
	return zones.includes(current) || !current ? zones : [current, ...zones];
}
