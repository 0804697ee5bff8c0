/** Placeholder: filled in by the section's owner. */
export const notices = {};
