/** Dashboard words for the model's watermark / branding (Spanish). Merged into `dashboard.ts`. */
export const dashboardWatermark = {
};
