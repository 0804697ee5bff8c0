/** Dashboard words for the models pages: list, create, rules editor, presets, slot preview, Telegram link (Spanish). Merged into `dashboard.ts`. */
export const dashboardModels = {
};
