// The calendar's time handling and its events, pure (no Svelte, no fetch).
//
// Time zones: @event-calendar/core only knows the browser's zone, UTC or a fixed offset, not IANA zones with their
// daylight-saving rules. So the calendar is fed *wall times of the admin's zone* as floating strings
// ("2026-03-29T14:00:00", no offset), which it shows as they are; its own `timeZone` is the admin zone's offset *now*,
// which only places "today" and the now line. Going back, a wall time becomes an instant with core/scheduling.ts
// `zonedTimeToUtc` (a wall time inside a DST gap does not exist: the move is refused). A drop is read as the event's
// previous wall time plus the calendar's `delta`, never through the browser's own zone, so the browser's DST changes
// cannot shift it.
import { zonedTimeToUtc } from '$core/scheduling';
import type { CalendarFreeSlot, CalendarItem, CalendarResponse } from '$contracts/api/calendar';
import type { Tone } from '$lib/accounts';
import type { PublicationStatus } from '$lib/types';

export type CalendarViewName = 'day' | 'week' | 'month';
export const calendarViews: Record<CalendarViewName, string> = { day: 'timeGridDay', week: 'timeGridWeek', month: 'dayGridMonth' };
export const snapChoices = [1, 5, 15, 30] as const;
export const DEFAULT_SNAP = 15;

/** How long an entry is drawn in the time grids (a publication is an instant). */
export const ENTRY_MINUTES = 30;

const MINUTE = 60_000;
const DAY = 86_400_000;
const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
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
	return format;
}

/** The wall clock of an instant in a zone, as a floating ISO string `YYYY-MM-DDTHH:MM:SS`. */
export function wallOf(instant: string | number | Date, zone: string): string {
	const ms = instant instanceof Date ? instant.getTime() : typeof instant === 'string' ? Date.parse(instant) : instant;
	const parts: Record<string, number> = {};
	for (const part of formatterFor(zone).formatToParts(ms)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
	return `${pad(parts.year!, 4)}-${pad(parts.month!)}-${pad(parts.day!)}T${pad(parts.hour! % 24)}:${pad(parts.minute!)}:${pad(parts.second!)}`;
}

/** The instant of a wall time in a zone; null when that time does not exist there (a daylight-saving gap). */
export function wallToInstant(wall: string, zone: string): Date | null {
	const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::(\d{2}))?/.exec(wall);
	if (!match) return null;
	const minute = zonedTimeToUtc(match[1]!, match[2]!, zone);
	return minute && new Date(minute.getTime() + Number(match[3] ?? 0) * 1000);
}

/** A wall time moved by a wall-clock amount (days and seconds, as the calendar's `delta` says). */
export function shiftWall(wall: string, delta: { days: number; seconds: number }): string {
	const ms = Date.parse(`${wall.slice(0, 19)}Z`) + delta.days * DAY + delta.seconds * 1000;
	return new Date(ms).toISOString().slice(0, 19);
}

/** The wall time the calendar shows for a Date it hands out (its fields in the browser's zone are the wall clock). */
export function wallOfCalendarDate(date: Date): string {
	return `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** The zone's offset from UTC at an instant, as `±HH:MM` (what the calendar's `timeZone` option accepts). */
export function offsetOf(zone: string, at: Date = new Date()): string {
	const ms = Math.floor(at.getTime() / 1000) * 1000;
	const minutes = Math.round((Date.parse(`${wallOf(ms, zone)}Z`) - ms) / MINUTE);
	const sign = minutes < 0 ? '-' : '+';
	const abs = Math.abs(minutes);
	return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** `HH:MM` of a wall time, or `YYYY-MM-DD HH:MM` with the date. */
export function wallLabel(wall: string, withDate = false): string {
	return withDate ? `${wall.slice(0, 10)} ${wall.slice(11, 16)}` : wall.slice(11, 16);
}

const endOf = (wall: string) => shiftWall(wall, { days: 0, seconds: ENTRY_MINUTES * 60 });

export interface PublicationProps {
	kind: 'publication';
	item: CalendarItem;
	/** Where it sits, in the admin's zone (kept up to date after a move). */
	wall: string;
}

export interface FreeProps {
	kind: 'free';
	wall: string;
	slots: CalendarFreeSlot[];
}

export type EntryProps = PublicationProps | FreeProps;

/** The events of one answer: each publication, and the free slots grouped by time (drawn twice, see eventFilter). */
export function calendarEvents(answer: CalendarResponse, zone: string, tones: Record<PublicationStatus, Tone>) {
	const events = [];
	for (const item of answer.items) {
		const wall = wallOf(item.time, zone);
		const props: PublicationProps = { kind: 'publication', item, wall };
		events.push({
			id: item.publicationId,
			start: wall,
			end: endOf(wall),
			title: `${item.modelName} · ${item.platform} @${item.username}`,
			startEditable: item.reschedulable,
			durationEditable: false,
			classNames: ['pub', `status-${item.status}`, tones[item.status]],
			extendedProps: props as unknown as Record<string, unknown>
		});
	}
	const byTime = new Map<string, CalendarFreeSlot[]>();
	for (const slot of answer.freeSlots) {
		const list = byTime.get(slot.time);
		if (list) list.push(slot);
		else byTime.set(slot.time, [slot]);
	}
	for (const [time, slots] of byTime) {
		const wall = wallOf(time, zone);
		const props: FreeProps = { kind: 'free', wall, slots };
		const base = { start: wall, end: endOf(wall), startEditable: false, durationEditable: false, extendedProps: props as unknown as Record<string, unknown> };
		// Time grids shade the slot behind the publications; the month grid lists it (it draws no timed background).
		events.push({ ...base, id: `free-bg-${time}`, display: 'background' as const, classNames: ['free-slot'] });
		events.push({ ...base, id: `free-${time}`, title: '', classNames: ['free-slot', 'free-item'] });
	}
	return events;
}

export const entryOf = (props: Record<string, unknown>) => props as unknown as EntryProps;

/** Which copy of a free slot a view shows: the background one in the time grids, the listed one in the month. */
export function showsEntry(props: Record<string, unknown>, display: string, viewType: string): boolean {
	if (entryOf(props).kind !== 'free') return true;
	const monthGrid = viewType.startsWith('dayGrid');
	return monthGrid ? display !== 'background' : display === 'background';
}

/** The view and date a URL asks for (unknown values fall back). */
export function pickView(value: string | null): CalendarViewName {
	return value === 'day' || value === 'month' ? value : 'week';
}
export function pickDate(value: string | null): string | null {
	return value && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) ? value : null;
}
export function pickSnap(value: string | null): number {
	const n = Number(value);
	return (snapChoices as readonly number[]).includes(n) ? n : DEFAULT_SNAP;
}
export function viewNameOf(type: string): CalendarViewName {
	return type === 'timeGridDay' ? 'day' : type === 'dayGridMonth' ? 'month' : 'week';
}
