/**
 * Each guardrail fires on a bad resource and passes a good one. That the rules stay quiet on the
 * real stack is checked on its resource graph in tests/unit/graph.test.ts, and on real previews in
 * the e2e tier.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Secret } from "@pulumi/policy";
import {
  hostMounts,
  leakedOutputs,
  missingBasics,
  publicPorts,
  secretValues,
  swarmServiceProblems,
  unpinnedImage,
} from "../rules";

type Props = Record<string, unknown>;

const good: Props = {
  ports: [{ internal: 443, external: 443, ip: "127.0.0.1" }],
  memory: 256,
  healthcheck: { tests: ["CMD", "true"] },
  restart: "unless-stopped",
  logDriver: "json-file",
  logOpts: { "max-size": "10m" },
  volumes: [{ hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock", readOnly: true }],
};

describe("policy pack rules", () => {
  it("no-public-ports: fires on 0.0.0.0, ::, or no ip, unless opted in", () => {
    for (const ip of ["0.0.0.0", "::", undefined]) {
      assert.equal(publicPorts({ ports: [{ internal: 80, external: 8080, ip }] }).length, 1, String(ip));
    }
    assert.deepEqual(
      publicPorts({ ports: [{ internal: 80, external: 8080, ip: "0.0.0.0" }] }, { allowAllInterfaces: true }),
      [],
    );
    assert.deepEqual(publicPorts(good), []);
  });

  it("pinned-images: fires on latest or no tag; quiet on versions, digests and ids", () => {
    assert.match(unpinnedImage("nginx")!, /no tag/);
    assert.match(unpinnedImage("registry:5000/team/app")!, /no tag/);
    assert.match(unpinnedImage("nginx:latest")!, /latest/);
    for (const ok of [
      "nginx:1.27",
      "registry:5000/app:2.0",
      `app@sha256:${"a".repeat(64)}`,
      `sha256:${"b".repeat(64)}`,
    ]) {
      assert.equal(unpinnedImage(ok), undefined, ok);
    }
  });

  it("container-basics: fires on each missing basic", () => {
    assert.deepEqual(missingBasics(good), []);
    const without = (k: string, v?: unknown) => missingBasics({ ...good, [k]: v });
    assert.match(without("memory").join(), /memory limit/);
    assert.match(without("healthcheck").join(), /health check/);
    assert.match(without("healthcheck", { tests: ["NONE"] }).join(), /health check/);
    assert.match(without("restart", "no").join(), /restart policy/);
    assert.match(without("logOpts", {}).join(), /rotate/);
    assert.match(without("logDriver", "syslog").join(), /rotate/);
  });

  it("host-mounts: fires on other host paths or a writable socket", () => {
    assert.match(
      hostMounts({ volumes: [{ hostPath: "/etc", containerPath: "/etc", readOnly: true }] }).join(),
      /\/etc/,
    );
    assert.match(hostMounts({ volumes: [{ hostPath: "/var/run/docker.sock", readOnly: false }] }).join(), /writable/);
    assert.match(
      hostMounts({ mounts: [{ type: "bind", source: "/home", target: "/h", readOnly: true }] }).join(),
      /\/home/,
    );
    assert.deepEqual(hostMounts(good), []);
  });

  it("host-mounts: the host root only read-only at /hostfs (host metrics)", () => {
    const root = (target: string, readOnly: boolean) =>
      hostMounts({ mounts: [{ type: "bind", source: "/", target, readOnly }] }).join();
    assert.equal(root("/hostfs", true), "");
    assert.match(root("/hostfs", false), /writable/);
    assert.match(root("/host", true), /mounts host path \/ at \/host/);
  });

  it("swarm-service-basics: quiet on a complete service, fires on each missing basic", () => {
    const service: Props = {
      taskSpec: {
        containerSpec: {
          image: "otel/opentelemetry-collector-contrib:0.161.0",
          capDrops: ["ALL"],
          healthcheck: { tests: ["CMD", "true"] },
          mounts: [{ type: "bind", source: "/", target: "/hostfs", readOnly: true }],
        },
        resources: { limits: { memoryBytes: 192 * 1024 * 1024 } },
        restartPolicy: { condition: "any" },
        logDriver: { name: "json-file", options: { "max-size": "10m" } },
      },
    };
    assert.deepEqual(swarmServiceProblems(service), []);
    const bad: Props = {
      taskSpec: {
        containerSpec: {
          image: "otel/opentelemetry-collector-contrib:latest",
          mounts: [{ type: "bind", source: "/etc", target: "/etc", readOnly: true }],
        },
        restartPolicy: { condition: "none" },
      },
      endpointSpec: { ports: [{ targetPort: 4317, publishedPort: 4317 }] },
    };
    const problems = swarmServiceProblems(bad);
    for (const want of [
      /memory limit/,
      /health check/,
      /never restarted/,
      /rotate its logs/,
      /capDrops/,
      /host path \/etc/,
      /latest/,
      /port 4317/,
    ]) {
      assert.ok(
        problems.some((p) => want.test(p)),
        `${want}: ${problems.join("; ")}`,
      );
    }
    assert.ok(!swarmServiceProblems(bad, { allowAllInterfaces: true }).some((p) => /port 4317/.test(p)));
  });

  it("no-secrets-in-plain-outputs: fires when a secret's value is in a plain output, not when it is a secret", () => {
    const secrets = secretValues({
      result: new Secret("hunter2-hunter2"),
      other: "plain",
      labels: new Secret([{ label: "traefik.docker.network", value: "scaibu-observability-network" }]),
      short: new Secret("abc"),
    });
    assert.deepEqual([...secrets], ["hunter2-hunter2"], "only strings that are secrets themselves");
    assert.match(leakedOutputs({ admin: { password: "hunter2-hunter2" } }, secrets).join(), /admin\.password/);
    assert.match(leakedOutputs({ url: "https://u:hunter2-hunter2@h" }, secrets).join(), /url/);
    assert.deepEqual(leakedOutputs({ admin: new Secret({ password: "hunter2-hunter2" }) }, secrets), []);
    assert.deepEqual(leakedOutputs({ urls: { grafana: "https://scaibu.grafana" } }, secrets), []);
  });
});
