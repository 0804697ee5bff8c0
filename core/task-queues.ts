/** Temporal task queues (DESIGN "Task queues"): workflows + db on pipeline, ffmpeg on media, Playwright on browser. */
export const TaskQueues = { pipeline: 'pipeline', media: 'media', browser: 'browser' } as const;
export type TaskQueueName = (typeof TaskQueues)[keyof typeof TaskQueues];

export const contentWorkflowId = (contentId: string) => `content-${contentId}`;
export const publicationWorkflowId = (publicationId: string) => `publication-${publicationId}`;
