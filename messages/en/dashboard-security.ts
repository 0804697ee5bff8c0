/** Dashboard words for login, sessions, named API tokens and the password (the settings page) (English): the same keys as `../es/dashboard-security.ts`. */
import type { dashboardSecurity as es } from '../es/dashboard-security.js';

export const dashboardSecurity = {
} satisfies Record<keyof typeof es, string>;
