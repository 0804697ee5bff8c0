/** Dashboard words for the auto-moderation rules editor (English): the same keys as `../es/dashboard-moderation.ts`. */
import type { dashboardModeration as es } from '../es/dashboard-moderation.js';

export const dashboardModeration = {
} satisfies Record<keyof typeof es, string>;
