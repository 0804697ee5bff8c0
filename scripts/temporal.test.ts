import { describe, expect, it } from 'vitest';
import { devServerArgs, loadTemporalDevConfig } from './temporal.js';

describe('temporal-dev.yaml', () => {
  const config = loadTemporalDevConfig();

  it('pins the CLI and declares the custom search attributes', () => {
    expect(config.cli.version).toBe('v1.5.1');
    expect(config.server).toMatchObject({ port: 7233, uiPort: 8233, namespace: 'default' });
    expect(Object.keys(config.searchAttributes).sort()).toEqual(['ContentId', 'ModelName', 'Platform', 'PublicationStatus']);
  });

  it('becomes start-dev arguments with the SQLite file under the data dir', () => {
    const args = devServerArgs(config, { dataDir: '/srv/data' });
    expect(args.slice(0, 2)).toEqual(['server', 'start-dev']);
    expect(args[args.indexOf('--db-filename') + 1]).toBe('/srv/data/temporal/temporal.db');
    expect(args[args.indexOf('--ui-port') + 1]).toBe('8233');
    expect(args.filter((a) => a.startsWith('ModelName='))).toEqual(['ModelName=Keyword']);
    expect(devServerArgs(config, { dataDir: '/d', headless: true, port: 9000 })).toContain('--headless');
  });
});
