/**
 * The weekly report's earnings (issue 17): `/weekly` in the admin chat (real stack, fake Bot API) and the weekly report
 * e-mail gain the period's live-session earnings and the best platform by attributed revenue, with its method.
 *
 * A session of this file's own model two days ago, on a platform of its own, with a person's click in it and one line of
 * 987,654.3210 USD: no other test's platform earns that much, so it is the week's best platform whatever else the shared
 * database holds; the e-mail's period is narrowed to that session's start, so its totals are this file's alone.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attributeStream } from '../../db/attribution.js';
import { insertClickBatch } from '../../db/clicks.js';
import { reportEmail, type ReportPeriod } from '../../notify/reports.js';
import { summaryBetween } from '../../services/reports.js';
import { createAccount, createModel, createPlatform } from '../helpers/overview-seed.js';
import { createSession } from '../helpers/revenue-seed.js';
import { botSays, db, mark, startBotStack, textOf, type BotHarness } from './harness.js';

let h: BotHarness;
const run = randomUUID().slice(0, 6);
const MINUTE = 60_000;
const started = new Date(Math.floor((Date.now() - 2 * 86_400_000) / MINUTE) * MINUTE);
let platform: string;
const usd = (language: string) => new Intl.NumberFormat(language, { style: 'currency', currency: 'USD' }).format(987_654.32);

beforeAll(async () => {
  h = await startBotStack();
  platform = `semanal_${run}`;
  const p = await createPlatform(db(h), h.stack.seeded.platformId, platform, true);
  const model = await createModel(db(h), `Semanal ${run}`);
  const account = await createAccount(db(h), { modelId: model.id, platformId: p.id, username: `semanal_${run}` });
  await insertClickBatch(db(h), [{
    ts: new Date(started.getTime() + 5 * MINUTE), accountId: account.id, publicationId: null, visitorHash: `v-${run}`, country: null, city: null,
    referrerHost: null, device: 'mobile', os: null, browser: null, isBot: false,
  }]);
  const id = await createSession(db(h), model.id, {
    startedAt: started, endedAt: new Date(started.getTime() + 60 * MINUTE),
    lines: [{ at: new Date(started.getTime() + 10 * MINUTE), tokens: 100, amountUsd: '987654.3210' }],
  });
  expect((await attributeStream(db(h), id, { windowMinutes: 30 })).status).toBe('computed');
});
afterAll(async () => h?.close());

describe('weekly earnings', () => {
  it('/weekly says the week’s earnings and the best platform with its method', async () => {
    const after = mark(h);
    await h.tg.sendText(h.admin, '/weekly', { chat: h.adminChat });
    const weekly = textOf(await botSays(h, h.adminChat.id, /Resumen de los últimos 7 días/, { after }));
    expect(weekly).toMatch(/💵 <b>Ingresos<\/b>: US\$\s?[\d.]+,\d\d · \d+ transmisiones/);
    expect(weekly).toContain(`🏆 Mejor plataforma: ${platform} (${usd('es-CO')} atribuidos, último clic)`);
  });

  it('/daily does not (the earnings are the weekly report’s)', async () => {
    const after = mark(h);
    await h.tg.sendText(h.admin, '/daily', { chat: h.adminChat });
    const daily = textOf(await botSays(h, h.adminChat.id, /Resumen de las últimas 24 h/, { after }));
    // The earnings lines, not the word: other test files' models and platforms may be named "Ingresos …".
    expect(daily).not.toContain('💵');
    expect(daily).not.toContain('<b>Ingresos</b>');
    expect(daily).not.toContain('Mejor plataforma');
  });

  it('the weekly e-mail carries the same lines, from the same figures', async () => {
    const to = new Date(started.getTime() + MINUTE);
    const period: ReportPeriod = {
      kind: 'weekly', ordinal: 0, fromDay: started.toISOString().slice(0, 10), toDay: to.toISOString().slice(0, 10), from: started, to, timeZone: 'UTC',
    };
    const summary = await summaryBetween(db(h), started, to, { earnings: true });
    expect(summary.earnings).toEqual({
      amountUsd: '987654.3210', tokens: '100.0000', sessions: 1,
      bestPlatform: { name: platform, amountUsd: '987654.3210', method: 'last_click' },
    });
    const email = reportEmail(period, summary, { language: 'es', dashboardUrl: 'https://panel.example' });
    expect(email.text).toContain(`Ingresos de las transmisiones: ${usd('es-CO')} (1 transmisiones)`);
    expect(email.text).toContain(`Mejor plataforma: ${platform}`);
    expect(email.text).toContain('atribuidos (último clic)');
    expect(email.html).toContain(`Mejor plataforma: ${platform}`);
    const english = reportEmail(period, summary, { language: 'en', dashboardUrl: 'https://panel.example' });
    expect(english.text).toMatch(/Live-session earnings: US\$987,654\.32 \(1 sessions\)/);
    expect(english.text).toContain('attributed (last click)');
  });
});
