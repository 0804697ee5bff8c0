/** Dashboard words for login, sessions, named API tokens and the password (the settings page) (Spanish). Merged into `dashboard.ts`. */
export const dashboardSecurity = {
};
