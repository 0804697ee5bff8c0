/** Dashboard words for the publication detail page (Spanish). Merged into `dashboard.ts`. */
export const dashboardPublication = {
};
