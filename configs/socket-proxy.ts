/**
 * Docker socket proxy (tecnativa/docker-socket-proxy:v0.4.1, HAProxy 3.2 on Alpine) with a filter
 * of the stack's own. The image's sections are too wide: its `CONTAINERS=1` rule allows every GET
 * under /containers (`haproxy.cfg` at v0.4.1: `^(/v[\d\.]+)?/containers` with `env(CONTAINERS)`),
 * which includes a container's files (`/archive`, `/export`), its logs and `/attach/ws`. Any
 * client of the proxy (Traefik, Prometheus, the collector) could read every secret file of every
 * container through it. This config allows exactly the requests the readers make, GET or HEAD
 * only, and answers 403 to everything else.
 *
 * What the readers call (read in their source at the pinned tags; moby/moby/client prefixes
 * `/v<api>` and first sends `HEAD /_ping`, falling back to `GET /_ping`, client.go `checkVersion`):
 * - Traefik v3.7.13 (client v0.4.0) pkg/provider/docker: `GET /version` (pdocker.go:74,
 *   pswarm.go:78, 164), `/containers/json` (pdocker.go:159), `/containers/{id}/json` (shared.go:43),
 *   `/events` (pdocker.go:117); swarm: `/services` (pswarm.go:159), `/networks` (pswarm.go:177),
 *   `/tasks` (pswarm.go:268), `/nodes/{id}` (pswarm.go:309).
 * - Prometheus v3.14.0 (client v0.5.0) discovery/moby: `/containers/json` (docker.go:205),
 *   `/networks` (network.go:36); swarm: `/services` (services.go:50, 136), `/tasks` (tasks.go:47),
 *   `/nodes` (nodes.go:51, 88).
 * - collector-contrib dockerstatsreceiver v0.161.0 (client v0.6.0, api_version 1.44 by default,
 *   factory.go:33): `/containers/json`, `/containers/{id}/json`, `/containers/{id}/stats`, `/events`
 *   (receiver.go:69, 77, 110, 131, 137; its tests serve exactly those three container paths).
 * The query string is not part of HAProxy's `path`, so filters pass as the readers send them.
 */
import { CATALOG } from "./catalog";
import { wgetCheck } from "./types";

/** Where the proxy reads the socket (the image's SOCKET_PATH default). */
export const SOCKET_PROXY_SOCKET = "/var/run/docker.sock";

/** The proxy's own filter, an uploaded file (the image's template and switches are not used). */
export const SOCKET_PROXY_CONFIG_PATH = "/usr/local/etc/haproxy/scaibu-socket-proxy.cfg";

/**
 * HAProxy in the foreground (`-db`) on this config alone. The image's entrypoint would render
 * its own template into /tmp and add it (`docker-entrypoint.sh` at v0.4.1); `haproxy` is on the
 * image's PATH (haproxy:3.2.4-alpine installs /usr/local/sbin/haproxy).
 */
export function socketProxyEntrypoint(): string[] {
  return ["haproxy", "-db", "-f", SOCKET_PROXY_CONFIG_PATH];
}

/** A path the Docker API serves, with or without its `/v<api>` prefix. Names and ids start with a letter or digit. */
const ID = "[a-zA-Z0-9][a-zA-Z0-9_.-]*";
const api = (path: string) => `^(/v[0-9.]+)?/${path}$`;

/** The requests the stack's readers make (see above); in a swarm also the swarm's lists. */
export function socketProxyAllowed(swarm: boolean): string[] {
  return [
    api("_ping"),
    api("version"),
    api("events"),
    api("containers/json"),
    api(`containers/${ID}/(json|stats)`),
    api("networks"),
    ...(swarm ? [api("(services|tasks|nodes)"), api(`nodes/${ID}`)] : []),
  ];
}

/**
 * A swarm node's own proxy (configs/fleet.ts): what docker_stats reads of that node's engine, and
 * nothing else: no network, service, task or node list.
 */
export function nodeProxyAllowed(): string[] {
  return [api("_ping"), api("version"), api("events"), api("containers/json"), api(`containers/${ID}/(json|stats)`)];
}

/** The filter of a swarm node's own proxy: docker_stats' reads alone (nodeProxyAllowed). */
export function nodeProxyConfig(): string {
  return haproxyFilter(nodeProxyAllowed());
}

/**
 * The filter: GET and HEAD on the allowed paths reach the socket; anything else answers 403. An
 * event stream idle for 10 minutes is closed and its reader opens another (Traefik's provider
 * retries; the collector's event loop restarts after an error), as with the image's own timeouts
 * (`timeout client 10m` at v0.4.1). Paths are
 * matched as sent, undecoded: an escaped character (`%2F`) is outside every pattern, so it is
 * refused rather than decoded into something the patterns did not mean.
 */
export function socketProxyConfig(swarm: boolean): string {
  return haproxyFilter(socketProxyAllowed(swarm));
}

function haproxyFilter(allowed: readonly string[]): string {
  return [
    "# The stack's Docker API filter (configs/socket-proxy.ts): read-only, exact paths, 403 otherwise.",
    "global",
    "    log stdout format raw local0 warning",
    // Few clients, few connections: 200 keeps HAProxy within a 1024 descriptor limit (no ulimit to raise).
    "    maxconn 200",
    "",
    "defaults",
    "    mode http",
    "    log global",
    "    timeout connect 10s",
    "    timeout client 10m",
    "    timeout server 10m",
    "",
    "backend docker",
    `    server socket ${SOCKET_PROXY_SOCKET}`,
    "",
    "frontend docker_api",
    `    bind :${CATALOG.socketProxy.ports.api}`,
    // Lines of one ACL name are ORed.
    ...allowed.map((re) => `    acl allowed path -m reg ${re}`),
    "    http-request deny deny_status 403 unless METH_GET allowed",
    "    default_backend docker",
    "",
  ].join("\n");
}

/** The Docker API endpoint for the proxy's clients, e.g. `tcp://scaibu.socket-proxy:2375`. */
export function socketProxyEndpoint(host: string): string {
  return `tcp://${host}:${CATALOG.socketProxy.ports.api}`;
}

/** The image is Alpine-based (busybox wget); /_ping is one of the allowed reads. */
export const socketProxyHealthcheck = wgetCheck(`http://127.0.0.1:${CATALOG.socketProxy.ports.api}/_ping`, "5s");
