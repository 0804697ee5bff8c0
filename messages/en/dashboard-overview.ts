/** Dashboard words for the overview (home) and the events / audit page, alerts (English): the same keys as `../es/dashboard-overview.ts`. */
import type { dashboardOverview as es } from '../es/dashboard-overview.js';

export const dashboardOverview = {
} satisfies Record<keyof typeof es, string>;
