import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { bind, domain, e2eWorkspace, project, repo } from "@scaibu/observability-devkit";
import { health } from "../shell";
import { live, log, stackName, state } from "../fixture";

/** Registers the suite; tests/e2e/run.test.ts calls it in its place in the order. */
export function previewsSuite(): void {
  describe("previews that change nothing: the policy pack, a domain change, a twin stack", () => {
    // Preview-only tests: they change no container, so they run while verify, the clients and the
    // OOM victims are still waiting in the background.
    it("passes the policy pack on a real preview, which fails one that publishes on every interface", async () => {
      // policy/analyzer starts the pack as a binary analyzer: the language host built here predates
      // the RunPlugin call a current CLI uses for `--policy-pack policy` (see policy/analyzer).
      const pack = join(repo, "policy/analyzer");
      await live.stack.preview({ policyPacks: [pack], onOutput: log });
      await live.stack.setConfig(`${project}:bindAddress`, { value: "0.0.0.0" });
      await live.stack.setConfig(`${project}:allowAllInterfaces`, { value: "true" }); // the stack's opt-in, not the pack's
      try {
        await assert.rejects(live.stack.preview({ policyPacks: [pack], onOutput: log }), (err: Error) => {
          assert.match(err.message, /no-public-ports/);
          assert.match(err.message, /observability-traefik-service port 18443 is published on 0\.0\.0\.0/);
          return true;
        });
      } finally {
        await live.stack.setConfig(`${project}:bindAddress`, { value: bind });
        await live.stack.removeConfig(`${project}:allowAllInterfaces`);
      }
    });

    it("refuses, at preview, a config change that would delete data, naming the key and the volume", async () => {
      const key = `${project}:services`;
      const good = await live.stack.getConfig(key);
      const services = JSON.parse(good.value) as Record<string, Record<string, unknown>>;
      await live.stack.setConfig(key, {
        value: JSON.stringify({ ...services, grafana: { ...services.grafana, enabled: false } }),
      });
      try {
        await assert.rejects(live.stack.preview({ onOutput: log }), (err: Error) => {
          assert.match(
            err.message,
            /services\.grafana\.enabled = false: the next up deletes Docker volume e2e-grafana-data/,
          );
          return true;
        });
        // Accepting the loss for that volume lets the preview through (it would delete only it).
        await live.stack.setConfig(`${project}:acceptDataLoss`, { value: JSON.stringify(["e2e-grafana-data"]) });
        const { changeSummary } = await live.stack.preview({ onOutput: log });
        assert.ok((changeSummary.delete ?? 0) > 0, JSON.stringify(changeSummary));
      } finally {
        await live.stack.setConfig(key, good);
        await live.stack.removeConfig(`${project}:acceptDataLoss`);
      }
    });

    it("replaces no volume when only the domain changes", async () => {
      const key = `${project}:domain`;
      const before = await live.stack.getConfig(key);
      await live.stack.setConfig(key, { value: "e2x" });
      const volumeOps: string[] = [];
      try {
        await live.stack.preview({
          onEvent: (e) => {
            const m = e.resourcePreEvent?.metadata;
            if (m && m.type === "docker:index/volume:Volume" && m.op !== "same") volumeOps.push(`${m.op} ${m.urn}`);
          },
        });
      } finally {
        await live.stack.setConfig(key, before);
      }
      assert.deepEqual(volumeOps, []);
    });

    it("refuses, at preview, a second stack that would adopt this stack's volumes, naming the owner", async () => {
      const otherName = `${stackName}-twin`;
      const twin = await e2eWorkspace(otherName, state);
      // Same domain and instanceName, nothing else shared: only the volume names meet.
      await twin.setConfig(`${project}:ports`, {
        value: JSON.stringify({ http: 18081, https: 18444, otlpGrpc: 14327, otlpHttp: 14328 }),
      });
      await twin.setConfig(`${project}:networks`, {
        value: JSON.stringify({
          observability: { name: "e2e-twin-observability-network", subnet: "172.16.239.0/24" },
          data: { name: "e2e-twin-data-network" },
          messaging: { name: "e2e-twin-messaging-network" },
          cicd: { name: "e2e-twin-cicd-network" },
          temporal: { name: "e2e-twin-temporal-network" },
        }),
      });
      const services = (await twin.getConfig(`${project}:services`)).value;
      const onlyStores = JSON.parse(services) as Record<string, Record<string, unknown>>;
      for (const svc of ["traefik", "otelCollector", "grafana"]) onlyStores[svc] = { enabled: false };
      await twin.setConfig(`${project}:services`, { value: JSON.stringify(onlyStores) });
      try {
        await assert.rejects(
          twin.preview({ onOutput: log }),
          /e2e-(loki|prometheus|jaeger)-data already exists and belongs to stack scaibu-observability\/e2e-/,
        );
        assert.equal(await health(`${domain}.loki`), "healthy", "the first stack's Loki is untouched");
      } finally {
        await twin.destroy({ onOutput: log });
        await twin.workspace.removeStack(otherName);
      }
    });
  });
}
