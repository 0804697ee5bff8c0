/** Dashboard words for the calendar (English): the same keys as `../es/dashboard-calendar.ts`. */
import type { dashboardCalendar as es } from '../es/dashboard-calendar.js';

export const dashboardCalendar = {
} satisfies Record<keyof typeof es, string>;
