/**
 * The labels an app sets to be scraped by Prometheus (prometheus.io/* style, like the common
 * Kubernetes annotations): on a container for the `docker` job, on a Swarm service for the
 * `swarm-services` job. Only `prometheus.io/scrape=true` opts in.
 */
export const DOCKER_SCRAPE_LABEL = "prometheus.io/scrape";
export const DOCKER_PORT_LABEL = "prometheus.io/port";
export const DOCKER_PATH_LABEL = "prometheus.io/path";

/** How Prometheus' Docker discoveries name a label: every character but [A-Za-z0-9_] becomes `_`. */
export function sanitizedLabel(label: string): string {
  return label.replace(/[^A-Za-z0-9_]/g, "_");
}
