// Shapes of the HTTP API the dashboard reads. Duplicated on purpose: ui/ talks to the app
// only over HTTP and never imports db/ or services/.

export const STATUSES = [
	'scheduled',
	'held',
	'processing',
	'published',
	'failed',
	'canceled',
	'unconfirmed'
] as const;
export type PublicationStatus = (typeof STATUSES)[number];

export function isStatus(value: unknown): value is PublicationStatus {
	return typeof value === 'string' && (STATUSES as readonly string[]).includes(value);
}

export interface Publication {
	id: string;
	contentId: string;
	status: PublicationStatus;
	modelName: string;
	platformName: string;
	accountUsername: string;
	scheduledTime: string | null;
	publishedAt: string | null;
	postUrl: string | null;
	attempts: number;
	lastError: string | null;
	workflowId: string | null;
}

export interface PublicationsResponse {
	items: Publication[];
	temporalUiUrl: string;
}

export type StatusCounts = Record<PublicationStatus, number>;
