/**
 * The named volumes of the stack: which service keeps data where, under which settings. One
 * source for the components (which declare them) and for the data-loss check (which compares
 * them with the volumes this stack has on the engine: settings/data-loss.ts).
 */
import type { Settings } from "../settings/schema";
import { CATALOG, type ServiceKey } from "./catalog";
import { ALERTMANAGER_DATA_DIR } from "./alertmanager";
import { GRAFANA_DATA_DIR } from "./grafana";
import { backendsOffManager, runsAsSwarmService } from "./fleet";
import { JAEGER_DATA_DIR, JAEGER_SWARM_DATA_DIR } from "./jaeger";
import { LOKI_DATA_DIR } from "./loki";
import { OTEL_QUEUE_DIR } from "./otel-collector";
import { PROMETHEUS_DATA_DIR } from "./prometheus";

export interface NamedVolumeSpec {
  /** What the volume holds (`data`, the collector's `queue`): names the resource and the Docker volume. */
  role: "data" | "queue";
  containerPath: string;
  /** Its logical name before volumes were named by role (kept as an alias, so state carries over). */
  formerIndex?: number;
  /**
   * Swarm creates it on the node its service's task lands on, off the manager (fleet.backendPlacement):
   * the program declares no Docker volume for it, and nothing of the stack measures or removes it.
   */
  onNode?: boolean;
}

/** The volumes `key` declares under `s` (none when it is disabled). */
export function volumesOf(key: ServiceKey, s: Settings): NamedVolumeSpec[] {
  if (!s.services[key].enabled) return [];
  const data = (containerPath: string): NamedVolumeSpec[] => [{ role: "data", containerPath, formerIndex: 0 }];
  switch (key) {
    case "loki":
      return data(LOKI_DATA_DIR);
    case "prometheus":
      return data(PROMETHEUS_DATA_DIR);
    case "grafana":
      return data(GRAFANA_DATA_DIR);
    case "alertmanager":
      // Silences and the notification log: kept across replacements and restarts.
      return [{ role: "data", containerPath: ALERTMANAGER_DATA_DIR }];
    case "jaeger":
      if (s.jaeger.storage !== "badger") return [];
      return runsAsSwarmService(s, key)
        ? data(JAEGER_SWARM_DATA_DIR).map((v) => ({ ...v, onNode: backendsOffManager(s) }))
        : data(JAEGER_DATA_DIR);
    case "otelCollector":
      return s.collector.persistentQueue ? [{ role: "queue", containerPath: OTEL_QUEUE_DIR }] : [];
    default:
      return [];
  }
}

/** Docker name of a volume: `<instanceName>-<host>-<role>`, never derived from `domain`. */
export function volumeName(s: Pick<Settings, "instanceName">, key: ServiceKey, role: string): string {
  return `${s.instanceName}-${CATALOG[key].host}-${role}`;
}
