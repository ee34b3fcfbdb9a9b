/**
 * A service's own time to healthy, read from Docker after the fact: from the container's start to
 * the end of its first passing health probe. Independent of the tool that started it, so the
 * benchmark can compare Pulumi's cold `up` with what the slowest service needs by itself.
 */
import type { ContainerInspect } from "./docker-types";

/** Docker prints nanoseconds; Date.parse wants at most milliseconds. */
const ms = (rfc3339: string) => Date.parse(rfc3339.replace(/(\.\d{3})\d+/, "$1"));

/**
 * Seconds from start to the first passing probe; undefined when that is not known: Docker keeps the
 * last five probes only, so when the oldest kept one already passed, an earlier pass may be gone.
 */
export function timeToHealthy(c: ContainerInspect): number | undefined {
  const probes = c.State.Health?.Log ?? [];
  const firstPass = probes.findIndex((p) => p.ExitCode === 0);
  if (firstPass < 0 || (firstPass === 0 && probes.length >= 5)) return undefined;
  return (ms(probes[firstPass]!.End) - ms(c.State.StartedAt)) / 1000;
}

/** The container that took longest to become healthy, with its time. */
export function slowestToHealthy(cs: ContainerInspect[]): { name: string; seconds: number } | undefined {
  let slowest: { name: string; seconds: number } | undefined;
  for (const c of cs) {
    const seconds = timeToHealthy(c);
    if (seconds === undefined) return undefined;
    if (!slowest || seconds > slowest.seconds) slowest = { name: c.Name.replace(/^\//, ""), seconds };
  }
  return slowest;
}
