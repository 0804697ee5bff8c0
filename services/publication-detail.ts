/**
 * One publication as its detail page shows it: its content, model and account; the workflow's link in the
 * Temporal Web UI; the timeline of its events; every attempt with its error and evidence; its metrics over time;
 * and which controls its status allows.
 */
import type { EventKind } from '../contracts/events.js';
import { publicationDetailLimits } from '../contracts/api/publications.js';
import type { Db } from '../db/client.js';
import { publicationDetailRow, publicationMetricRows, publicationTimelineRows } from '../db/publication-detail.js';
import { ServiceError } from './errors.js';
import { evidenceError, listEvidence, type EvidenceFileEntry } from './evidence.js';
import { controlStatuses } from './publications.js';

export interface PublicationDetailDeps {
  db: Db;
  evidenceDir: string;
  /** The Temporal Web UI and the namespace the workflows live in (config.temporal). */
  temporal: { uiUrl: string; namespace: string };
}

/**
 * Content events recorded before the publication existed (no publication_id): the start of its story. Later content
 * events (a media variant of another platform…) belong to the other publications and stay out.
 */
export const contentTimelineKinds = [
  'content_received', 'content_ingested', 'caption_generated', 'approval_requested', 'approval_reminder', 'content_approved',
] as const satisfies readonly EventKind[];

/** `<ui>/namespaces/<ns>/workflows/<id>`, as the dashboard's list links it (ui/src/lib/format.ts workflowUrl). */
export function temporalWorkflowUrl(temporal: { uiUrl: string; namespace: string }, workflowId: string): string {
  const base = temporal.uiUrl.replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** Statuses in which the last attempt's error is still the story (not published, not under way). */
const stoppedStatuses = new Set(['failed', 'unconfirmed', 'held', 'scheduled', 'canceled']);

export async function getPublicationDetail(deps: PublicationDetailDeps, id: string) {
  const row = await publicationDetailRow(deps.db, id);
  if (!row) throw new ServiceError('not_found', 'not_found', `publication ${id} not found`);

  const [events, metricRows, evidence] = await Promise.all([
    // One more than shown says whether older ones were left out.
    publicationTimelineRows(deps.db, row, contentTimelineKinds, publicationDetailLimits.timeline + 1),
    publicationMetricRows(deps.db, id, publicationDetailLimits.metrics + 1),
    listEvidence(deps.evidenceDir, id),
  ]);

  const timeline = events.slice(0, publicationDetailLimits.timeline).reverse().map((e) => ({
    id: e.id,
    ts: e.ts.toISOString(),
    kind: e.type,
    description: e.description,
    actor: e.actor,
    data: e.data ?? null,
    scope: e.publicationId === id ? ('publication' as const) : ('content' as const),
  }));

  const metrics = metricRows.slice(0, publicationDetailLimits.metrics).reverse().map((m) => ({
    ts: m.ts.toISOString(),
    views: m.views,
    likes: m.likes,
    comments: m.comments,
    shares: m.shares,
    reach: m.reach,
    saves: m.saves,
    platformFollowers: m.platformFollowers,
    source: m.source,
  }));

  // Every attempt the row counted, plus any that left evidence (the counter and the folders agree, but a folder
  // written by a run the counter does not know of is still shown).
  const byAttempt = new Map(evidence.map((a) => [a.attempt, a]));
  const numbers = new Set<number>(evidence.map((a) => a.attempt));
  for (let n = 1; n <= row.attempts; n += 1) numbers.add(n);
  const last = Math.max(0, ...numbers);
  const attempts = [...numbers].sort((a, b) => a - b).map((attempt) => {
    const found = byAttempt.get(attempt);
    const files: EvidenceFileEntry[] = found?.files ?? [];
    const error = evidenceError(found?.info ?? null)
      ?? (attempt === last && stoppedStatuses.has(row.status) ? row.lastError : null);
    return { attempt, error, files, info: found?.info ?? null };
  });

  const allows = (control: keyof typeof controlStatuses) => controlStatuses[control].includes(row.status);

  return {
    row,
    tags: row.tagsUsed ?? [],
    content: {
      id: row.contentId,
      status: row.contentStatus,
      context: row.contentContext,
      thumbnailUrl: row.contentThumbnailPath ? `/api/contents/${row.contentId}/thumbnail` : null,
      durationSeconds: row.contentDurationSeconds,
      width: row.contentWidth,
      height: row.contentHeight,
    },
    model: { id: row.modelId, name: row.modelName, timezone: row.modelDistribution.timezone },
    account: { id: row.accountId, username: row.accountUsername, platform: row.platformName, profileUrl: row.accountProfileUrl },
    workflowUrl: row.workflowId ? temporalWorkflowUrl(deps.temporal, row.workflowId) : null,
    tracking: { link: row.trackingLink, clicks: row.clicks, uniqueClicks: row.uniqueClicks, botClicks: row.botClicks },
    timeline,
    timelineTruncated: events.length > publicationDetailLimits.timeline,
    attempts,
    metrics,
    metricsTruncated: metricRows.length > publicationDetailLimits.metrics,
    actions: { publishNow: allows('publishNow'), reschedule: allows('reschedule'), cancel: allows('cancel'), retry: allows('retry') },
  };
}
