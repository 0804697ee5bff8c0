/** Dashboard words for the content queue (approval desk) (English): the same keys as `../es/dashboard-desk.ts`. */
import type { dashboardDesk as es } from '../es/dashboard-desk.js';

export const dashboardDesk = {
} satisfies Record<keyof typeof es, string>;
