/** Content commands and queries shared by the API, the bot and the dashboard. */
import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { contentWorkflowId, TaskQueues } from '../core/task-queues.js';
import type { Db } from '../db/client.js';
import { deleteContent, findContent, findModel, insertContent, listPublications, recordEvent } from '../db/queries.js';
import type { contentWorkflow } from '../workflows/content.js';
import { ContentIdKey, ModelNameKey } from '../workflows/search-attributes.js';

export class UnknownModelError extends Error {
  constructor(modelId: string) {
    super(`unknown modelId ${modelId}`);
  }
}

export interface SubmitContentInput {
  modelId: string;
  filePath: string;
  originalFilename: string | null;
  context: string | null;
  sentBy: string;
}

/** Stores the content row and starts content-<id>; if the workflow cannot start, the row is removed again. */
export async function submitContent(deps: { db: Db; temporal: Client }, input: SubmitContentInput) {
  const model = await findModel(deps.db, input.modelId);
  if (!model) throw new UnknownModelError(input.modelId);
  const id = randomUUID();
  const workflowId = contentWorkflowId(id);
  await insertContent(deps.db, { id, workflowId, ...input });
  try {
    await deps.temporal.workflow.start<typeof contentWorkflow>('contentWorkflow', {
      workflowId,
      taskQueue: TaskQueues.pipeline,
      args: [{ contentId: id }],
      typedSearchAttributes: [
        { key: ModelNameKey, value: model.name },
        { key: ContentIdKey, value: id },
      ],
      staticSummary: `${model.name}: ${input.originalFilename ?? 'video'}`,
    });
  } catch (error) {
    await deleteContent(deps.db, id);
    throw error;
  }
  await recordEvent(deps.db, {
    type: 'content_received', contentId: id, modelId: model.id, actor: input.sentBy, description: input.originalFilename ?? 'video',
  });
  return { id, workflowId };
}

export async function getContentWithPublications(db: Db, id: string) {
  const content = await findContent(db, id);
  if (!content) return undefined;
  return { content, publications: await listPublications(db, { contentId: id }) };
}
