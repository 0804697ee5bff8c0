/** Dashboard words for the overview (home) and the events / audit page, alerts (Spanish). Merged into `dashboard.ts`. */
export const dashboardOverview = {
};
