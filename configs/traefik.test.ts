import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TRAEFIK_METRICS_USERS_PATH, TRAEFIK_STATIC_PATH, traefikFiles, traefikSecretFiles } from "./traefik";
import { fileAt, parseYaml } from "../tests/support/config-files";
import { parseSettings } from "../settings/schema";
import { renderAll } from "./render";
import { PROMETHEUS_CONFIG_PATH } from "./prometheus";

const input = {
  networkName: "net",
  dockerEndpoint: "tcp://scaibu.socket-proxy:2375",
  constraintLabel: { key: "io.scaibu.stack", value: "p/s" },
};
const files = traefikFiles(input);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const doc = (path: string): any => parseYaml(fileAt(files, path).content);

describe("traefik config", () => {
  it("redirects plain HTTP and sends HSTS on every HTTPS response", () => {
    const s = doc(TRAEFIK_STATIC_PATH);
    assert.deepEqual(s.entryPoints.web.http.redirections.entryPoint, {
      to: "websecure",
      scheme: "https",
      permanent: true,
    });
    assert.deepEqual(s.entryPoints.websecure.http.middlewares, ["hsts@file"]);
    const d = doc("/etc/traefik/dynamic/dynamic.yml");
    assert.equal(d.http.middlewares.hsts.headers.stsSeconds, 31536000);
  });

  it("serves its metrics only behind basic auth when they ask for a login, and as Traefik would otherwise", () => {
    const open = { static: doc(TRAEFIK_STATIC_PATH), dynamic: doc("/etc/traefik/dynamic/dynamic.yml") };
    // Open: Traefik adds its own /metrics router on the internal entrypoint (no router of ours).
    assert.equal(open.static.metrics.prometheus.manualRouting, undefined);
    assert.equal(open.dynamic.http.routers, undefined);
    const guarded = traefikFiles({ ...input, metricsAuth: true });
    const at = (path: string) => parseYaml<Record<string, any>>(fileAt(guarded, path).content); // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(at(TRAEFIK_STATIC_PATH).metrics.prometheus.manualRouting, true);
    const d = at("/etc/traefik/dynamic/dynamic.yml");
    // The router Traefik's internal provider would add (pkg/provider/traefik/internal.go), plus the login.
    assert.deepEqual(d.http.routers.metrics, {
      entryPoints: ["traefik"],
      rule: "PathPrefix(`/metrics`)",
      service: "prometheus@internal",
      middlewares: ["metrics-auth"],
    });
    assert.deepEqual(d.http.middlewares["metrics-auth"], {
      basicAuth: { usersFile: TRAEFIK_METRICS_USERS_PATH, removeHeader: true },
    });
    assert.equal(d.http.middlewares.hsts.headers.stsSeconds, 31536000);
    // The ping the health check asks stays on the entrypoint, unguarded (it tells nothing).
    assert.equal(at(TRAEFIK_STATIC_PATH).ping.entryPoint, "traefik");
    assert.deepEqual(
      traefikSecretFiles("c", "k", "u:{SHA}x\n").map((f) => f.path),
      ["/etc/traefik/certs/server.crt", "/etc/traefik/certs/server.key", TRAEFIK_METRICS_USERS_PATH],
    );
    assert.equal(traefikSecretFiles("c", "k").length, 2);
  });

  it("guards its metrics whenever its route is guarded, and Prometheus' scrape sends the login then alone", () => {
    type Job = { job_name: string; basic_auth?: unknown };
    const rendered = (auth: object) => {
      const r = renderAll(parseSettings({ auth }), "p/s");
      const jobs = parseYaml<{ scrape_configs: Job[] }>(fileAt(r.prometheus!.files, PROMETHEUS_CONFIG_PATH).content);
      return {
        manual: parseYaml<{ metrics: { prometheus: { manualRouting?: boolean } } }>(
          fileAt(r.traefik!.files, TRAEFIK_STATIC_PATH).content,
        ).metrics.prometheus.manualRouting,
        login: jobs.scrape_configs.find((j) => j.job_name === "traefik")!.basic_auth !== undefined,
      };
    };
    assert.deepEqual(rendered({}), { manual: true, login: true });
    assert.deepEqual(rendered({ open: ["traefik"] }), { manual: undefined, login: false });
    assert.deepEqual(rendered({ enabled: false }), { manual: undefined, login: false });
  });

  it("accepts TLS 1.2 at the least", () => {
    assert.equal(doc("/etc/traefik/dynamic/dynamic.yml").tls.options.default.minVersion, "VersionTLS12");
  });

  it("routes only this stack's containers and never serves the API without a router", () => {
    const s = doc(TRAEFIK_STATIC_PATH);
    assert.equal(s.providers.docker.constraints, "Label(`io.scaibu.stack`,`p/s`)");
    assert.equal(s.providers.docker.exposedByDefault, false);
    assert.equal(s.providers.docker.endpoint, "tcp://scaibu.socket-proxy:2375");
    assert.equal(s.api.insecure, false);
  });

  it("also routes other stacks' containers that name this stack in the consumer label", () => {
    const withConsumers = traefikFiles({ ...input, consumerLabel: "io.scaibu.route" });
    const s = parseYaml(fileAt(withConsumers, TRAEFIK_STATIC_PATH).content) as {
      providers: { docker: { constraints: string } };
    };
    assert.equal(s.providers.docker.constraints, "Label(`io.scaibu.stack`,`p/s`) || Label(`io.scaibu.route`,`p/s`)");
  });

  it("routes a swarm's services only in swarm mode, with the same constraints, at their tasks' addresses", () => {
    assert.equal(doc(TRAEFIK_STATIC_PATH).providers.swarm, undefined);
    const swarm = traefikFiles({ ...input, consumerLabel: "io.scaibu.route", swarmNetwork: "fleet" });
    const s = parseYaml(fileAt(swarm, TRAEFIK_STATIC_PATH).content) as {
      providers: { docker: { constraints: string }; swarm: Record<string, unknown> };
    };
    assert.deepEqual(s.providers.swarm, {
      endpoint: "tcp://scaibu.socket-proxy:2375",
      exposedByDefault: false,
      network: "fleet",
      constraints: s.providers.docker.constraints,
      refreshSeconds: "15s",
    });
  });
});
