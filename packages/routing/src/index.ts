/** How Traefik reaches a service: everything the labels are generated from. */
export interface RouteSpec {
  /** Router, service and middleware name prefix; unique on this Traefik. */
  name: string;
  /** Host header the router matches, e.g. scaibu.loki. */
  host: string;
  /** Container port Traefik forwards to. Omit when routing to a Traefik-internal service. */
  port?: number;
  /** A Traefik-internal service such as `api@internal` (the dashboard) instead of the container. */
  internalService?: string;
  /** htpasswd users (`user:bcrypt-hash`) guarding the route with basic auth. */
  basicAuthUsers?: string;
  /** Path prefixes never served through this route (answered 404), e.g. Grafana's `/metrics`. */
  hiddenPaths?: string[];
}

/** The label that marks containers of this stack; Traefik only routes containers carrying it. */
export const STACK_LABEL = "io.scaibu.stack";
/**
 * The label a container of another stack carries to be routed by this stack's Traefik (value: this
 * stack's `<project>/<stack>`). It is not STACK_LABEL: the container does not belong to this stack.
 */
export const ROUTE_LABEL = "io.scaibu.route";
export const ENTRYPOINT = "websecure";

/**
 * Which of Traefik's providers reads the labels: `docker` for a container's labels, `swarm` for a
 * Swarm service's (`docker service create --label`, compose `deploy.labels`). Traefik v3.7 reads
 * the network a service is reached on from `traefik.swarm.network`, and refuses a service that
 * carries both `traefik.docker.*` and `traefik.swarm.*` (pkg/provider/docker/shared_labels.go
 * extractSwarmLabels, v3.7.13).
 */
export type LabelProvider = "docker" | "swarm";

/**
 * Traefik labels for one route, on the `websecure` entrypoint with TLS (the default certificate
 * comes from the file provider). The only place Traefik labels are written.
 */
export function traefikLabels(
  route: RouteSpec,
  networkName: string,
  provider: LabelProvider = "docker",
): Record<string, string> {
  if ((route.port === undefined) === (route.internalService === undefined)) {
    throw new Error(`route ${route.name}: give exactly one of port or internalService`);
  }
  if (!/^[a-z0-9-]+$/.test(route.name)) throw new Error(`route name "${route.name}" must be [a-z0-9-]+`);
  const r = `traefik.http.routers.${route.name}`;
  const labels: Record<string, string> = {
    "traefik.enable": "true",
    [`traefik.${provider}.network`]: networkName,
    [`${r}.rule`]: [`Host(\`${route.host}\`)`, ...(route.hiddenPaths ?? []).map((p) => `!PathPrefix(\`${p}\`)`)].join(
      " && ",
    ),
    [`${r}.entrypoints`]: ENTRYPOINT,
    [`${r}.tls`]: "true",
  };
  if (route.internalService !== undefined) {
    labels[`${r}.service`] = route.internalService;
  } else {
    labels[`${r}.service`] = route.name;
    labels[`traefik.http.services.${route.name}.loadbalancer.server.port`] = String(route.port);
  }
  if (route.basicAuthUsers !== undefined) {
    const mw = `${route.name}-auth`;
    labels[`traefik.http.middlewares.${mw}.basicauth.users`] = route.basicAuthUsers;
    labels[`${r}.middlewares`] = mw;
  }
  return labels;
}
