/** Medians, ranges and the printed table of the benchmark. */

export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
  samples: number[];
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function summarize(samples: number[]): Summary | undefined {
  if (samples.length === 0) return undefined;
  return { n: samples.length, median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples };
}

export const secs = (x: number) => (x >= 100 ? `${x.toFixed(0)}s` : x >= 10 ? `${x.toFixed(1)}s` : `${x.toFixed(2)}s`);

export const cell = (s: Summary | undefined) =>
  s === undefined ? "-" : s.n === 1 ? secs(s.median) : `${secs(s.median)} (${secs(s.min)}–${secs(s.max)})`;

export interface Ratio {
  /** median(pulumi) / median(compose) */
  ofMedians: number;
  /** pulumi/compose of each iteration (both sides measured in the same iteration, back to back) */
  paired: number[];
}

export function ratio(pulumi: number[], compose: number[]): Ratio | undefined {
  if (!pulumi.length || !compose.length) return undefined;
  const n = Math.min(pulumi.length, compose.length);
  const paired = Array.from({ length: n }, (_, i) => pulumi[i]! / compose[i]!);
  return { ofMedians: median(pulumi) / median(compose), paired };
}

export const ratioCell = (r: Ratio | undefined) => {
  if (!r) return "-";
  const x = (v: number) => `${v.toFixed(v >= 10 ? 1 : 2)}×`;
  if (r.paired.length < 2) return x(r.ofMedians);
  return `${x(r.ofMedians)} (per run ${x(Math.min(...r.paired))}–${x(Math.max(...r.paired))})`;
};

/** A plain-text table with aligned columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [fmt(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(fmt)].join("\n");
}
