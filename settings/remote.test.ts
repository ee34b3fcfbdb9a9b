/** A remote Docker engine: preview warns where the ports bind; publicAddress drives etcHosts and otlp. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { stackEndpoints } from "../configs/endpoints";
import { isRemoteEngine, remoteEngineWarning } from "./remote";
import { parseSettings } from "./schema";

describe("remote Docker engines", () => {
  it("tells a local engine from a remote one", () => {
    for (const local of [
      "unix:///var/run/docker.sock",
      "tcp://127.0.0.1:2375",
      "tcp://localhost:2376",
      "tcp://[::1]:2375",
      "npipe:////./pipe/docker_engine",
    ]) {
      assert.equal(isRemoteEngine(local), false, local);
    }
    for (const remote of ["ssh://deploy@host", "tcp://10.0.0.5:2376", "tcp://docker.example:2376"]) {
      assert.equal(isRemoteEngine(remote), true, remote);
    }
  });

  it("warns at preview that loopback ports bind on the remote host, with the tunnel to use", () => {
    const w = remoteEngineWarning("ssh://deploy@host", parseSettings({}));
    assert.match(w ?? "", /ssh:\/\/deploy@host is on another machine: the stack's ports bind on its 127\.0\.0\.1/);
    assert.match(w ?? "", /ssh -L 443:127\.0\.0\.1:443 -L 4318:127\.0\.0\.1:4318/);
    assert.equal(remoteEngineWarning("unix:///var/run/docker.sock", parseSettings({})), undefined);
    assert.match(
      remoteEngineWarning("ssh://h", parseSettings({ bindAddress: "10.0.0.5" })) ?? "",
      /set scaibu-observability:publicAddress/,
    );
    assert.equal(
      remoteEngineWarning("ssh://h", parseSettings({ bindAddress: "10.0.0.5", publicAddress: "192.0.2.7" })),
      undefined,
    );
  });

  it("puts publicAddress into etcHosts and the otlp host URLs", () => {
    const e = stackEndpoints(parseSettings({ bindAddress: "10.0.0.5", publicAddress: "192.0.2.7" }));
    assert.match(e.etcHosts, /^192\.0\.2\.7 scaibu\.prometheus /);
    assert.equal(e.otlp?.http, "http://192.0.2.7:4318");
    assert.equal(
      stackEndpoints(parseSettings({ publicAddress: "2001:db8::7" })).otlp?.grpc,
      "http://[2001:db8::7]:4317",
    );
    assert.match(stackEndpoints(parseSettings({})).etcHosts, /^127\.0\.0\.1 /);
  });

  it("validates publicAddress, naming the key", () => {
    assert.throws(
      () => parseSettings({ publicAddress: "my.host" }),
      /publicAddress = "my\.host": must be an IP address clients can reach/,
    );
    assert.throws(
      () => parseSettings({ publicAddress: "0.0.0.0" }),
      /publicAddress = "0\.0\.0\.0": must be one address clients can reach/,
    );
  });
});
