/** Dashboard words for the platforms and accounts pages: capabilities, enable/disable, account create/edit/delete (Spanish). Merged into `dashboard.ts`. */
export const dashboardSetup = {
};
