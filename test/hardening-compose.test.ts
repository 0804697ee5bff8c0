// docker-compose.yml as Docker Compose reads it (YAML with `<<` merge keys): the Temporal Web UI only on loopback and
// read-only unless .env says otherwise, and every app role restarted by Docker and health-checked.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

interface Service {
  ports?: string[];
  environment?: Record<string, string | null>;
  restart?: string;
  command?: string[];
  healthcheck?: { test?: string[]; interval?: string; start_period?: string };
}
const compose = parse(readFileSync(fileURLToPath(new URL('../docker-compose.yml', import.meta.url)), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};

describe('docker-compose.yml', () => {
  it('publishes the Temporal Web UI on 127.0.0.1 only, with write actions off unless .env turns them on', () => {
    const ui = compose.services['temporal-ui']!;
    expect(ui.ports).toEqual(['127.0.0.1:8233:8080']);
    // The temporalio/ui server's own switch (server/config/docker.yaml: disableWriteActions), default true here.
    expect(ui.environment?.TEMPORAL_DISABLE_WRITE_ACTIONS).toBe('${TEMPORAL_DISABLE_WRITE_ACTIONS:-true}');
  });

  it.each(['web', 'worker', 'bot'])('role %s restarts unless stopped and has a healthcheck', (role) => {
    const service = compose.services[role]!;
    expect(service.command).toEqual([role]);
    expect(service.restart).toBe('unless-stopped');
    expect(service.healthcheck?.test?.[0]).toBe('CMD');
    expect(service.healthcheck?.test?.join(' ')).toContain(role === 'web' ? '/healthz' : `heartbeat-${role}-`);
  });
});
