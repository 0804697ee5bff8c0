/** What the overview's `ack` action answered: the id it acknowledged, or the refusal (`values.id`: the alert it was for). */
export type AckResult = { acknowledged?: number; message?: string; values?: Record<string, unknown> } | null | undefined;
