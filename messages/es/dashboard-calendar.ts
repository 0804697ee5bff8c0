/** Dashboard words for the calendar (Spanish). Merged into `dashboard.ts`. */
export const dashboardCalendar = {
};
