/** What the benchmarks read of a process from /proc (Linux): its memory and its descendants. 0 / [] once it is gone. */
import { readdirSync, readFileSync } from 'node:fs';

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
