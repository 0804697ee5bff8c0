import { describe, expect, it } from 'vitest';
import type { Content } from '../db/schema.js';
import { parseTelegramHtml } from '../test/fakes/telegram-server.js';
import { approvalCardBody, callbackData, decisionLine, parseCallback } from './cards.js';

const id = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('callback data', () => {
  it('round-trips our own buttons and fits in 64 bytes', () => {
    for (const make of Object.values(callbackData)) {
      const data = make(id);
      expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
      expect(parseCallback(data)?.id).toBe(id);
    }
    expect(parseCallback(callbackData.approve(id))).toEqual({ action: 'approve', id });
    expect(parseCallback(callbackData.reject(id))).toEqual({ action: 'reject', id });
    expect(parseCallback(callbackData.retry(id))).toEqual({ action: 'retry', id });
  });

  it('rejects anything else', () => {
    for (const forged of ['', 'ap:', 'ap:x', `xx:${id}`, `ap:${id}:1`, `ap:${id.toUpperCase()}`, ` ap:${id}`, "rt:' OR 1=1 --", '🔥']) {
      expect(parseCallback(forged)).toBeUndefined();
    }
  });
});

function content(patch: Partial<Content> = {}): Content {
  return {
    id, modelId: id, filePath: '/x', originalFilename: null, sha256: null, durationSeconds: 12.4, width: 720, height: 1280,
    sizeBytes: 5 * 1024 * 1024, codec: 'h264', thumbnailPath: null, sentBy: 'telegram:1', receivedAt: new Date(), context: 'Hola <amigos> & más',
    generatedCaption: null, generatedTags: null, status: 'new', approvedAt: null, approvedBy: null, rejectionReason: null, rejectedAt: null,
    rejectedBy: null, duplicateOfId: null, originContentId: null, targetAccountIds: null, sensitive: null, workflowId: null, createdAt: new Date(), updatedAt: new Date(),
    captionDrafts: {
      demo: { caption: 'Esta noche <en vivo>', tags: ['webcam', 'latina'], source: 'template' },
      tiktok: { caption: 'x'.repeat(3000), tags: ['a'], source: 'llm' },
    },
    ...patch,
  };
}

describe('approval card', () => {
  it('lists where each platform labels the content or would refuse it, escaped, still within the limit', () => {
    const body = approvalCardBody(content(), { name: 'Ana' }, 800, ['Reddit: marked NSFW <r/x>', 'Telegram: spoiler']);
    expect(body.length).toBeLessThanOrEqual(800);
    const parsed = parseTelegramHtml(body);
    if ('error' in parsed) throw new Error(parsed.error);
    expect(parsed.text).toContain('⚠️ Reddit: marked NSFW <r/x>\n⚠️ Telegram: spoiler');
  });

  it('shows the model, context, media facts and the caption per platform, escaped, within the photo caption limit', () => {
    const body = approvalCardBody(content(), { name: 'Ana & Co' }, 800);
    expect(body.length).toBeLessThanOrEqual(800);
    const parsed = parseTelegramHtml(`${body}\n\n${decisionLine({ approved: false, actor: 'telegram:@jefa', reason: 'x'.repeat(2000) })}`);
    if ('error' in parsed) throw new Error(parsed.error);
    expect(parsed.text.length).toBeLessThanOrEqual(1024);
    expect(parsed.text).toContain('Ana & Co');
    expect(parsed.text).toContain('Hola <amigos> & más');
    expect(parsed.text).toContain('12 s · 720×1280 · 5.0 MB');
    expect(parsed.text).toContain('Esta noche <en vivo>\n#webcam #latina');
    expect(parsed.text).toContain('tiktok\nxxx');
    expect(parsed.text).toContain('…');
  });

  it('says who decided', () => {
    expect(decisionLine({ approved: true, actor: 'telegram:@jefa' })).toBe('✅ <b>Aprobado</b> por @jefa');
    expect(decisionLine({ approved: true, actor: 'api' })).toBe('✅ <b>Aprobado</b> por la API');
    expect(decisionLine({ approved: false, actor: 'admin', reason: 'Poca <luz>' })).toBe('❌ <b>Rechazado</b> por el dashboard: Poca &lt;luz&gt;');
  });
});
