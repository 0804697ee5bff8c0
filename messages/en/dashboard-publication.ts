/** Dashboard words for the publication detail page (English): the same keys as `../es/dashboard-publication.ts`. */
import type { dashboardPublication as es } from '../es/dashboard-publication.js';

export const dashboardPublication = {
} satisfies Record<keyof typeof es, string>;
