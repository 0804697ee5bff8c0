/**
 * The activities of `streamSourceWorkflow` (one per Chaturbate stream source): follow the Events API feed from the
 * stored cursor, applying each answer in one transaction (db/stream-events.ts); read the Stats API while a session is
 * open; compute a closed session's attribution; prepare the "en vivo ahora" post of a session that opened.
 * Nothing they return or throw carries a token or a `nextUrl`.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { createHmac } from 'node:crypto';
import { attributeStream } from '../../db/attribution.js';
import { createRepost, RepostError } from '../../db/reposts.js';
import {
  applyEventsBatch, deleteOldStreamEventIds, loadLivePostTarget, loadStreamSource, openStreamOf, recordStatsSample, recordStreamSourceError,
  revokeStreamSource, sessionsChangedSince, streamSourceStatus,
} from '../../db/stream-events.js';
import type { ActivityDeps } from '../deps.js';
import { withHeartbeat } from '../heartbeat.js';
import { initialEventsUrl, requestEvents, requestStats, scrubStreamSecrets } from './chaturbate.js';

/** How long one `pollStreamEvents` follows the feed before handing back to the workflow (a few long polls). */
export const streamPollWindowMs = 4 * 60_000;

export interface PollStreamEventsInput {
  sourceId: string;
  /** Report sessions opened or closed at or after this time (the previous summary's `asOf`). */
  since: string;
  /** Hand back within this long (the next Stats API reading is due); default and cap `streamPollWindowMs`. */
  returnWithinMs?: number;
}

export interface PollStreamEventsSummary {
  /** `gone`: the source was deleted; `no_token`: it has no Events API token to follow. */
  status: 'active' | 'revoked' | 'paused' | 'gone' | 'no_token';
  /** The database's time when this attempt began: the next call's `since`. */
  asOf: string;
  /** Sessions of the source opened / closed since `since` (reported again after a crash: the steps after are idempotent). */
  opened: string[];
  closed: string[];
  openStreamId: string | null;
  /** Events applied by this attempt. */
  applied: number;
  /** STREAM_STATS_POLL_MINUTES, for the workflow's timer (workflows cannot read config). */
  statsPollMs: number;
}

export interface StreamStatsReading {
  streamId: string;
  viewers: number | null;
  followers: number | null;
}

export function createStreamActivities({ db, config, log }: Pick<ActivityDeps, 'db' | 'config' | 'log'>) {
  const { keyring } = config;
  const settings = config.streams;
  // Counts each viewer once per session without keeping the name: a keyed hash, the key derived from the current one.
  const visitorKey = createHmac('sha256', keyring.current.key).update('trafico:stream-visitors').digest();
  const statsPollMs = () => Math.max(1000, Math.round(settings.statsPollMinutes * 60_000));

  async function summary(status: PollStreamEventsSummary['status'], input: PollStreamEventsInput, asOf: string, applied: number): Promise<PollStreamEventsSummary> {
    const changed = status === 'gone' ? { opened: [], closed: [] } : await sessionsChangedSince(db, input.sourceId, input.since);
    const openStreamId = status === 'gone' ? null : await openStreamOf(db, input.sourceId);
    return { status, asOf, ...changed, openStreamId, applied, statsPollMs: statsPollMs() };
  }

  return {
    /**
     * Long-polls the source's Events API feed, one answer after another, for up to `streamPollWindowMs` (heartbeating),
     * applying each answer in one transaction with the cursor. Hands back early when a session opened or closed, when the
     * source stops being active, or when cancelled. A 401 revokes the source (one alert) and fails non-retryably
     * (`StreamSourceRevoked`); network errors, 5xx and 429 fail retryably, the cursor where it was.
     */
    async pollStreamEvents(input: PollStreamEventsInput): Promise<PollStreamEventsSummary> {
      return withHeartbeat(async () => {
        const ctx = Context.current();
        const source = await loadStreamSource(db, keyring, input.sourceId);
        const now = source?.now ?? new Date().toISOString();
        if (!source) return summary('gone', input, now, 0);
        if (source.status !== 'active') return summary(source.status, input, now, 0);
        if (!source.eventsToken) return summary('no_token', input, now, 0);
        const secrets = [source.eventsToken, source.statsToken, source.nextUrl];
        await deleteOldStreamEventIds(db, source.id, settings.eventIdsDays);

        const startedAt = Date.now();
        const budgetMs = Math.max(0, Math.min(input.returnWithinMs ?? streamPollWindowMs, streamPollWindowMs));
        let cursor = source.nextUrl;
        let applied = 0;
        let status: PollStreamEventsSummary['status'] = 'active';
        do {
          const remainingS = Math.floor((budgetMs - (Date.now() - startedAt)) / 1000);
          const timeoutSeconds = Math.max(0, Math.min(settings.eventsTimeoutSeconds, remainingS));
          let answer;
          try {
            answer = await requestEvents(cursor ?? initialEventsUrl(settings.chaturbateEventsRoot, source.username, source.eventsToken), {
              root: settings.chaturbateEventsRoot, timeoutSeconds, signal: ctx.cancellationSignal, secrets,
            });
          } catch (error) {
            if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
            const message = scrubStreamSecrets((error as Error).message, secrets);
            await recordStreamSourceError(db, source.id, message).catch(() => undefined);
            if (error instanceof ApplicationFailure) {
              error.message = message;
              throw error;
            }
            throw ApplicationFailure.create({ message, type: 'ChaturbateUnavailable' });
          }
          if (answer.kind === 'unauthorized') {
            const message = `Chaturbate refused the Events API token of @${source.username} (HTTP ${answer.status}): the source is revoked until a new token is given`;
            const revoked = await revokeStreamSource(db, source, message);
            log.warn({ sourceId: source.id, revoked }, 'stream source token refused');
            throw ApplicationFailure.create({ message, type: 'StreamSourceRevoked', nonRetryable: true });
          }
          if (answer.skipped > 0) log.warn({ sourceId: source.id, skipped: answer.skipped }, 'Events API items without method or id skipped');
          const result = await applyEventsBatch(db, keyring, {
            sourceId: source.id, events: answer.events, nextUrl: answer.nextUrl, previousNextUrl: cursor, tokenUsd: settings.chaturbateTokenUsd, visitorKey,
          });
          cursor = answer.nextUrl;
          secrets.push(cursor);
          applied += result.applied;
          ctx.heartbeat({ applied });
          if (result.opened.length > 0 || result.closed.length > 0) break;
          if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
          status = (await streamSourceStatus(db, source.id)) ?? 'gone';
          if (status !== 'active') break;
        } while (Date.now() - startedAt < budgetMs);
        return summary(status, input, now, applied);
      });
    },

    /** One Stats API reading of the source's open session (viewers, followers, token balance); null when none is open. */
    async pollStreamStats({ sourceId }: { sourceId: string }): Promise<StreamStatsReading | null> {
      const source = await loadStreamSource(db, keyring, sourceId);
      if (!source || source.status !== 'active' || !source.statsToken) return null;
      if (!(await openStreamOf(db, sourceId))) return null;
      const secrets = [source.eventsToken, source.statsToken, source.nextUrl];
      let answer;
      try {
        answer = await requestStats(settings.chaturbateStatsRoot, source.username, source.statsToken, secrets);
      } catch (error) {
        const message = scrubStreamSecrets((error as Error).message, secrets);
        if (error instanceof ApplicationFailure) error.message = message;
        throw error;
      }
      if ('refused' in answer) {
        // The Stats token is separate from the Events one: readings stop, the feed goes on.
        await recordStreamSourceError(db, sourceId, `Chaturbate refused the Stats API token of @${source.username} (HTTP ${answer.refused})`);
        return null;
      }
      const sample = await recordStatsSample(db, sourceId, answer);
      return sample ? { streamId: sample.streamId, viewers: answer.viewers, followers: answer.followers } : null;
    },

    /** Recomputes a closed session's revenue attribution (idempotent). */
    async closeStreamAttribution({ streamId }: { streamId: string }): Promise<void> {
      await attributeStream(db, streamId, { windowMinutes: settings.attributionWindowMinutes });
    },

    /**
     * Live-aware posting for a session that opened: when the model's `live_posting` is enabled and the session is still
     * open, the repost content of her teaser for the chosen accounts (at most one per session: createRepost returns the
     * session's existing one). Null when there is nothing to post; the workflow starts the content's workflow.
     */
    async prepareLivePost({ streamId }: { streamId: string }): Promise<{ contentId: string } | null> {
      const target = await loadLivePostTarget(db, streamId);
      const live = target?.settings;
      if (!target?.open || !live?.enabled || !live.contentId || live.accountIds.length === 0) return null;
      try {
        // createRepost records content_reposted and live_post_created with the content it creates.
        const { contentId } = await createRepost(db, {
          originContentId: live.contentId, accountIds: live.accountIds, caption: live.caption, actor: 'system:live', live: { streamId },
        });
        return { contentId };
      } catch (error) {
        // A setting that cannot post (teaser gone, no usable account) is the admin's to fix: retrying changes nothing.
        if (error instanceof RepostError) {
          log.warn({ streamId, code: error.code, err: error.message }, 'live post not created');
          return null;
        }
        throw error;
      }
    },
  };
}

export type StreamActivities = ReturnType<typeof createStreamActivities>;
