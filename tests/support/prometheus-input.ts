import { hostsFor } from "../../configs/catalog";
import { prometheusSettings, type PrometheusInput } from "../../configs/prometheus";

/** The Prometheus input of a default stack (domain scaibu, every service on): what the Prometheus tests render. */
export const defaultPrometheusInput: PrometheusInput = {
  ...prometheusSettings.parse({}),
  hosts: hostsFor("scaibu"),
  externalHost: "scaibu.prometheus",
  dockerNetwork: "observability-network",
  dockerEndpoint: "tcp://scaibu.socket-proxy:2375",
};
