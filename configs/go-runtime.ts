/**
 * GOMEMLIMIT for the stack's Go programs. The Go runtime does not read the container's memory
 * limit: without a soft limit of its own, its heap grows until the cgroup kills the process (its
 * garbage collector only paces on heap growth: Go `runtime/debug.SetMemoryLimit`, read from the
 * GOMEMLIMIT environment variable since Go 1.19). Set below the container's limit, the collector
 * collects harder as it nears it instead of being killed. bench:load found Jaeger at 1020 of its
 * 1024 MiB, restarted, under sustained load without it (docs/benchmark.md).
 */
import type { ServiceKey } from "./catalog";

/** The services whose main process is a Go program; the socket proxy is HAProxy. */
const GO_SERVICES: readonly ServiceKey[] = [
  "prometheus",
  "loki",
  "jaeger",
  "grafana",
  "otelCollector",
  "alertmanager",
  "traefik",
];

/** The soft limit, as a fraction of the container's memory limit: room for what is not Go heap. */
export const GO_MEMORY_FRACTION = 0.85;

/** `{ GOMEMLIMIT: "<n>MiB" }` for a Go service with `memoryMb` of memory, else nothing. */
export function goMemoryLimitEnv(service: ServiceKey, memoryMb: number): Record<string, string> {
  return GO_SERVICES.includes(service) ? { GOMEMLIMIT: `${Math.floor(memoryMb * GO_MEMORY_FRACTION)}MiB` } : {};
}
