// The monitoring part of docker-compose.yml as Compose and Prometheus read it: Prometheus scrapes every role with the
// bearer token from a file, the roles' metrics servers listen where it looks, Grafana gets its data source and the
// dashboard, and neither UI is published beyond 127.0.0.1.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const repo = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));
const yaml = (path: string) => parse(readFileSync(repo(path), 'utf8'), { merge: true }) as Record<string, any>;

const compose = yaml('docker-compose.yml');
const prometheus = yaml('ops/prometheus/prometheus.yml');

describe('metrics in docker-compose.yml', () => {
  it('scrapes web, every worker replica and the bot with the bearer token file the prometheus service writes', () => {
    const jobs: Record<string, any> = Object.fromEntries((prometheus.scrape_configs as any[]).map((job) => [job.job_name, job]));
    expect(Object.keys(jobs).sort()).toEqual(['bot', 'web', 'worker']);
    const service = compose.services.prometheus;
    const tokenFile = '/run/trafico/metrics-token';
    for (const job of Object.values(jobs)) expect(job.authorization).toEqual({ type: 'Bearer', credentials_file: tokenFile });
    expect(service.tmpfs).toContain('/run/trafico');
    expect(service.command.join(' ')).toContain(`> ${tokenFile}`);
    expect(service.environment.METRICS_TOKEN).toBe('${METRICS_TOKEN:-${API_TOKEN}}');

    expect(jobs.web.static_configs[0].targets).toEqual([`web:${compose.services.web.environment.PORT}`]);
    const env = compose.services.worker.environment;
    expect(env.METRICS_HOST).toBe('0.0.0.0');
    expect(jobs.worker.dns_sd_configs[0]).toMatchObject({ names: ['worker'], type: 'A', port: Number(env.METRICS_PORT) });
    expect(jobs.bot.static_configs[0].targets).toEqual([`bot:${compose.services.bot.environment.METRICS_PORT}`]);
    // The roles' metrics ports stay on the compose network.
    for (const role of ['worker', 'bot']) expect(compose.services[role].ports).toBeUndefined();
    const mounted = (service.volumes as string[]).find((v) => v.endsWith(':/etc/prometheus/prometheus.yml:ro'));
    expect(mounted).toBe('./ops/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
  });

  it('provisions Grafana with the Prometheus data source and the dashboard; both UIs on 127.0.0.1 only', () => {
    expect(compose.services.prometheus.ports).toEqual(['127.0.0.1:9090:9090']);
    expect(compose.services.grafana.ports).toEqual(['127.0.0.1:3001:3000']);
    const grafana = compose.services.grafana;
    expect(grafana.environment.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?/);
    const mounts = Object.fromEntries((grafana.volumes as string[]).map((v) => v.split(':')).filter((p) => p[0]!.startsWith('./')).map(([from, to]) => [to, from]));
    const datasource = parse(readFileSync(repo(`${mounts['/etc/grafana/provisioning']}/datasources/prometheus.yml`), 'utf8'));
    expect(datasource.datasources[0]).toMatchObject({ uid: 'prometheus', type: 'prometheus', url: 'http://prometheus:9090' });
    const provider = parse(readFileSync(repo(`${mounts['/etc/grafana/provisioning']}/dashboards/trafico.yml`), 'utf8'));
    expect(provider.providers[0].options.path).toBe('/etc/grafana/dashboards');
    expect(existsSync(repo(`${mounts['/etc/grafana/dashboards']}/trafico.json`))).toBe(true);
    // Every panel reads that data source.
    const dashboard = JSON.parse(readFileSync(repo(`${mounts['/etc/grafana/dashboards']}/trafico.json`), 'utf8'));
    for (const panel of dashboard.panels.filter((p: any) => p.type !== 'row')) expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: 'prometheus' });
  });
});
