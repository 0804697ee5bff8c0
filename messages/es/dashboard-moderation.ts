/** Dashboard words for the auto-moderation rules editor (Spanish). Merged into `dashboard.ts`. */
export const dashboardModeration = {
};
