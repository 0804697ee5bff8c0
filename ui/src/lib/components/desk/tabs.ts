// The content desk's tabs and what each asks the API for. Pure.
import type { ContentStatus } from '$contracts/api/contents';

export const deskTabs = ['pending', 'rejected', 'duplicate', 'all'] as const;
export type DeskTab = (typeof deskTabs)[number];

const statusByTab: Record<DeskTab, ContentStatus | null> = { pending: 'new', rejected: 'rejected', duplicate: 'duplicate', all: null };

export function statusOfTab(tab: DeskTab): ContentStatus | null {
	return statusByTab[tab];
}

/** Hashtags typed in a box ("#a b, c") → ['a', 'b', 'c'] (the API normalises them again). */
export function parseTags(text: string): string[] {
	return text
		.split(/[\s,]+/)
		.map((t) => t.replace(/^#+/, ''))
		.filter(Boolean);
}

/** 12.3456 → "12.3 s"; 1280, 720 → "1280×720". */
export const formatSeconds = (s: number | null) => (s === null ? '—' : `${s.toFixed(1)} s`);
export const formatResolution = (w: number | null, h: number | null) => (w && h ? `${w}×${h}` : '—');
