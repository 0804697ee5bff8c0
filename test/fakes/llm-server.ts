/**
 * A fake OpenAI-compatible LLM: a real HTTP server on 127.0.0.1 (random port) answering
 * `POST /v1/chat/completions` (and `POST /chat/completions`, for base URLs without /v1).
 * Scriptable per test; records every request (path, headers, parsed body).
 *
 *   const llm = await startFakeLlm();          // LLM_BASE_URL = llm.baseUrl  (…/v1)
 *   llm.respond(llmReply.json({ caption: 'Hola', hashtags: ['a'] }));   // every request from now on
 *   llm.enqueue(llmReply.status(500), llmReply.slow(5000, llmReply.json({...})));  // next requests, in order
 *   llm.requests[0].headers.authorization
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeLlmReply =
  /** 200 with a chat completion whose message content is `content` (a string as is, anything else JSON-encoded). */
  | { kind: 'ok'; content: unknown; delayMs?: number }
  /** An HTTP error status with a JSON error body (or `body` verbatim). */
  | { kind: 'status'; status: number; body?: string; delayMs?: number }
  /** 200 with a body that is not a chat completion at all. */
  | { kind: 'raw'; body: string; contentType?: string; delayMs?: number };

export const llmReply = {
  /** The model answered with this JSON object as its message content. */
  json: (value: unknown): FakeLlmReply => ({ kind: 'ok', content: JSON.stringify(value) }),
  /** The model answered with this text as its message content (e.g. prose instead of JSON). */
  text: (content: string): FakeLlmReply => ({ kind: 'ok', content }),
  status: (status: number, body?: string): FakeLlmReply => ({ kind: 'status', status, body }),
  raw: (body: string, contentType = 'text/html'): FakeLlmReply => ({ kind: 'raw', body, contentType }),
  /** Any reply, sent after `ms` milliseconds. */
  slow: (ms: number, reply: FakeLlmReply): FakeLlmReply => ({ ...reply, delayMs: ms }),
};

export interface RecordedLlmRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
}

export interface FakeLlm {
  /** http://127.0.0.1:PORT/v1 — what LLM_BASE_URL would be. */
  baseUrl: string;
  /** http://127.0.0.1:PORT */
  origin: string;
  requests: RecordedLlmRequest[];
  /** The reply for every request once the queue is empty (default: a valid Spanish caption); a function picks per request. */
  respond(reply: FakeLlmReply | ((request: RecordedLlmRequest) => FakeLlmReply)): void;
  /** One-shot replies, used in order before the `respond` default. */
  enqueue(...replies: FakeLlmReply[]): void;
  /** Forgets requests, queue and default reply. */
  reset(): void;
  close(): Promise<void>;
}

const defaultReply = llmReply.json({ caption: 'Hoy me tienes en vivo, ven a verme', hashtags: ['envivo', 'latina'] });

function completion(content: unknown, model: unknown) {
  return {
    id: `chatcmpl-fake-${Date.now()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: typeof model === 'string' ? model : 'fake',
    choices: [{ index: 0, message: { role: 'assistant', content: typeof content === 'string' ? content : JSON.stringify(content) }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
}

export async function startFakeLlm(): Promise<FakeLlm> {
  const requests: RecordedLlmRequest[] = [];
  const queue: FakeLlmReply[] = [];
  let fallback: FakeLlmReply | ((request: RecordedLlmRequest) => FakeLlmReply) = defaultReply;
  const timers = new Set<NodeJS.Timeout>();

  function send(res: ServerResponse, status: number, body: string, contentType = 'application/json') {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text
      }
      const path = (req.url ?? '/').split('?')[0]!;
      const recorded: RecordedLlmRequest = { method: req.method ?? '', path, headers: req.headers, body };
      requests.push(recorded);
      if (path !== '/v1/chat/completions' && path !== '/chat/completions') {
        return send(res, 404, JSON.stringify({ error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' } }));
      }
      if (req.method !== 'POST') return send(res, 405, JSON.stringify({ error: { message: 'use POST', type: 'invalid_request_error' } }));
      if (typeof body !== 'object' || body === null) {
        return send(res, 400, JSON.stringify({ error: { message: 'body must be JSON', type: 'invalid_request_error' } }));
      }
      const reply = queue.shift() ?? (typeof fallback === 'function' ? fallback(recorded) : fallback);
      const answer = () => {
        if (reply.kind === 'ok') send(res, 200, JSON.stringify(completion(reply.content, (body as { model?: unknown }).model)));
        else if (reply.kind === 'status') send(res, reply.status, reply.body ?? JSON.stringify({ error: { message: `fake error ${reply.status}`, type: 'server_error' } }));
        else send(res, 200, reply.body, reply.contentType);
      };
      if (!reply.delayMs) return answer();
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer();
      }, reply.delayMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    baseUrl: `${origin}/v1`,
    requests,
    respond(reply) {
      fallback = reply;
    },
    enqueue(...replies) {
      queue.push(...replies);
    },
    reset() {
      requests.length = 0;
      queue.length = 0;
      fallback = defaultReply;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
