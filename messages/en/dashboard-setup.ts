/** Dashboard words for the platforms and accounts pages: capabilities, enable/disable, account create/edit/delete (English): the same keys as `../es/dashboard-setup.ts`. */
import type { dashboardSetup as es } from '../es/dashboard-setup.js';

export const dashboardSetup = {
} satisfies Record<keyof typeof es, string>;
