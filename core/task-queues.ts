/** Temporal task queues (DESIGN "Task queues"): workflows + db on pipeline, ffmpeg on media, Playwright on browser. */
export const TaskQueues = { pipeline: 'pipeline', media: 'media', browser: 'browser' } as const;
export type TaskQueueName = (typeof TaskQueues)[keyof typeof TaskQueues];

export const contentWorkflowId = (contentId: string) => `content-${contentId}`;
export const publicationWorkflowId = (publicationId: string) => `publication-${publicationId}`;
/** One check of one account; the suffix keeps on-demand and scheduled checks apart. */
export const sessionCheckWorkflowId = (accountId: string, suffix: string) => `session-check-${accountId}-${suffix}`;
/** The Temporal Schedule that checks every saved session (default every 6 h). */
export const sessionHealthScheduleId = 'session-health';
