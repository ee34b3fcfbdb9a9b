import { escapeRegex } from "./regex";

/**
 * The labels an app sets to be scraped by Prometheus (prometheus.io/* style, like the common
 * Kubernetes annotations): on a container for the `docker` job, on a Swarm service for the
 * `swarm-services` job. Only `prometheus.io/scrape=true` opts in.
 */
export const DOCKER_SCRAPE_LABEL = "prometheus.io/scrape";
export const DOCKER_PORT_LABEL = "prometheus.io/port";
export const DOCKER_PATH_LABEL = "prometheus.io/path";

/** One relabel rule of a scrape job (prometheus.yml `relabel_configs`). */
export type RelabelConfig = {
  source_labels?: string[];
  separator?: string;
  regex?: string;
  target_label?: string;
  replacement?: string;
  action?: "replace" | "keep" | "drop" | "labelmap";
};

export interface OptInInput {
  /** The discovery's meta label for a label the target carries, e.g. `__meta_docker_container_label_<name>`. */
  meta: (label: string) => string;
  /** The discovery's meta label naming the network an address is on. */
  networkLabel: string;
  /** The network Prometheus shares with the targets: only addresses on it are kept. */
  network: string;
  /** The label holding the target's address, and a regex whose first group is its host. */
  address: { label: string; hostRegex: string };
}

/**
 * The rules both opt-in jobs share (`docker` on one host, `swarm-services` in a swarm): keep only
 * targets labelled `prometheus.io/scrape=true`, on the shared network; scrape `prometheus.io/port`
 * on the target's address there, and `prometheus.io/path` instead of /metrics.
 */
export function optInRelabel(input: OptInInput): RelabelConfig[] {
  return [
    // Opt-in only: never every container of a shared host, nor every service of a shared swarm.
    { source_labels: [input.meta(DOCKER_SCRAPE_LABEL)], regex: "true", action: "keep" },
    { source_labels: [input.networkLabel], regex: escapeRegex(input.network), action: "keep" },
    {
      source_labels: [input.address.label, input.meta(DOCKER_PORT_LABEL)],
      separator: ";",
      regex: `${input.address.hostRegex};([0-9]+)`,
      target_label: "__address__",
      replacement: "$1:$2",
    },
    {
      source_labels: [input.meta(DOCKER_PATH_LABEL)],
      regex: "(.+)",
      target_label: "__metrics_path__",
      replacement: "$1",
    },
  ];
}

/** How Prometheus' Docker discoveries name a label: every character but [A-Za-z0-9_] becomes `_`. */
export function sanitizedLabel(label: string): string {
  return label.replace(/[^A-Za-z0-9_]/g, "_");
}
