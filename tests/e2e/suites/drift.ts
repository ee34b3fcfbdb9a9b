import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bind, domain, ports, project } from "@scaibu/observability-devkit";
import { eventually, health, sh } from "../shell";
import { assertNoChanges, live, log } from "../fixture";

/** Registers the suite; tests/e2e/run.test.ts calls it in its place in the order. */
export function driftSuite(): void {
  describe("drift: no-op preview and up, targeted replacement, refresh", () => {
    it("changes nothing on a second preview and up (after the daemon restart, where it ran)", async () => {
      await assertNoChanges("preview");
      await assertNoChanges("up");
    });

    it("replaces only Loki's container when only Loki's config changes", async () => {
      const key = `${project}:loki`;
      const before = await live.stack.getConfig(key).catch(() => undefined);
      await live.stack.setConfig(key, { value: JSON.stringify({ retentionHours: 744 }) });
      const touched: string[] = [];
      try {
        await live.stack.preview({
          onEvent: (e) => {
            const m = e.resourcePreEvent?.metadata;
            if (m && m.op !== "same" && m.op !== "read") touched.push(`${m.op} ${m.type} ${m.urn.split("::").pop()}`);
          },
        });
      } finally {
        if (before) await live.stack.setConfig(key, before);
        else await live.stack.removeConfig(key);
      }
      // The docker_stats resync updates with every replaced container (its inputs are their ids).
      const resync = "update scaibu:docker:StatsResync observability-stats-resync";
      assert.ok(touched.includes(resync), `the resync runs again: ${touched.join("; ")}`);
      const replaced = touched.filter((t) => !t.startsWith("update pulumi:pulumi:Stack") && t !== resync);
      assert.ok(replaced.length > 0, "the change must show up");
      for (const t of replaced) assert.match(t, /observability-loki-service$/, `unexpected change: ${t}`);
    });

    it("renews the server certificate on the up inside its renewal window, and Traefik serves the new one", async () => {
      const served = async () => {
        const out = await sh("sh", [
          "-c",
          `echo | openssl s_client -connect ${bind}:${ports.https} -servername ${domain}.grafana 2>/dev/null | openssl x509 -noout -serial -enddate`,
        ]);
        return { serial: /serial=(\w+)/.exec(out)![1]!, notAfter: Date.parse(/notAfter=(.+)/.exec(out)![1]!) };
      };
      const before = await served();
      // Time travel through the state: the certificate now ends within the hour, well inside its
      // renewal window (the tls provider reads validity_end_time from state at plan time:
      // terraform-provider-tls internal/provider/common_cert.go modifyPlanIfCertificateReadyForRenewal).
      const state = await live.stack.exportStack();
      const resources = (state.deployment as { resources: { urn: string; outputs: Record<string, unknown> }[] })
        .resources;
      // Traefik's certificate and Jaeger's OTLP one (by name: the state's order is not fixed).
      for (const name of ["observability-certs-server", "observability-certs-jaeger-otlp"]) {
        const cert = resources.find((r) => r.urn.endsWith(`tls:index/locallySignedCert:LocallySignedCert::${name}`))!;
        cert.outputs.validityEndTime = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, "Z");
      }
      await live.stack.importStack(state);
      const replaced: string[] = [];
      const result = await live.stack.up({
        onOutput: log,
        onEvent: (e) => {
          const m = e.resourcePreEvent?.metadata;
          if (m && ["replace", "create-replacement"].includes(m.op)) replaced.push(m.urn.split("::").pop()!);
        },
      });
      assert.equal(result.summary.result, "succeeded");
      assert.ok(replaced.includes("observability-certs-server"), `the certificate is renewed: ${replaced.join(", ")}`);
      assert.ok(replaced.includes("observability-traefik-service"), "Traefik gets the new one");
      // Jaeger's too: Jaeger gets it, and Prometheus' expiry rule counts down to its new end.
      assert.ok(replaced.includes("observability-certs-jaeger-otlp"), `Jaeger's certificate: ${replaced.join(", ")}`);
      assert.ok(replaced.includes("observability-jaeger-service"), "Jaeger gets the new one");
      assert.ok(replaced.includes("observability-prometheus-service"), "Prometheus gets the new expiry rule");
      assert.ok(!replaced.includes("observability-certs-ca"), "the CA stays");
      const after = await eventually("Traefik serves the renewed certificate", 60, async () => {
        const now = await served();
        return now.serial !== before.serial ? now : undefined;
      });
      assert.ok(
        after.notAfter > Date.now() + 300 * 86400_000,
        `valid for its full term again: ${new Date(after.notAfter).toISOString()}`,
      );
      live.outputs = result.outputs;
      await assertNoChanges("preview");
    });

    it("restores a container removed behind its back with up --refresh", async () => {
      await sh("docker", ["rm", "-f", `${domain}.loki`]);
      const result = await live.stack.up({ refresh: true, onOutput: log });
      assert.equal(result.summary.result, "succeeded");
      // Only Loki's container comes back, and the docker_stats resync announces it (after the
      // daemon restart above too, which made the engine fill in the network's gateway).
      const changes = Object.entries(result.summary.resourceChanges ?? {}).filter(([op, n]) => op !== "same" && n > 0);
      assert.deepEqual(changes, [
        ["create", 1],
        ["update", 1],
      ]);
      assert.equal(await health(`${domain}.loki`), "healthy");
    });
  });
}
