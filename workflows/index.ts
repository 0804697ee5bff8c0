/** The workflow bundle's entry point: every workflow the pipeline worker runs. */
export { contentWorkflow } from './content.js';
export { publicationWorkflow } from './publication.js';
export { sessionCheckWorkflow, sessionHealthWorkflow } from './session.js';
export { clickRetentionWorkflow } from './click-retention.js';
export { mediaRetentionWorkflow } from './media-retention.js';
export { learnedSlotsWorkflow } from './learned-slots.js';
export { streamSourceWorkflow } from './stream-source.js';
