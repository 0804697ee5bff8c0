/** Dashboard words for the content queue (approval desk) (Spanish). Merged into `dashboard.ts`. */
export const dashboardDesk = {
};
