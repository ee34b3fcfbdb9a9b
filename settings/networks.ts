import type { PlannedNetwork } from "../providers/network-replacement";
import { type Settings, stackNetworkRoles } from "./schema";

/**
 * The stack's role networks as the program creates them (components/networks.ts): bridges, or
 * attachable overlays with `fleet.mode: swarm`; the observability network on its configured subnet.
 */
export function plannedNetworks(s: Settings): PlannedNetwork[] {
  return stackNetworkRoles(s).map((role) => ({
    name: s.networks[role].name,
    driver: s.fleet.mode === "swarm" ? "overlay" : "bridge",
    driverKey: `scaibu-observability:fleet.mode = "${s.fleet.mode}"`,
    ...(role === "observability"
      ? { subnet: s.networks.observability.subnet, subnetKey: "scaibu-observability:networks.observability.subnet" }
      : {}),
  }));
}
