import { hostsFor } from "../../configs/catalog";
import type { GrafanaInput } from "../../configs/grafana";

/** The Grafana input of a default stack (domain scaibu, everything on): what the Grafana tests render. */
export const defaultGrafanaInput: GrafanaInput = {
  hosts: hostsFor("scaibu"),
  jaegerUrl: "https://scaibu.jaeger",
  externalHost: "scaibu.grafana",
  adminUser: "admin",
  hostMetrics: { host: true, containers: true },
  alertmanager: true,
};
