import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TRAEFIK_STATIC_PATH, traefikFiles } from "../../configs/traefik";
import { fileAt, parseYaml } from "./helpers";

const files = traefikFiles({
  networkName: "net",
  dockerEndpoint: "tcp://scaibu.socket-proxy:2375",
  constraintLabel: { key: "io.scaibu.stack", value: "p/s" },
});
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
});
