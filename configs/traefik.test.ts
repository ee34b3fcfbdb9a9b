import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TRAEFIK_STATIC_PATH, traefikFiles } from "./traefik";
import { fileAt, parseYaml } from "../tests/support/config-files";

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
