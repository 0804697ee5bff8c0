import { describe, expect, it } from 'vitest';
import { approvalWarnings, type WarningTarget } from './labels.js';

const target = (driver: string, extra: Partial<WarningTarget> = {}): WarningTarget => ({
  platform: driver, driver, username: 'ana', settings: null, maxSizeBytes: 50 * 1024 * 1024, ...extra,
});

describe('approvalWarnings', () => {
  it('names each platform\'s adult label only for sensitive content', () => {
    const targets = [target('x'), target('bluesky'), target('reddit', { settings: { subreddits: [{ subreddit: 'a', kind: 'video' }] } }), target('telegram'), target('demo')];
    expect(approvalWarnings({ sensitive: false, sizeBytes: 1000 }, targets)).toEqual([]);
    expect(approvalWarnings({ sensitive: true, sizeBytes: 1000 }, targets).map((w) => w.code))
      .toEqual(['x_sensitive_setting', 'bluesky_adult_label', 'reddit_nsfw', 'telegram_spoiler']);
  });

  it('warns at approval what would make a platform refuse at publish time', () => {
    const warnings = approvalWarnings({ sensitive: false, sizeBytes: 60 * 1024 * 1024 }, [target('reddit'), target('telegram')]);
    expect(warnings.map((w) => w.code)).toEqual(['reddit_no_subreddits', 'telegram_too_big']);
    expect(approvalWarnings({ sensitive: false, sizeBytes: 60 * 1024 * 1024 }, [target('telegram', { maxSizeBytes: 2000 * 1024 * 1024 })])).toEqual([]);
  });
});
