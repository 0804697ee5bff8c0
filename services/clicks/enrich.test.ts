// The parts of click enrichment that need no database: both GeoIP record shapes, which database an address is
// asked of, the user-agent facts and the visitor hash.
import type { Reader, Response } from 'maxmind';
import { describe, expect, it } from 'vitest';
import { defaultGeoipCityDbPaths } from '../../config.js';
import { GeoLookup, parseUserAgent, visitorHash } from './enrich.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A database that answers one address with one record. */
function fakeReader(ipVersion: 4 | 6, records: Record<string, unknown>): Pick<Reader<Response>, 'get' | 'metadata'> {
  return {
    metadata: { ipVersion } as Reader<Response>['metadata'],
    get: (address: string) => (records[address] ?? null) as Response | null,
  };
}

describe('GeoLookup', () => {
  it('reads ip-location-db\'s flat records and MaxMind\'s GeoLite2/GeoIP2 City records', () => {
    const geo = new GeoLookup([
      fakeReader(4, { '1.2.3.4': { country_code: 'CO', city: 'Medellin', state1: 'Antioquia' }, '5.6.7.8': { country_code: 'US', city: '' } }),
      fakeReader(6, {
        '2001:db8::1': { country: { iso_code: 'DE', names: { en: 'Germany' } }, city: { geoname_id: 2950159, names: { en: 'Berlin', de: 'Berlin' } } },
        '2001:db8::2': { registered_country: { iso_code: 'FR' } },
      }),
    ]);
    expect(geo.lookup('1.2.3.4')).toEqual({ country: 'CO', city: 'Medellin' });
    expect(geo.lookup('::ffff:1.2.3.4')).toEqual({ country: 'CO', city: 'Medellin' });
    expect(geo.lookup('5.6.7.8')).toEqual({ country: 'US', city: null });
    expect(geo.lookup('2001:db8::1')).toEqual({ country: 'DE', city: 'Berlin' });
    expect(geo.lookup('2001:db8::2')).toEqual({ country: 'FR', city: null });
    expect(geo.lookup('9.9.9.9')).toEqual({ country: null, city: null });
  });

  it('never asks an IPv4-only database about an IPv6 address (it would answer with a wrong country)', () => {
    const geo = new GeoLookup([fakeReader(4, { '2001:db8::9': { country_code: 'HK' } }), fakeReader(6, {})]);
    expect(geo.lookup('2001:db8::9')).toEqual({ country: null, city: null });
  });

  it('reads the shipped GeoLite2 files for both address families', async () => {
    const geo = await GeoLookup.open(defaultGeoipCityDbPaths(), silent);
    expect(geo.lookup('81.2.69.142')).toEqual({ country: 'GB', city: 'Bracknell' });
    expect(geo.lookup('2a02:8010::1')).toEqual({ country: 'GB', city: 'Sale' });
    expect(geo.lookup('127.0.0.1')).toEqual({ country: null, city: null });
    expect(geo.lookup('not an address')).toEqual({ country: null, city: null });
  });
});

describe('parseUserAgent', () => {
  it('types phones, desktops, crawlers and link previews; no user agent is a bot', () => {
    expect(parseUserAgent('Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36'))
      .toEqual({ device: 'mobile', os: 'Android', browser: 'Chrome', bot: false });
    expect(parseUserAgent('Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'))
      .toEqual({ device: 'tablet', os: 'iOS', browser: 'Safari', bot: false });
    expect(parseUserAgent('facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)')).toMatchObject({ device: 'bot', bot: true });
    expect(parseUserAgent('Twitterbot/1.0')).toEqual({ device: 'bot', os: null, browser: null, bot: true });
    expect(parseUserAgent('')).toEqual({ device: 'bot', os: null, browser: null, bot: true });
    expect(parseUserAgent('   ')).toMatchObject({ bot: true });
  });
});

describe('visitorHash', () => {
  it('is 32 hex characters that change with the salt, the address and the user agent', () => {
    const hash = visitorHash('salt-a', '203.0.113.7', 'UA');
    expect(hash).toMatch(/^[0-9a-f]{32}$/);
    expect(visitorHash('salt-a', '203.0.113.7', 'UA')).toBe(hash);
    expect(new Set([hash, visitorHash('salt-b', '203.0.113.7', 'UA'), visitorHash('salt-a', '203.0.113.8', 'UA'), visitorHash('salt-a', '203.0.113.7', 'UA2')]).size).toBe(4);
  });
});
