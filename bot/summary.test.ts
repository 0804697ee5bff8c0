/** /daily and /weekly stay one Telegram message (4,096 characters) however many platforms and models a studio has. */
import { describe, expect, it } from 'vitest';
import { summaryText } from './admin.js';
import type { PeriodSummary } from '../services/reports.js';

const row = (i: number) => ({ published: i, failed: 0, views: i * 1_000, likes: i * 10, clicks: i * 3 });
const summary = (n: number, nameLength = 12): PeriodSummary => ({
  from: new Date('2026-11-01T00:00:00Z'),
  to: new Date('2026-11-08T00:00:00Z'),
  totals: row(n),
  byPlatform: Array.from({ length: n }, (_, i) => ({ platformName: `plataforma_${i}`.padEnd(nameLength, 'x'), ...row(i) })),
  byModel: Array.from({ length: n }, (_, i) => ({ modelName: `Modelo ${i}`.padEnd(nameLength, 'y'), ...row(i) })),
  earnings: { amountUsd: '1234.5000', tokens: '24690.0000', sessions: 12, bestPlatform: { name: 'plataforma_3', amountUsd: '900.0000', method: 'linear' } },
});

describe('summaryText', () => {
  it('lists every row of a small studio', () => {
    const text = summaryText('Resumen', summary(3));
    for (let i = 0; i < 3; i++) expect(text).toContain(`plataforma_${i}`);
    expect(text).not.toContain('más en el panel');
  });

  it('keeps a large studio inside one message: the top rows by clicks, how many more, and the earnings', () => {
    const text = summaryText('Resumen', summary(400, 200));
    expect(text.length).toBeLessThanOrEqual(4_096);
    expect(text).toContain('plataforma_399');
    expect(text).not.toMatch(/plataforma_0x/);
    expect(text.match(/… y 390 más en el panel/g)).toHaveLength(2);
    expect(text).toContain('💵 <b>Ingresos</b>');
    expect(text).toContain('🏆 Mejor plataforma: plataforma_3');
  });
});
