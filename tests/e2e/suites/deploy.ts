import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { bind, containerNames, domain, networkNames, ports, project, services } from "@scaibu/observability-devkit";
import { eventually, health, lines, sh } from "../shell";
import { authed, caFile, live, log, runStatus, startWaiting, victims } from "../fixture";

/** Registers the suite; tests/e2e/run.test.ts calls it in its place in the order. */
export function deploySuite(): void {
  describe("deploy: preview and up on a fresh engine", () => {
    it("fails preview on a bad config value, naming the key", async () => {
      const key = `${project}:services`;
      const good = await live.stack.getConfig(key);
      await live.stack.setConfig(key, { value: JSON.stringify({ loki: { memoryMb: 10 } }) });
      try {
        await assert.rejects(live.stack.preview(), /scaibu-observability:services\.loki\.memoryMb = 10/);
      } finally {
        await live.stack.setConfig(key, good);
      }
    });

    it("previews a fresh stack, with no warning", async () => {
      const { changeSummary, stdout } = await live.stack.preview({ onOutput: log });
      assert.ok(
        (changeSummary.create ?? 0) >= 40,
        `expected the whole graph to be created, got ${JSON.stringify(changeSummary)}`,
      );
      // e.g. Pulumi's "Undefined value (fleet) will not show as a stack output" for an output the
      // config turns off (pulumi-main.js leaves those out).
      assert.doesNotMatch(stdout, /warning:/);
    });

    it("comes up with every container healthy, and announces each to docker_stats once all run", async () => {
      const since = String(Math.floor(Date.now() / 1000) - 1);
      const result = await live.stack.up({ onOutput: log });
      assert.equal(result.summary.result, "succeeded");
      live.outputs = result.outputs;
      for (const name of containerNames) assert.equal(await health(name), "healthy", name);
      // The resync's empty updates (providers/stats-resync.ts): the engine's event for each
      // container, which makes the collector's docker_stats receiver observe it even when it
      // missed it at its start. host-metrics then finds every container's series.
      const until = String(Math.floor(Date.now() / 1000) + 1);
      const updated = await lines("docker", [
        "events",
        ...["--since", since, "--until", until, "--filter", "type=container", "--filter", "event=update"],
        ...["--format", "{{.Actor.Attributes.name}}"],
      ]);
      assert.deepEqual([...new Set(updated)].sort(), [...containerNames].sort());
    });

    it("exposes the public outputs", () => {
      const urls = live.outputs.urls!.value as Record<string, string>;
      for (const svc of services) assert.equal(urls[svc], `https://${domain}.${svc}:${ports.https}`);
      const ca = live.outputs.caCertPem!.value as string;
      assert.match(ca, /^-----BEGIN CERTIFICATE-----/);
      writeFileSync(caFile, ca);
      assert.equal(
        live.outputs.etcHosts!.value,
        `${bind} ${services.map((s) => `${domain}.${s}`).join(" ")} ${domain}.app`,
      );
      const otlp = live.outputs.otlp!.value as Record<string, string>;
      assert.equal(otlp.grpc, `http://${bind}:${ports.otlpGrpc}`);
      assert.equal(otlp.http, `http://${bind}:${ports.otlpHttp}`);
      assert.equal(live.outputs.grafanaAdmin!.secret, true);
      assert.equal(live.outputs.traefikDashboard!.secret, true);
      assert.equal(live.outputs.operator!.secret, true);
      live.operator = live.outputs.operator!.value as typeof live.operator;
      const nets = live.outputs.networks!.value as Record<string, { name: string; id: string }>;
      assert.deepEqual(
        Object.values(nets)
          .map((n) => n.name)
          .sort(),
        [...networkNames].sort(),
      );
    });

    it("npm run status: every container healthy, nothing needs attention, exit 0", async () => {
      const { code, report } = await eventually("a healthy status", 60, async () => {
        const r = await runStatus();
        if (r.code === 0) return r;
        const bad = r.report.rows.filter((x) => x.level === "attention");
        throw new Error(`exit ${r.code}: ${bad.map((x) => `${x.section} ${x.what} = ${x.value}`).join("; ")}`);
      });
      assert.equal(code, 0);
      assert.equal(report.healthy, true);
      const containers = report.rows.filter((r) => r.section === "containers").map((r) => r.what);
      assert.deepEqual(containers.sort(), [...containerNames].sort());
      for (const section of ["memory", "volumes", "collector", "alerts", "certificates"]) {
        assert.ok(
          report.rows.some((r) => r.section === section),
          `a ${section} row`,
        );
      }
    });

    it("publishes ports only on the bind address", async () => {
      for (const name of containerNames) {
        const bindings = await sh("docker", ["inspect", "-f", "{{json .HostConfig.PortBindings}}", name]);
        for (const ip of bindings.matchAll(/"HostIp":"([^"]*)"/g)) assert.equal(ip[1], bind, `${name}: ${bindings}`);
      }
    });

    it("serves every routed service over HTTPS with the stack's CA", async () => {
      const checks: [string, string, RegExp][] = [
        ["prometheus", "/-/ready", /Ready/],
        ["prometheus", "/api/v1/status/buildinfo", /"status":"success"/],
        ["loki", "/ready", /ready/],
        // Exists in every Jaeger v2 release (the legacy search endpoints are gone after 2.20).
        ["jaeger", "/api/dependencies?endTs=0&lookback=1", /"data"/],
        ["grafana", "/api/health", /"database"/],
      ];
      for (const [svc, path, body] of checks) {
        const res = await eventually(`${svc}${path}`, 60, async () => {
          const r = await authed(svc, path);
          return r.status === 200 ? r : undefined;
        });
        assert.match(res.body, body, `${svc}${path}`);
      }
    });

    it("starts verify, a probe trace, the clients, two OOM victims and the app image build in the background", async () => {
      await startWaiting();
      const running = await lines("docker", ["ps", "-q", "--filter", `name=^(${Object.values(victims).join("|")})$`]);
      assert.equal(running.length, 2, "both OOM victims run");
    });
  });
}
