// An event's description in the page's language, from its kind and payload (messages/<lang>/events.ts); the
// stored English description when the payload does not render (an older row, a shape that changed).
import type { EventKind, EventDescriptions } from '$contracts/events';
import { events as en } from '$messages/en/events';
import { events as es } from '$messages/es/events';

const catalogues: Record<string, EventDescriptions> = { es, en };

export function describeEvent(lang: string, kind: string, data: unknown, stored: string): string {
	const describe = (catalogues[lang] ?? es)[kind as EventKind] as ((payload: unknown) => string) | undefined;
	if (!describe || data === null || typeof data !== 'object') return stored;
	try {
		const text = describe(data);
		return typeof text === 'string' && text.trim() !== '' && !text.includes('undefined') ? text : stored;
	} catch {
		return stored;
	}
}
