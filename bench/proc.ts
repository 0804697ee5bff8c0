/** What the benchmarks read of a process from /proc (Linux): its memory and its descendants. 0 / [] once it is gone. */
import { readdirSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

function statusField(path: string, pattern: RegExp): number {
  try {
    const match = pattern.exec(readFileSync(path, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident set size in bytes. */
export const rss = (pid: number): number => statusField(`/proc/${pid}/status`, /^VmRSS:\s+(\d+) kB/m);

/** Proportional set size in bytes (shared pages split among the processes sharing them). */
export const pss = (pid: number): number => statusField(`/proc/${pid}/smaps_rollup`, /^Pss:\s+(\d+) kB/m);

/** The descendants of `root`, not root itself (Chromium's browser, renderer, GPU and utility processes). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const tree = [...(children.get(root) ?? [])];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/**
 * Samples the PSS of `root` and its descendants every `everyMs` on a worker thread, so the sampling (reading
 * smaps_rollup walks each process's page tables: ~90 ms a sample with Chromium at 4 slots) never blocks the
 * event loop of the code being measured. `stop()` answers the peak. The worker is plain JavaScript: worker threads get no TypeScript loader.
 */
export function treePeakSampler(root: number, everyMs = 100): { stop: () => Promise<number> } {
  const source = `
    const { readdirSync, readFileSync } = require('node:fs');
    const { parentPort, workerData } = require('node:worker_threads');
    const field = (path, re) => { try { const m = re.exec(readFileSync(path, 'utf8')); return m ? Number(m[1]) * 1024 : 0; } catch { return 0; } };
    const tree = (root) => {
      const children = new Map();
      for (const entry of readdirSync('/proc')) {
        if (!/^\\d+$/.test(entry)) continue;
        try {
          const stat = readFileSync('/proc/' + entry + '/stat', 'utf8');
          const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
          children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
        } catch {}
      }
      const out = [root, ...(children.get(root) ?? [])];
      for (let i = 1; i < out.length; i++) out.push(...(children.get(out[i]) ?? []));
      return out;
    };
    const sample = () => tree(workerData.root).reduce((sum, pid) => sum + field('/proc/' + pid + '/smaps_rollup', /^Pss:\\s+(\\d+) kB/m), 0);
    let peak = sample();
    const timer = setInterval(() => (peak = Math.max(peak, sample())), workerData.everyMs);
    parentPort.on('message', () => { clearInterval(timer); parentPort.postMessage(Math.max(peak, sample())); parentPort.close(); });
  `;
  const worker = new Worker(source, { eval: true, workerData: { root, everyMs } });
  return {
    stop: () =>
      new Promise<number>((resolve, reject) => {
        worker.once('message', (peak: number) => resolve(peak));
        worker.once('error', reject);
        worker.postMessage('stop');
      }).finally(() => void worker.terminate()),
  };
}
