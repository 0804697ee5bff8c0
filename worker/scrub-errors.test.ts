/** An activity's error leaves the worker without the secrets it quoted: the interceptor every worker installs. */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { scrubActivityErrors } from './scrub-errors.js';

const env = () => new MockActivityEnvironment(undefined, { interceptors: [scrubActivityErrors] });
const signed = 'https://cdn.example/v.mp4?X-Amz-Signature=SECRET1&access_token=SECRET2';

async function failureOf(activity: () => Promise<unknown>): Promise<Error> {
  try {
    await env().run(activity);
  } catch (error) {
    return error as Error;
  }
  throw new Error('the activity did not fail');
}

describe('activity errors scrubbed on their way out', () => {
  it('scrubs a plain error, its stack and its cause', async () => {
    const error = await failureOf(async () => {
      throw new Error(`download failed: ${signed}`, { cause: new Error(`GET ${signed} → 403`) });
    });
    expect(error.message).toContain('download failed: https://cdn.example/v.mp4');
    for (const text of [error.message, error.stack ?? '', (error.cause as Error).message]) {
      expect(text).not.toContain('SECRET1');
      expect(text).not.toContain('SECRET2');
    }
  });

  it('keeps an ApplicationFailure what it is (type, retryability) with its message scrubbed', async () => {
    const error = await failureOf(async () => {
      throw ApplicationFailure.nonRetryable(`refused ${signed}`, 'InvalidMedia');
    });
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).type).toBe('InvalidMedia');
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect(error.message).not.toMatch(/SECRET/);
  });
});
