/** Dashboard words for the models pages: list, create, rules editor, presets, slot preview, Telegram link (English): the same keys as `../es/dashboard-models.ts`. */
import type { dashboardModels as es } from '../es/dashboard-models.js';

export const dashboardModels = {
} satisfies Record<keyof typeof es, string>;
