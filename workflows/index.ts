/** The workflow bundle's entry point: every workflow the pipeline worker runs. */
export { contentWorkflow, approveSignal, rejectSignal } from './content.js';
export { publicationWorkflow } from './publication.js';
