import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, llmConfig, type LlmConfig } from '../../config.js';
import { captionPrompt } from '../../core/captions.js';
import { capabilitiesFor } from '../../core/platforms.js';
import { defaultDistributionRules } from '../../core/types.js';
import { freePort } from '../../test/helpers/ports.js';
import { llmReply, startFakeLlm, type FakeLlm } from '../../test/fakes/llm-server.js';
import { chatCompletionsUrl, extractJsonObject, LlmError, requestLlmDraft } from './llm.js';

const caps = capabilitiesFor('tiktok');
const messages = captionPrompt(
  { modelName: 'Sofía', context: 'Show nuevo', language: 'es', rules: { ...defaultDistributionRules, hashtags: ['latina'] }, platformName: 'TikTok' },
  caps,
);

/** The LlmError a promise rejects with (fails the test when it resolves or rejects with something else). */
async function failure(promise: Promise<unknown>): Promise<LlmError> {
  const error = await promise.then(
    () => expect.fail('expected the LLM request to fail'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LlmError);
  return error as LlmError;
}

let llm: FakeLlm;
let config: LlmConfig;
beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(async () => {
  await llm.close();
});
beforeEach(() => {
  llm.reset();
  config = llmConfig({ baseUrl: llm.baseUrl, model: 'fake-model', timeoutMs: 2000 });
});

describe('requestLlmDraft against the fake OpenAI-compatible server', () => {
  it('posts the chat request and returns a sanitized llm draft', async () => {
    llm.respond(llmReply.json({ caption: 'Esta noche te espero en vivo https://spam.example.com #envivo', hashtags: ['#Latina', 'show'] }));
    const draft = await requestLlmDraft(config, messages, caps);
    expect(draft).toEqual({ caption: 'Esta noche te espero en vivo', tags: ['Latina', 'show', 'envivo'], source: 'llm' });
    expect(llm.requests).toHaveLength(1);
    const [request] = llm.requests;
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/v1/chat/completions');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.body).toEqual({ model: 'fake-model', messages, temperature: expect.any(Number) as number, response_format: { type: 'json_object' } });
  });

  it('tolerates prose and code fences around the JSON object', async () => {
    llm.respond(llmReply.text('Claro:\n```json\n{"caption": "Hoy no falto, ven", "hashtags": ["fyp"]}\n```\n¡Suerte!'));
    expect(await requestLlmDraft(config, messages, caps)).toEqual({ caption: 'Hoy no falto, ven', tags: ['fyp'], source: 'llm' });
  });

  it('sends Authorization: Bearer only when a key is set', async () => {
    await requestLlmDraft(config, messages, caps);
    await requestLlmDraft(llmConfig({ ...config, apiKey: 'sk-test-123' }), messages, caps);
    expect(llm.requests[0]!.headers.authorization).toBeUndefined();
    expect(llm.requests[1]!.headers.authorization).toBe('Bearer sk-test-123');
  });

  it('HTTP 500 → an http error naming the status', async () => {
    llm.respond(llmReply.status(500));
    const error = await failure(requestLlmDraft(config, messages, caps));
    expect(error.reason).toBe('http');
    expect(error.message).toMatch(/^HTTP 500: /);
  });

  it('slower than LLM_TIMEOUT_MS → a timeout error (the call returns instead of waiting)', async () => {
    llm.respond(llmReply.slow(30_000, llmReply.json({ caption: 'demasiado tarde', hashtags: [] })));
    const error = await failure(requestLlmDraft({ ...config, timeoutMs: 200 }, messages, caps));
    expect(error.reason).toBe('timeout');
    expect(error.message).toBe('no answer within 200 ms');
    expect(llm.requests).toHaveLength(1);
  });

  it('the caller can abort (activity cancellation)', async () => {
    llm.respond(llmReply.slow(30_000, llmReply.json({ caption: 'nunca', hashtags: [] })));
    const controller = new AbortController();
    const pending = requestLlmDraft(config, messages, caps, controller.signal);
    setTimeout(() => controller.abort(), 50);
    expect((await failure(pending)).reason).toBe('aborted');
  });

  it.each([
    ['prose instead of JSON content', 'bad_response', llmReply.text('¡Hola! Soy un modelo de lenguaje y no puedo ayudarte con eso.'), /content is not a JSON object/],
    ['an HTML page instead of a completion', 'bad_response', llmReply.raw('<html>502 Bad Gateway</html>'), /response is not JSON/],
    ['a completion without choices', 'bad_response', llmReply.raw('{"object":"chat.completion","choices":[]}', 'application/json'), /no choices/],
    ['JSON without a caption', 'unusable', llmReply.json({ text: 42, hashtags: ['a'] }), /unusable caption/],
    ['an empty caption', 'unusable', llmReply.json({ caption: '', hashtags: [] }), /unusable caption/],
  ])('%s → %s', async (_label, reason, reply, message) => {
    llm.respond(reply);
    const error = await failure(requestLlmDraft(config, messages, caps));
    expect(error.reason).toBe(reason);
    expect(error.message).toMatch(message);
  });

  it('nobody listening → a network error', async () => {
    const closed = llmConfig({ ...config, baseUrl: `http://127.0.0.1:${await freePort()}/v1` });
    expect((await failure(requestLlmDraft(closed, messages, caps))).reason).toBe('network');
  });

  it('a base URL without a path gets /v1', async () => {
    await requestLlmDraft(llmConfig({ ...config, baseUrl: llm.origin }), messages, caps);
    expect(llm.requests[0]!.path).toBe('/v1/chat/completions');
    expect(chatCompletionsUrl('http://h:1/v1/')).toBe('http://h:1/v1/chat/completions');
    expect(chatCompletionsUrl('https://openrouter.ai/api/v1')).toBe('https://openrouter.ai/api/v1/chat/completions');
  });
});

describe('extractJsonObject', () => {
  it('finds the first parseable object', () => {
    expect(extractJsonObject('x {bad} y {"a": "}{", "b": {"c": 1}} z')).toEqual({ a: '}{', b: { c: 1 } });
    expect(extractJsonObject('[1, 2]')).toBeNull();
    expect(extractJsonObject('nothing')).toBeNull();
    expect(extractJsonObject('{"open": ')).toBeNull();
  });
});

describe('LLM settings', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'trafico-llm-config-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const base = {
    DATA_DIR: dataDir,
    API_TOKEN: randomBytes(18).toString('base64url'),
    ADMIN_PASSWORD: 'admin-test-password',
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    AUTH_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  };

  it('is off unless LLM_BASE_URL and LLM_MODEL are set (empty = unset)', () => {
    expect(loadConfig(base).llm).toBeUndefined();
    expect(loadConfig({ ...base, LLM_BASE_URL: '', LLM_MODEL: '', LLM_API_KEY: '', LLM_TIMEOUT_MS: '' }).llm).toBeUndefined();
    expect(loadConfig({ ...base, LLM_BASE_URL: 'http://127.0.0.1:11434/v1', LLM_MODEL: 'llama3' }).llm).toEqual({
      baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3', timeoutMs: 8000,
    });
  });

  it('names the missing or bad setting', () => {
    expect(() => loadConfig({ ...base, LLM_BASE_URL: 'http://127.0.0.1:11434/v1' })).toThrow(/LLM_MODEL: required when LLM_BASE_URL is set/);
    expect(() => loadConfig({ ...base, LLM_MODEL: 'llama3' })).toThrow(/LLM_BASE_URL: required when LLM_MODEL is set/);
    expect(() => loadConfig({ ...base, LLM_BASE_URL: 'not a url', LLM_MODEL: 'x' })).toThrow(/LLM_BASE_URL/);
    expect(() => loadConfig({ ...base, LLM_BASE_URL: 'http://h/v1', LLM_MODEL: 'x', LLM_TIMEOUT_MS: 'soon' })).toThrow(/LLM_TIMEOUT_MS/);
  });

  it('keeps the API key usable but out of JSON, inspect and pino logs', () => {
    const key = `sk-secret-${randomBytes(8).toString('hex')}`;
    const config = loadConfig({ ...base, LLM_BASE_URL: 'http://127.0.0.1:11434/v1', LLM_MODEL: 'llama3', LLM_API_KEY: key, LLM_TIMEOUT_MS: '1500' });
    expect(config.llm?.apiKey).toBe(key);
    expect(config.llm?.timeoutMs).toBe(1500);
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    log.info({ config, llm: config.llm }, 'config');
    log.info(config.llm, 'llm');
    expect(lines.join('')).toContain('llama3');
    expect(lines.join('')).not.toContain(key);
    expect(JSON.stringify(config)).not.toContain(key);
    expect(inspect(config, { depth: 5 })).not.toContain(key);
  });
});
