/**
 * Caption drafts per platform (pipeline queue).
 *
 * Decisions:
 * - One draft per distinct platform the model can publish to (active accounts on active platforms,
 *   narrowed by `allowedPlatforms` when set), keyed by platforms.name, in platform-name order; the
 *   first one is also stored as `generatedCaption`/`generatedTags`. Without accounts, a template
 *   draft with the demo capabilities is stored there and `captionDrafts` stays empty.
 * - With an LLM configured each platform is asked once; any failure (timeout, HTTP error, garbage)
 *   falls back to that platform's template draft, and the caption event says why. The model's
 *   hashtag pools always come first; LLM suggestions only fill what is left of the platform limit.
 * - Idempotent: stored drafts are returned as they are (an admin's edits included) and the LLM is
 *   not called again.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { captionPrompt, draftCaption, fitDraft } from '../../core/captions.js';
import { capabilitiesFor } from '../../core/platforms.js';
import type { CaptionDraft, CaptionDrafts, Language } from '../../core/types.js';
import { findContent, updateContent } from '../../db/contents.js';
import { recordEvent } from '../../db/events.js';
import { loadPublishingContext } from '../../db/publishing-context.js';
import type { ActivityDeps } from '../deps.js';
import { LlmError, requestLlmDraft } from './llm.js';

interface DraftOutcome {
  platform: string;
  source: CaptionDraft['source'];
  /** Why the LLM draft was not used (only when an LLM is configured). */
  fallback?: string;
}

/** The activity's cancellation signal when running inside Temporal; undefined when called directly (tests). */
function activitySignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

export function createCaptionActivities({ db, config, log }: ActivityDeps) {
  return {
    /** Drafts one caption per platform the content can go to; see the decisions above. */
    async generateCaptions(contentId: string): Promise<{ drafts: CaptionDrafts }> {
      const content = await findContent(db, contentId);
      if (!content) throw ApplicationFailure.nonRetryable(`content ${contentId} not found`, 'NotFound');
      if (content.captionDrafts && Object.keys(content.captionDrafts).length > 0) return { drafts: content.captionDrafts };
      const publishing = await loadPublishingContext(db, { contentId });
      if (!publishing) throw ApplicationFailure.nonRetryable(`model ${content.modelId} not found`, 'NotFound');
      const { model, rules, platforms: targets } = publishing;
      const language: Language = rules.language === 'en' ? 'en' : 'es';

      // Platforms are drafted concurrently, so the LLM costs at most one LLM_TIMEOUT_MS in total.
      const signal = activitySignal();
      const results = await Promise.all(
        targets.map(async ({ platform, capabilities: caps }): Promise<{ draft: CaptionDraft; outcome: DraftOutcome }> => {
          const input = { modelName: model.name, context: content.context, language, rules, platformName: platform.name };
          const template = draftCaption(input, caps);
          if (!config.llm) return { draft: template, outcome: { platform: platform.name, source: template.source } };
          try {
            const llm = await requestLlmDraft(config.llm, captionPrompt(input, caps, { baseTags: template.tags }), caps, signal);
            const draft = fitDraft({ caption: llm.caption, tags: [...template.tags, ...llm.tags], source: 'llm' }, caps);
            return { draft, outcome: { platform: platform.name, source: draft.source } };
          } catch (error) {
            if (signal?.aborted) throw error;
            const fallback = error instanceof LlmError ? `${error.reason}: ${error.message}` : `error: ${(error as Error).message}`;
            log.warn({ contentId, platform: platform.name, reason: fallback }, 'LLM caption failed; using the template');
            return { draft: template, outcome: { platform: platform.name, source: template.source, fallback } };
          }
        }),
      );
      const drafts: CaptionDrafts = Object.fromEntries(results.map((r) => [r.outcome.platform, r.draft]));
      const outcomes = results.map((r) => r.outcome);

      const first = targets[0] ? drafts[targets[0].platform.name]! : draftCaption({ modelName: model.name, context: content.context, language, rules, platformName: '' }, capabilitiesFor('demo'));
      // Drafts and their event land together: a retry after a half-write would otherwise skip the event.
      await db.transaction(async (tx) => {
        await updateContent(tx, contentId, { captionDrafts: drafts, generatedCaption: first.caption, generatedTags: first.tags });
        await recordEvent(tx, 'caption_generated', {
          llm: Boolean(config.llm),
          platforms: Object.fromEntries(outcomes.map((o) => [o.platform, { source: o.source, ...(o.fallback ? { fallback: o.fallback } : {}) }])),
        }, { contentId, modelId: model.id });
      });
      return { drafts };
    },
  };
}
export type CaptionActivities = ReturnType<typeof createCaptionActivities>;
