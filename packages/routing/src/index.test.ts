import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { traefikLabels } from "./index";

describe("traefikLabels", () => {
  it("routes a host to a container port over websecure with TLS", () => {
    assert.deepEqual(traefikLabels({ name: "scaibu-loki", host: "scaibu.loki", port: 3100 }, "observability-network"), {
      "traefik.enable": "true",
      "traefik.docker.network": "observability-network",
      "traefik.http.routers.scaibu-loki.rule": "Host(`scaibu.loki`)",
      "traefik.http.routers.scaibu-loki.entrypoints": "websecure",
      "traefik.http.routers.scaibu-loki.tls": "true",
      "traefik.http.routers.scaibu-loki.service": "scaibu-loki",
      "traefik.http.services.scaibu-loki.loadbalancer.server.port": "3100",
    });
  });

  it("routes to an internal service behind basic auth", () => {
    const labels = traefikLabels(
      {
        name: "scaibu-traefik",
        host: "scaibu.traefik",
        internalService: "api@internal",
        basicAuthUsers: "admin:$2a$10$x",
      },
      "net",
    );
    assert.equal(labels["traefik.http.routers.scaibu-traefik.service"], "api@internal");
    assert.equal(labels["traefik.http.middlewares.scaibu-traefik-auth.basicauth.users"], "admin:$2a$10$x");
    assert.equal(labels["traefik.http.routers.scaibu-traefik.middlewares"], "scaibu-traefik-auth");
    // The login goes on to the service (removeHeader defaults to false, Traefik v3.7.13
    // pkg/config/dynamic/middlewares.go): Prometheus checks the same login itself (configs/web-auth.ts).
    assert.equal(
      Object.keys(labels).some((k) => k.toLowerCase().endsWith(".removeheader")),
      false,
    );
    assert.equal(
      Object.keys(labels).some((k) => k.startsWith("traefik.http.services.")),
      false,
    );
  });

  it("labels a Swarm service for Traefik's swarm provider, the network under traefik.swarm", () => {
    const labels = traefikLabels({ name: "app", host: "scaibu.app", port: 8080 }, "fleet", "swarm");
    assert.equal(labels["traefik.swarm.network"], "fleet");
    assert.equal(Object.keys(labels).filter((k) => k.startsWith("traefik.docker.")).length, 0);
    // Swarm has no exposed port to guess from: the port is always spelt out.
    assert.equal(labels["traefik.http.services.app.loadbalancer.server.port"], "8080");
  });

  it("refuses a route with both or neither target", () => {
    assert.throws(() => traefikLabels({ name: "x", host: "h" }, "n"), /exactly one/);
    assert.throws(
      () => traefikLabels({ name: "x", host: "h", port: 1, internalService: "api@internal" }, "n"),
      /exactly one/,
    );
  });

  it("refuses router names Traefik would misparse", () => {
    assert.throws(() => traefikLabels({ name: "a.b", host: "h", port: 1 }, "n"), /must be/);
  });
});
