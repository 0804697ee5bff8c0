/** Dashboard words for the model's watermark / branding (English): the same keys as `../es/dashboard-watermark.ts`. */
import type { dashboardWatermark as es } from '../es/dashboard-watermark.js';

export const dashboardWatermark = {
} satisfies Record<keyof typeof es, string>;
