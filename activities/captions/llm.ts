/**
 * Client for any OpenAI-compatible chat completions endpoint (OpenAI, Ollama, vLLM, llama.cpp,
 * LM Studio, OpenRouter…), used for caption drafts.
 *
 * Decisions:
 * - `POST <LLM_BASE_URL>/chat/completions`; a base URL without a path gets "/v1" (what every
 *   compatible server serves), one with a path is used as written.
 * - One attempt, bounded by `LLM_TIMEOUT_MS` (AbortSignal.timeout, which also covers reading the
 *   body) and by the caller's signal (activity cancellation). No retries here: the caller falls back
 *   to the template, so a slow or broken LLM never holds the pipeline up.
 * - `Authorization: Bearer` only when a key is configured; the key is never put in an error message.
 * - Tolerant parsing: the first JSON object found in the message content (code fences and prose
 *   around it are ignored), then `sanitizeLlmDraft` decides whether it is usable.
 */
import { sanitizeLlmDraft, type ChatMessage } from '../../core/captions.js';
import type { CaptionDraft, PlatformCapabilities } from '../../core/types.js';
import type { LlmConfig } from '../../config.js';

export type LlmFailureReason = 'timeout' | 'aborted' | 'network' | 'http' | 'bad_response' | 'unusable';

/** Why the LLM gave no usable draft; `reason` is what the caption event records. */
export class LlmError extends Error {
  override name = 'LlmError';
  constructor(
    readonly reason: LlmFailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function chatCompletionsUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = `${path || '/v1'}/chat/completions`;
  return url.toString();
}

/** The first parseable JSON object inside `text` (which may be wrapped in prose or ``` fences). */
export function extractJsonObject(text: string): Record<string, unknown> | null {
  for (let start = text.indexOf('{'); start !== -1; start = text.indexOf('{', start + 1)) {
    let depth = 0;
    let inString = false;
    let escaped = false;
    for (let i = start; i < text.length; i++) {
      const ch = text[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (ch === '\\') escaped = true;
        else if (ch === '"') inString = false;
        continue;
      }
      if (ch === '"') inString = true;
      else if (ch === '{') depth++;
      else if (ch === '}' && --depth === 0) {
        try {
          const value: unknown = JSON.parse(text.slice(start, i + 1));
          if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
        } catch {
          // not JSON after all: try the next '{'
        }
        break;
      }
    }
  }
  return null;
}

/** The assistant text of a chat completion (string content, or the text parts of an array content). */
function messageContent(payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const choices = (payload as { choices?: unknown }).choices;
  if (!Array.isArray(choices) || choices.length === 0) return null;
  const content = (choices[0] as { message?: { content?: unknown } } | undefined)?.message?.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part) => (typeof part === 'object' && part !== null && typeof part.text === 'string' ? part.text : '')).join('');
  }
  return null;
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 159)}…` : flat;
}

/**
 * Asks the LLM for one platform's draft (`messages` from `captionPrompt`). Resolves with a sanitized
 * draft (`source: 'llm'`) or rejects with an `LlmError` within `config.timeoutMs`.
 */
export async function requestLlmDraft(
  config: LlmConfig,
  messages: ChatMessage[],
  caps: PlatformCapabilities,
  signal?: AbortSignal,
): Promise<CaptionDraft> {
  const timeout = AbortSignal.timeout(config.timeoutMs);
  const combined = signal ? AbortSignal.any([timeout, signal]) : timeout;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
  const body = JSON.stringify({ model: config.model, messages, temperature: 0.8, response_format: { type: 'json_object' } });

  let status: number;
  let text: string;
  try {
    const response = await fetch(chatCompletionsUrl(config.baseUrl), { method: 'POST', headers, body, signal: combined });
    status = response.status;
    text = await response.text();
  } catch (error) {
    if (timeout.aborted) throw new LlmError('timeout', `no answer within ${config.timeoutMs} ms`, { cause: error });
    if (signal?.aborted) throw new LlmError('aborted', 'canceled', { cause: error });
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new LlmError('network', `request failed: ${cause?.code ?? cause?.message ?? (error as Error).message}`, { cause: error });
  }
  if (status < 200 || status >= 300) throw new LlmError('http', `HTTP ${status}: ${snippet(text) || '(empty body)'}`);

  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    throw new LlmError('bad_response', `response is not JSON: ${snippet(text)}`);
  }
  const content = messageContent(payload);
  if (content === null) throw new LlmError('bad_response', 'response has no choices[0].message.content');
  const parsed = extractJsonObject(content);
  if (!parsed) throw new LlmError('bad_response', `content is not a JSON object: ${snippet(content)}`);
  const draft = sanitizeLlmDraft(parsed, caps);
  if (!draft) throw new LlmError('unusable', `unusable caption: ${snippet(content)}`);
  return draft;
}
