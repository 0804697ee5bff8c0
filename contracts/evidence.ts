/** The files a failed browser job leaves per attempt (activities write them, the API serves exactly these). */
export const evidenceFiles = ['trace.zip', 'screenshot.png', 'page.html', 'info.json'] as const;
export type EvidenceFile = (typeof evidenceFiles)[number];
