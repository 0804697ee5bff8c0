// sameSession decides whether a job's session is written back: equal means nothing to save, so any real
// change (a rotated cookie, a new expiry, a storage item) must count as different.
import { describe, expect, it } from 'vitest';
import { sameSession, type StorageState } from './browser.js';

const cookie = (name: string, value: string, expires = 1_900_000_000.25) =>
  ({ name, value, domain: 'site.example', path: '/', expires, httpOnly: true, secure: true, sameSite: 'Lax' as const });
const state = (cookies: StorageState['cookies'], storage: [string, string][] = []): StorageState =>
  ({ cookies, origins: storage.length ? [{ origin: 'https://site.example', localStorage: storage.map(([name, value]) => ({ name, value })) }] : [] });

describe('sameSession', () => {
  it('ignores order and sub-second expiry noise', () => {
    const a = state([cookie('a', '1'), cookie('b', '2')], [['x', '1'], ['y', '2']]);
    const b = state([cookie('b', '2'), cookie('a', '1', 1_900_000_000.2500002)], [['y', '2'], ['x', '1']]);
    expect(sameSession(a, b)).toBe(true);
  });

  it('sees a rotated value, a new expiry, a new or lost cookie, a changed flag and any storage change', () => {
    const base = state([cookie('a', '1')], [['x', '1']]);
    expect(sameSession(base, state([cookie('a', '2')], [['x', '1']]))).toBe(false);
    expect(sameSession(base, state([cookie('a', '1', 1_900_086_400)], [['x', '1']]))).toBe(false);
    expect(sameSession(base, state([cookie('a', '1'), cookie('c', '3')], [['x', '1']]))).toBe(false);
    expect(sameSession(base, state([], [['x', '1']]))).toBe(false);
    expect(sameSession(base, state([{ ...cookie('a', '1'), httpOnly: false }], [['x', '1']]))).toBe(false);
    expect(sameSession(base, state([cookie('a', '1')], [['x', '2']]))).toBe(false);
    expect(sameSession(base, state([cookie('a', '1')]))).toBe(false);
  });
});
