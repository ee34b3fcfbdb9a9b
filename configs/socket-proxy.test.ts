import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  nodeProxyAllowed,
  nodeProxyConfig,
  socketProxyAllowed,
  socketProxyConfig,
  socketProxyEntrypoint,
  SOCKET_PROXY_CONFIG_PATH,
} from "./socket-proxy";

/** Whether a GET of `path` passes the filter (the patterns are plain enough to read the same in JS and PCRE). */
const passes = (path: string, swarm = false) => socketProxyAllowed(swarm).some((re) => new RegExp(re).test(path));

describe("socket proxy filter", () => {
  it("lets through exactly the reads Traefik, Prometheus and the collector make", () => {
    for (const path of [
      "/_ping",
      "/v1.54/version",
      "/v1.44/containers/json",
      "/containers/json",
      "/v1.54/containers/scaibu.grafana/json",
      "/v1.44/containers/0123abcd/stats",
      "/v1.44/events",
      "/v1.55/networks",
    ])
      assert.ok(passes(path), path);
  });

  it("refuses a container's files, logs, stdio and anything not listed", () => {
    for (const path of [
      "/v1.54/containers/scaibu.grafana/archive",
      "/containers/scaibu.grafana/export",
      "/v1.54/containers/scaibu.grafana/logs",
      "/v1.54/containers/scaibu.grafana/attach/ws",
      "/v1.54/containers/scaibu.grafana/top",
      "/v1.54/containers/scaibu.grafana/json/archive",
      // escaped, so Docker would decode it into the archive path
      "/v1.54/containers/scaibu.grafana%2Farchive",
      "/v1.54/containers/../json",
      "//containers/json",
      "/v1.54/networks/scaibu-observability-network",
      "/v1.54/images/json",
      "/v1.54/info",
      "/v1.54/secrets",
      "/v1.54/services",
    ])
      assert.ok(!passes(path), path);
  });

  it("adds the swarm's lists in a swarm, and nothing else", () => {
    for (const path of ["/v1.55/services", "/v1.55/tasks", "/v1.55/nodes", "/v1.54/nodes/abc123"])
      assert.ok(passes(path, true) && !passes(path), path);
    for (const path of ["/v1.54/secrets", "/v1.54/configs", "/v1.54/services/abc/logs", "/v1.54/swarm"])
      assert.ok(!passes(path, true), path);
  });

  it("refuses every method but GET and HEAD, and runs HAProxy on this file alone", () => {
    const cfg = socketProxyConfig(false);
    assert.match(cfg, /^ {4}http-request deny deny_status 403 unless METH_GET allowed$/m);
    // Every allowed pattern is an ACL line of the one name the rule checks.
    assert.equal(cfg.match(/^ {4}acl allowed path -m reg /gm)?.length, socketProxyAllowed(false).length);
    assert.deepEqual(socketProxyEntrypoint(), ["haproxy", "-db", "-f", SOCKET_PROXY_CONFIG_PATH]);
    assert.equal(socketProxyConfig(true), socketProxyConfig(true), "deterministic");
    assert.notEqual(socketProxyConfig(true), cfg);
  });

  it("gives a swarm node's own proxy docker_stats' reads alone", () => {
    const node = (path: string) => nodeProxyAllowed().some((re) => new RegExp(re).test(path));
    for (const path of [
      "/_ping",
      "/v1.44/version",
      "/v1.44/events",
      "/v1.44/containers/json",
      "/v1.44/containers/ab12/json",
      "/v1.44/containers/ab12/stats",
    ])
      assert.ok(node(path), path);
    for (const path of [
      "/v1.44/networks",
      "/v1.44/services",
      "/v1.44/tasks",
      "/v1.44/nodes",
      "/v1.44/nodes/x",
      "/v1.44/containers/ab12/archive",
      "/v1.44/containers/ab12/logs",
      "/v1.44/containers/create",
    ])
      assert.ok(!node(path), path);
    const cfg = nodeProxyConfig();
    assert.match(cfg, /http-request deny deny_status 403 unless METH_GET allowed/);
    assert.equal(cfg.match(/^ {4}acl allowed path -m reg /gm)?.length, nodeProxyAllowed().length);
  });
});
