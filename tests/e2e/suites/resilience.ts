import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  bind,
  containerNames,
  domain,
  ports,
  project,
  repo,
  sendCounterPoints,
  sendLogs,
  sendTraces,
} from "@scaibu/observability-devkit";
import { eventually, health, sh } from "../shell";
import { authed, live, log, runStatus } from "../fixture";

/** Registers the suite; tests/e2e/run.test.ts calls it in its place in the order. */
export function resilienceSuite(): void {
  describe("resilience: backend outages, a replacement under traffic, a daemon restart", () => {
    it("keeps every span through a Jaeger outage and a collector restart (persistent queue)", async () => {
      const host = { url: `http://${bind}:${ports.otlpHttp}` };
      await sh("docker", ["stop", `${domain}.jaeger`]);
      let ids: string[] = [];
      try {
        ids = await sendTraces(host, "e2e-faults", 50, 10); // 500 spans, accepted while Jaeger is down
        await sh("docker", ["restart", `${domain}.otel`]); // what it holds must survive this
      } finally {
        await sh("docker", ["start", `${domain}.jaeger`]);
      }
      const found = await eventually("500 spans in Jaeger after the outage", 180, async () => {
        let spans = 0;
        for (const id of ids) {
          const r = await authed("jaeger", `/api/traces/${id}`);
          if (r.status === 200) spans += (JSON.parse(r.body) as { data: { spans: unknown[] }[] }).data[0]!.spans.length;
        }
        return spans === 500 ? spans : undefined;
      });
      assert.equal(found, 500);
    });

    it("keeps metric samples, with their own timestamps, through a Prometheus outage and a collector restart", async () => {
      await sh("docker", ["stop", `${domain}.prometheus`]);
      let sent: { time: number; value: number }[] = [];
      try {
        sent = await sendCounterPoints(
          { url: `http://${bind}:${ports.otlpHttp}` },
          "e2e-faults",
          "scaibu.faults.points",
          5,
          2000,
        );
        // What the collector holds for Prometheus (in its batch, then its on-disk queue) must
        // survive this.
        await sh("docker", ["restart", `${domain}.otel`]);
      } finally {
        await sh("docker", ["start", `${domain}.prometheus`]);
      }
      const query = encodeURIComponent('scaibu_faults_points_total{service_name="e2e-faults"}[30m]');
      const samples = await eventually(`${sent.length} samples in Prometheus after the outage`, 180, async () => {
        const r = await authed("prometheus", `/api/v1/query?query=${query}`);
        const values = (JSON.parse(r.body) as { data?: { result?: { values: [number, string][] }[] } }).data
          ?.result?.[0]?.values;
        return values && values.length >= sent.length ? values : undefined;
      });
      assert.equal(samples.length, sent.length, "no sample lost, none added");
      samples.forEach(([ts, value], i) => {
        assert.equal(Number(value), sent[i]!.value, `sample ${i}`);
        assert.ok(Math.abs(ts * 1000 - sent[i]!.time) < 2000, `sample ${i} at ${ts}, sent at ${sent[i]!.time / 1000}`);
      });
    });

    it("npm run status names a stopped backend and exits 1", async () => {
      await sh("docker", ["stop", `${domain}.loki`]);
      try {
        const { code, report } = await runStatus();
        assert.equal(code, 1);
        assert.equal(report.healthy, false);
        const loki = report.rows.find((r) => r.section === "containers" && r.what === `${domain}.loki`);
        assert.equal(loki?.level, "attention", JSON.stringify(loki));
        assert.match(loki?.value ?? "", /exited/);
      } finally {
        await sh("docker", ["start", `${domain}.loki`]);
      }
      await eventually("Loki healthy again", 60, async () =>
        (await health(`${domain}.loki`)) === "healthy" ? true : undefined,
      );
    });

    it("keeps every log record through a Loki outage and a collector restart", async () => {
      const records = 300;
      const run = `loki-outage-${process.pid}`;
      await sh("docker", ["stop", `${domain}.loki`]);
      try {
        await sendLogs({ url: `http://${bind}:${ports.otlpHttp}` }, "e2e-faults", run, records);
        await sh("docker", ["restart", `${domain}.otel`]); // what it holds for Loki must survive this
      } finally {
        await sh("docker", ["start", `${domain}.loki`]);
      }
      // Traefik routes Loki again only once it is healthy after the restart: ask until it answers.
      const loki = await eventually("Loki answering through Traefik after its restart", 60, async () => {
        const r = await authed("loki", "/loki/api/v1/status/buildinfo");
        return r.status === 200 ? r : undefined;
      });
      if (/placeholder/.test(loki.body)) {
        // The Loki image here is a placeholder that stores nothing, but it decodes and counts the
        // OTLP records it receives: that checks the collector's side (the real program) exactly.
        const delivered = await eventually(`${records} log records delivered to Loki's endpoint`, 120, async () => {
          const r = await authed("loki", `/placeholder/log-records?run=${run}`);
          const n = (JSON.parse(r.body) as { records: number }).records;
          return n >= records ? n : undefined;
        });
        // Delivery is at least once: a batch in flight at the restart may arrive twice, never not at all.
        assert.ok(delivered >= records);
        log(`delivered ${delivered} of ${records} log records (${delivered - records} repeated) after the outage\n`);
        log(`NOT VERIFIED (placeholder)  all ${records} log records queryable in Loki after the outage\n`);
        return;
      }
      const query = encodeURIComponent(`sum(count_over_time({service_name="e2e-faults"} | run="${run}" [1h]))`);
      const found = await eventually(`${records} log records in Loki`, 120, async () => {
        const r = await authed("loki", `/loki/api/v1/query?query=${query}`);
        const v = (JSON.parse(r.body) as { data: { result: { value: [number, string] }[] } }).data.result[0]?.value[1];
        return v === String(records) ? v : undefined;
      });
      assert.equal(found, String(records));
    });

    it("loses no span while a config change replaces Jaeger's container under traffic", async () => {
      await live.stack.setConfig(`${project}:jaeger`, { value: JSON.stringify({ retentionHours: 48 }) });
      const ids: string[] = [];
      let sending = true;
      // About 4 traces a second, for as long as the replacement takes.
      const sender = (async () => {
        while (sending) {
          ids.push(...(await sendTraces({ url: `http://${bind}:${ports.otlpHttp}` }, "e2e-replace", 2, 4)));
          await new Promise((r) => setTimeout(r, 500));
        }
      })();
      let replaced: string[] = [];
      try {
        const result = await live.stack.up({
          onOutput: log,
          onEvent: (e) => {
            const m = e.resourcePreEvent?.metadata;
            if (m && ["replace", "create-replacement", "delete-replaced"].includes(m.op)) {
              replaced.push(m.urn.split("::").pop()!);
            }
          },
        });
        assert.equal(result.summary.result, "succeeded");
      } finally {
        sending = false;
        await sender;
      }
      replaced = [...new Set(replaced)];
      assert.deepEqual(replaced, ["observability-jaeger-service"], "only Jaeger's container is replaced");
      assert.ok(ids.length >= 20, `${ids.length} traces sent during the replacement`);
      await eventually(`all ${ids.length} traces in Jaeger`, 180, async () => {
        for (const id of ids) {
          const r = await authed("jaeger", `/api/traces/${id}`);
          if (r.status !== 200) return undefined;
          if ((JSON.parse(r.body) as { data: { spans: unknown[] }[] }).data[0]!.spans.length !== 4) return undefined;
        }
        return true;
      });
    });

    // The next test, "changes nothing on a second preview and up", is also the check that Pulumi
    // sees nothing to change after the daemon restart.
    it("comes back healthy after a Docker daemon restart", async (t) => {
      if (process.env.CI !== "true" && process.env.SCAIBU_E2E_RESTART_DOCKER !== "1") {
        t.skip("restarts the Docker daemon: runs in CI, or locally with SCAIBU_E2E_RESTART_DOCKER=1");
        return;
      }
      await sh("bash", [join(repo, "toolchain/docker-engine.sh"), "restart"]);
      const restarted = Date.now();
      // By their restart policy (unless-stopped): nobody starts them but the daemon.
      for (const name of containerNames) {
        await eventually(`${name} healthy after the daemon restart`, 180, async () =>
          (await health(name)) === "healthy" ? true : undefined,
        );
      }
      log(`every container healthy ${Math.round((Date.now() - restarted) / 1000)} s after the daemon came back\n`);
    });
  });
}
