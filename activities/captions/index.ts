import { ApplicationFailure } from '@temporalio/activity';
import { buildCaption } from '../../core/captions.js';
import { capabilitiesFor } from '../../core/platforms.js';
import { defaultDistributionRules } from '../../core/types.js';
import { findContent, findModel, recordEvent, updateContent } from '../../db/queries.js';
import type { ActivityDeps } from '../deps.js';

export function createCaptionActivities({ db }: ActivityDeps) {
  return {
    /** The content's base caption (model template + context + hashtag pool); per-platform fitting happens at scheduling. */
    async generateCaptions(contentId: string): Promise<void> {
      const content = await findContent(db, contentId);
      if (!content) throw ApplicationFailure.nonRetryable(`content ${contentId} not found`, 'NotFound');
      if (content.generatedCaption) return;
      const model = await findModel(db, content.modelId);
      if (!model) throw ApplicationFailure.nonRetryable(`model ${content.modelId} not found`, 'NotFound');
      const rules = { ...defaultDistributionRules, ...model.distribution };
      const { caption, tags } = buildCaption(
        { modelName: model.name, context: content.context, hashtags: rules.hashtags, template: rules.captionTemplate, language: rules.language },
        capabilitiesFor('demo'),
      );
      await updateContent(db, contentId, { generatedCaption: caption, generatedTags: tags });
      await recordEvent(db, { type: 'caption_generated', contentId, modelId: model.id, description: caption.slice(0, 200) });
    },
  };
}
export type CaptionActivities = ReturnType<typeof createCaptionActivities>;
