/** What a running container costs, from the Docker stats API: CPU over a window, memory sampled in it. */
import { run } from "./exec";
import { median } from "./stats";

interface Stats {
  read: string;
  cpu_stats: { cpu_usage: { total_usage: number } };
  memory_stats: { usage?: number; stats?: Record<string, number> };
}

export interface Cost {
  millicores: number;
  memMedian: number;
  memPeak: number;
}

/** One stats reading of `container` from the engine at unix socket `socket`. */
async function stats(socket: string, container: string): Promise<Stats> {
  const out = await run("curl", [
    "-sf",
    "--unix-socket",
    socket,
    `http://localhost/containers/${container}/stats?stream=false&one-shot=true`,
  ]);
  return JSON.parse(out) as Stats;
}

/** Memory as `docker stats` shows it: usage minus inactive page cache (cgroup v1 and v2 keys). */
function memoryBytes(s: Stats): number {
  const m = s.memory_stats;
  const cache = m.stats?.total_inactive_file ?? m.stats?.inactive_file ?? 0;
  return (m.usage ?? 0) - cache;
}

/**
 * Each container's CPU (cgroup CPU time over wall time, in millicores) over `windowS` seconds, and
 * its memory every 5 s in that window (median and peak). `containers` pairs an engine socket with a
 * container name or id; all are read side by side.
 */
export async function measureCosts(containers: { socket: string; name: string }[], windowS: number): Promise<Cost[]> {
  const read = () => Promise.all(containers.map((c) => stats(c.socket, c.name)));
  const first = await read();
  const mem: number[][] = first.map((s) => [memoryBytes(s)]);
  const start = Date.now();
  while (Date.now() - start < windowS * 1000) {
    await new Promise((r) => setTimeout(r, 5000));
    (await read()).forEach((s, i) => mem[i]!.push(memoryBytes(s)));
  }
  const last = await read();
  return last.map((l, i) => {
    const f = first[i]!;
    const cpuNs = l.cpu_stats.cpu_usage.total_usage - f.cpu_stats.cpu_usage.total_usage;
    const wallNs = (Date.parse(l.read) - Date.parse(f.read)) * 1e6;
    return { millicores: (cpuNs / wallNs) * 1000, memMedian: median(mem[i]!), memPeak: Math.max(...mem[i]!) };
  });
}

export const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
