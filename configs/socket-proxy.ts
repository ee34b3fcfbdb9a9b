/**
 * Docker socket proxy (tecnativa/docker-socket-proxy:v0.4.1): HAProxy in front of docker.sock that
 * lets through only the API sections switched on by environment variables, and only GET/HEAD
 * while POST=0 (anything else answers 403). Read at v0.4.1: `Dockerfile` (env defaults, EXPOSE
 * 2375, SOCKET_PATH=/var/run/docker.sock) and `haproxy.cfg` (one path rule per variable).
 *
 * What the stack's readers call (read in their source):
 * - Traefik's docker provider: /_ping, /version, /containers/json, /containers/{id}/json, /events
 *   (pkg/provider/docker/pdocker.go, shared.go; v3.7.x).
 * - Prometheus docker_sd: /_ping, /containers/json, /networks (discovery/moby/docker.go, v3.14.0).
 */
import { CATALOG } from "./catalog";
import { wgetCheck } from "./types";

/** Where the proxy reads the socket (its SOCKET_PATH default). */
export const SOCKET_PROXY_SOCKET = "/var/run/docker.sock";

/**
 * The proxy's switches: exactly the read-only sections the stack's readers need. In a swarm,
 * Prometheus' dockerswarm_sd also lists services, tasks and nodes (discovery/moby/services.go,
 * tasks.go, nodes.go at v3.14.0; the switches are in tecnativa's haproxy.cfg at v0.4.1).
 */
export function socketProxyEnv(swarm = false): Record<string, string> {
  return {
    CONTAINERS: "1",
    EVENTS: "1",
    NETWORKS: "1",
    PING: "1",
    VERSION: "1",
    ...(swarm ? { NODES: "1", SERVICES: "1", TASKS: "1" } : {}),
    // Every write (POST, PUT, DELETE) is refused; so is every section not listed above.
    POST: "0",
  };
}

/** The Docker API endpoint for the proxy's clients, e.g. `tcp://scaibu.socket-proxy:2375`. */
export function socketProxyEndpoint(host: string): string {
  return `tcp://${host}:${CATALOG.socketProxy.ports.api}`;
}

/** The image is Alpine-based (busybox wget); /_ping is one of the allowed reads. */
export const socketProxyHealthcheck = wgetCheck(`http://127.0.0.1:${CATALOG.socketProxy.ports.api}/_ping`, "5s");
