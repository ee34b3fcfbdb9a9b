/**
 * No silent data loss from config: a change that stops declaring a data volume (a service
 * disabled, the collector's persistent queue or Jaeger's badger switched off, a new
 * instanceName...) makes `up` delete that volume and its data. Unless `keepDataVolumes` keeps it
 * (the volume is then left on the engine), `preview` fails naming the key and the volume, until
 * the volume is listed in `acceptDataLoss`. Pure: the program passes the volumes this stack has on
 * the engine (providers/volume-owner.ts stackVolumes).
 */
import { CATALOG, SERVICE_KEYS, type ServiceKey } from "../configs/catalog";
import { volumeName, volumesOf } from "../configs/volumes";
import { SWARM_BACKENDS } from "../configs/fleet";
import type { Settings } from "./schema";

/** Docker names of every volume the program declares under `s`. */
export function declaredVolumes(s: Settings): string[] {
  return SERVICE_KEYS.flatMap((k) =>
    volumesOf(k, s)
      .filter((v) => !v.onNode)
      .map((v) => volumeName(s, k, v.role)),
  ).sort();
}

/** The config key whose current value drops `volume` (this stack's, on the engine). */
function keyFor(s: Settings, volume: string): string {
  for (const k of SERVICE_KEYS) {
    for (const role of ["data", "queue"]) {
      if (volume !== volumeName(s, k, role)) continue;
      if (!s.services[k].enabled) return `services.${k}.enabled = false`;
      if (k === "jaeger") return `jaeger.storage = "${s.jaeger.storage}"`;
      if (k === "otelCollector") return "collector.persistentQueue = false";
    }
  }
  const former = SERVICE_KEYS.map((k: ServiceKey) =>
    new RegExp(`^(.+)-${CATALOG[k].host}-(data|queue)$`).exec(volume),
  ).find(Boolean);
  return former ? `instanceName = "${s.instanceName}" (was "${former[1]}")` : "the configuration";
}

/**
 * One message per volume of this stack that the next `up` would delete with its data; empty when
 * nothing is at risk. `existing`: the names of the volumes labelled as this stack's.
 */
export function dataAtRisk(s: Settings, existing: readonly string[], project = "scaibu-observability"): string[] {
  const moved = new Set(movedOffManager(s));
  if (s.keepDataVolumes && !moved.size) return [];
  const declared = new Set(declaredVolumes(s));
  return existing
    .filter((v) => !declared.has(v) && !s.acceptDataLoss.includes(v) && (!s.keepDataVolumes || moved.has(v)))
    .map((v) =>
      moved.has(v)
        ? `${project}:fleet.backendPlacement = ${JSON.stringify(s.fleet.backendPlacement)}: moves its service off this ` +
          `manager, and its data in Docker volume ${v} does not go with it. The next up deletes ${v}, unless ` +
          `keepDataVolumes was already true when it was created or in an up before this one (Pulumi deletes a volume ` +
          `it no longer declares by the retention in its state, not by this run's config). Copy the data yourself, or ` +
          `accept by listing it in ${project}:acceptDataLoss (["${v}"]).`
        : `${project}:${keyFor(s, v)}: the next up deletes Docker volume ${v} and the data on it. Keep it with ` +
          `${project}:keepDataVolumes = true, or accept the loss by listing it in ${project}:acceptDataLoss ` +
          `(["${v}"]). A volume kept earlier that this stack no longer has in its state: \`docker volume rm ${v}\`.`,
    );
}

/**
 * The manager's volumes of the backends placed off it (fleet.backendPlacement): keepDataVolumes
 * does not cover them, since the switch that sets it may be the one that drops them, and Pulumi
 * deletes a dropped resource by the retention its state holds.
 */
function movedOffManager(s: Settings): string[] {
  return SWARM_BACKENDS.flatMap((k) =>
    volumesOf(k, s)
      .filter((v) => v.onNode)
      .map((v) => volumeName(s, k, v.role)),
  );
}
