import { describe, expect, it } from 'vitest';
import { normaliseAmount, readStreamCsv, sessionContaining, streamCsvLimits, type CsvRecord } from './stream-csv.js';

/** Records of a CSV without quoting (each line split on commas), numbered from 1 like csv-parse's. */
const records = (text: string): CsvRecord[] => text.split('\n').map((row, i) => ({ line: i + 1, values: row.split(',') }));

const header = 'type,start,end,show_type,peak_viewers,followers_start,followers_end,time,kind,tokens,amount_usd,external_id';
const opts = { timeZone: 'America/Bogota', latest: new Date('2026-06-01T00:00:00Z') };
const read = (body: string) => readStreamCsv(records(`${header}\n${body}`), opts);
const ok = (body: string) => {
  const result = read(body);
  if (!result.ok) throw new Error(`refused: ${result.problem.code}`);
  return result;
};
const problems = (body: string) => ok(body).problems.map((p) => [p.line, p.field, p.code]);

describe('readStreamCsv', () => {
  it('reads sessions in the model zone and earnings lines, with keys from their content', () => {
    const result = ok([
      'session,2026-03-01 20:00,2026-03-01 23:30,public,120,1000,1040,,,,,',
      'earning,,,,,,,2026-03-01 21:15,tip,100,5.00,',
      'earning,,,,,,,2026-03-01T21:20:00Z,private_show,,12.5,tx-9',
      'session,2026-03-02T01:00:00-05:00,2026-03-02T02:00:00-05:00,private,,,,,,,,cb-77',
    ].join('\n'));
    expect(result.problems).toEqual([]);
    expect(result.sessions).toEqual([
      {
        line: 2, externalId: 'csv:s:2026-03-02T01:00:00.000Z', start: new Date('2026-03-02T01:00:00Z'), end: new Date('2026-03-02T04:30:00Z'),
        showType: 'public', peakViewers: 120, followersStart: 1000, followersEnd: 1040, total: null,
      },
      {
        line: 5, externalId: 'cb-77', start: new Date('2026-03-02T06:00:00Z'), end: new Date('2026-03-02T07:00:00Z'),
        showType: 'private', peakViewers: null, followersStart: null, followersEnd: null, total: null,
      },
    ]);
    expect(result.earnings).toEqual([
      { line: 3, externalId: 'csv:e:2026-03-02T02:15:00.000Z:tip:100:5.0000', time: new Date('2026-03-02T02:15:00Z'), kind: 'tip', tokens: 100, amountUsd: '5.0000' },
      { line: 4, externalId: 'tx-9', time: new Date('2026-03-01T21:20:00Z'), kind: 'private_show', tokens: null, amountUsd: '12.5000' },
    ]);
  });

  it('takes the columns in any order and case, Spanish type words, and leaves missing columns empty', () => {
    const result = readStreamCsv(records([
      'AMOUNT_USD,Kind,Time,Type',
      '3.25,tip,2026-01-10 10:00,Ingreso',
      ',,,',
      '1,fanclub_join,2026-01-10 11:00,earning',
    ].join('\n')), opts);
    expect(result.ok && result.earnings.map((e) => [e.line, e.kind, e.amountUsd, e.time.toISOString()])).toEqual([
      [2, 'tip', '3.2500', '2026-01-10T15:00:00.000Z'],
      [4, 'fanclub_join', '1.0000', '2026-01-10T16:00:00.000Z'],
    ]);
    const sesion = readStreamCsv(records('tipo_no,type\n,sesión'), opts);
    expect(sesion).toMatchObject({ ok: false, problem: { line: 1, code: 'unknown_column', params: { column: 'tipo_no' } } });
  });

  it('turns a session row with money into one earnings line at its start', () => {
    const result = ok('session,2026-03-05 20:00,2026-03-05 22:00,,,,,,,400,20.00,mfc-1');
    expect(result.sessions[0]!.total).toEqual({ externalId: 'mfc-1:total', kind: 'other', tokens: 400, amountUsd: '20.0000' });
    expect(problems('session,2026-03-05 20:00,2026-03-05 22:00,,,,,,,400,,')).toEqual([[2, 'amount_usd', 'amount_required_with_tokens']]);
  });

  it('lists each bad row with its line, field and reason, keeping the good ones', () => {
    const result = read([
      'session,2026-03-01 20:00,,public,,,,,,,,',
      'session,2026-03-01 20:00,2026-03-01 19:00,,,,,,,,,',
      'session,2026-03-01 20:00,2026-03-04 20:00,,,,,,,,,',
      'session,2026-03-01 20:00,2026-03-01 21:00,vip,,,,,,,,',
      'earning,,,,,,,2026-02-30 10:00,tip,1,1,',
      'earning,,,,,,,2026-03-01 10:00,gift,1,1,',
      'earning,,,,,,,2026-03-01 10:00,tip,-3,1,',
      'earning,,,,,,,2026-03-01 10:00,tip,3,1,5,x',
      'earning,,,,,,,2026-03-01 10:00,tip,3,,',
      'earning,2026-03-01 10:00,,,,,,2026-03-01 10:00,tip,3,1,',
      'party,,,,,,,,,,,',
      'earning,,,,,,,2027-01-01 10:00,tip,3,1,',
      'earning,,,,,,,1999-12-31 10:00,tip,3,1,',
      'earning,,,,,,,2026-03-01 10:00,tip,3,1.23456,',
      'earning,,,,,,,2026-03-01 10:00,tip,3,1.5,',
    ].join('\n'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.problems.map((p) => [p.line, p.field, p.code])).toEqual([
      [2, 'end', 'required'],
      [3, 'end', 'end_not_after_start'],
      [4, 'end', 'session_too_long'],
      [5, 'show_type', 'bad_show_type'],
      [6, 'time', 'bad_time'],
      [7, 'kind', 'bad_kind'],
      [8, 'tokens', 'bad_count'],
      [9, null, 'too_many_fields'],
      [10, 'amount_usd', 'required'],
      [11, 'start', 'not_for_type'],
      [12, 'type', 'unknown_type'],
      [13, 'time', 'time_out_of_range'],
      [14, 'time', 'time_out_of_range'],
      [15, 'amount_usd', 'bad_amount'],
    ]);
    expect(result.earnings.map((e) => e.line)).toEqual([16]);
    expect(result.sessions).toEqual([]);
  });

  it('refuses a local time in a daylight-saving gap and reads an overlap as its earlier instant', () => {
    const madrid = (body: string) => readStreamCsv(records(`${header}\n${body}`), { timeZone: 'Europe/Madrid', latest: new Date('2027-01-01T00:00:00Z') });
    const gap = madrid('earning,,,,,,,2026-03-29 02:30,tip,1,1,');
    expect(gap.ok && gap.problems.map((p) => [p.field, p.code, p.params.timeZone])).toEqual([['time', 'time_in_gap', 'Europe/Madrid']]);
    const overlap = madrid('earning,,,,,,,2026-10-25 02:30,tip,1,1,');
    expect(overlap.ok && overlap.earnings[0]!.time.toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  it('refuses overlapping sessions and repeated external ids, and numbers identical lines apart', () => {
    const result = ok([
      'session,2026-03-01 20:00,2026-03-01 22:00,,,,,,,,,s1',
      'session,2026-03-01 21:00,2026-03-01 23:00,,,,,,,,,s2',
      'session,2026-03-02 20:00,2026-03-02 22:00,,,,,,,,,s1',
      'earning,,,,,,,2026-03-01 21:00,tip,10,0.5,',
      'earning,,,,,,,2026-03-01 21:00,tip,10,0.5,',
      'earning,,,,,,,2026-03-01 21:05,tip,10,0.5,t1',
      'earning,,,,,,,2026-03-01 21:06,tip,10,0.5,t1',
    ].join('\n'));
    expect(result.problems.map((p) => [p.line, p.field, p.code, p.params.line])).toEqual([
      [3, 'start', 'overlaps_session', 2],
      [4, 'external_id', 'duplicate_external_id', 2],
      [8, 'external_id', 'duplicate_external_id', 7],
    ]);
    expect(result.earnings.map((e) => e.externalId)).toEqual([
      'csv:e:2026-03-02T02:00:00.000Z:tip:10:0.5000', 'csv:e:2026-03-02T02:00:00.000Z:tip:10:0.5000#2', 't1',
    ]);
    // The same file again gives the same keys: the second identical line is still #2.
    expect(ok([
      'earning,,,,,,,2026-03-01 21:00,tip,10,0.5,',
      'earning,,,,,,,2026-03-01 21:00,tip,10,0.5,',
    ].join('\n')).earnings.map((e) => e.externalId)).toEqual(result.earnings.slice(0, 2).map((e) => e.externalId));
  });

  it('refuses an empty file, a header without type, a repeated column and too many rows', () => {
    expect(readStreamCsv([], opts)).toEqual({ ok: false, problem: { line: 1, code: 'empty', params: {} } });
    expect(readStreamCsv(records('\n,,\n'), opts)).toMatchObject({ ok: false, problem: { code: 'empty' } });
    expect(readStreamCsv(records('start,end'), opts)).toMatchObject({ ok: false, problem: { code: 'no_type_column' } });
    expect(readStreamCsv(records('type,time,TIME'), opts)).toMatchObject({ ok: false, problem: { code: 'duplicate_column', params: { column: 'time' } } });
    const many = Array.from({ length: streamCsvLimits.maxRows + 1 }, () => 'earning,2026-03-01 10:00,tip,1').join('\n');
    expect(readStreamCsv(records(`type,time,kind,amount_usd\n${many}`), opts)).toMatchObject({
      ok: false, problem: { code: 'too_many_rows', line: streamCsvLimits.maxRows + 2 },
    });
  });
});

describe('sessionContaining / normaliseAmount', () => {
  it('finds the session whose window holds a time, ends included, open sessions running on', () => {
    const a = { start: new Date('2026-01-01T10:00:00Z'), end: new Date('2026-01-01T12:00:00Z') };
    const b = { start: new Date('2026-01-02T10:00:00Z'), end: null };
    expect(sessionContaining([a, b], new Date('2026-01-01T12:00:00Z'))).toBe(a);
    expect(sessionContaining([a, b], new Date('2026-01-01T12:00:01Z'))).toBeUndefined();
    expect(sessionContaining([a, b], new Date('2026-03-01T00:00:00Z'))).toBe(b);
  });

  it('writes amounts with four decimals', () => {
    expect(normaliseAmount('12.5')).toBe('12.5000');
    expect(normaliseAmount('007')).toBe('7.0000');
    expect(normaliseAmount('0.0001')).toBe('0.0001');
  });
});
