/**
 * The critical path of a `pulumi up`: the chain of resource steps, each waiting for the one before
 * it, that ends with the last step to finish. Built from when each step started and ended (the
 * Automation API's engine events, as they arrive) and each resource's dependencies in the state.
 * A step that started well after its last dependency finished waited for something else: the
 * engine's limit of parallel steps (`--parallel`, 4 × cores by default) or the program.
 */

export interface StepTime {
  urn: string;
  /** Seconds since the operation started. */
  start: number;
  end: number;
}

export interface PathEntry {
  urn: string;
  start: number;
  end: number;
  /** Seconds between the end of the step before it on the path (or the operation's start) and its start. */
  waited: number;
}

/** `type name` of a URN, the type shortened to its module and name (`docker:Container`). */
export function shortName(urn: string): string {
  const parts = urn.split("::");
  const type = (parts[2] ?? "").split("$").pop() ?? "";
  const [pkg, mod = "", name = ""] = type.split(":");
  return `${pkg}:${name.replace(/^.*\//, "") || mod} ${parts[3] ?? urn}`;
}

/** From the last step to end back through, at each step, the dependency that finished last. */
export function criticalPath(steps: readonly StepTime[], dependencies: Record<string, readonly string[]>): PathEntry[] {
  const byUrn = new Map(steps.map((s) => [s.urn, s]));
  let current = [...steps].sort((a, b) => b.end - a.end)[0];
  const path: StepTime[] = [];
  const seen = new Set<string>();
  while (current && !seen.has(current.urn)) {
    seen.add(current.urn);
    path.unshift(current);
    const before = (dependencies[current.urn] ?? [])
      .map((d) => byUrn.get(d))
      .filter((d): d is StepTime => d !== undefined && d.end <= current!.end);
    current = before.sort((a, b) => b.end - a.end)[0];
  }
  return path.map((s, i) => ({ ...s, waited: s.start - (i === 0 ? 0 : path[i - 1]!.end) }));
}

/** The path as printable lines: start → end, duration, what it is, and any wait before it. */
export function formatPath(path: readonly PathEntry[], total: number): string[] {
  const f = (x: number) => x.toFixed(2).padStart(6);
  const lines = path.map(
    (p) =>
      `${f(p.start)} → ${f(p.end)} s  ${(p.end - p.start).toFixed(2).padStart(5)} s  ${shortName(p.urn)}` +
      (p.waited > 0.3 ? `  (started ${p.waited.toFixed(2)} s after the step before it)` : ""),
  );
  const last = path.at(-1)?.end ?? 0;
  return [
    ...lines,
    `${f(last)} → ${f(total)} s  ${(total - last).toFixed(2).padStart(5)} s  the program's end and the CLI's exit`,
  ];
}
