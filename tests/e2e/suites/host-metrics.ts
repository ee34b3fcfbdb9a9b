import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { containersDashboard, dockerHostDashboard } from "../../../configs/grafana/host-dashboards";
import { containerNames } from "@scaibu/observability-devkit";
import { eventually } from "../shell";
import { authed, log, promSeries, removeVictims, stackLabel, waiting } from "../fixture";

/** Registers the suite; tests/e2e/run.test.ts calls it in its place in the order. */
export function hostMetricsSuite(): void {
  describe("host and container metrics, their dashboards and alerts", () => {
    it("collects the Docker host's metrics and each stack container's, labelled with the stack", async () => {
      for (const q of [
        "system_cpu_time_seconds_total",
        'system_memory_usage_bytes{state="used"}',
        'system_filesystem_utilization_ratio{mountpoint="/"}',
        "system_cpu_load_average_1m",
      ]) {
        await promSeries(`host series ${q}`, q);
      }
      for (const name of containerNames) {
        const [series] = await promSeries(
          `${name}: memory series`,
          `container_memory_usage_total_bytes{container_name="${name}", container_label_io_scaibu_stack="${stackLabel}"}`,
        );
        assert.ok(series!.metric.container_id, name);
      }
      // The alert rules on these series are loaded, and no stack container counts as down.
      const rules = await authed("prometheus", "/api/v1/rules?type=alert");
      const groups = (JSON.parse(rules.body) as { data: { groups: { name: string }[] } }).data.groups.map(
        (g) => g.name,
      );
      assert.ok(groups.includes("scaibu-host") && groups.includes("scaibu-containers"), groups.join());
      const down = await authed(
        "prometheus",
        "/api/v1/query?query=" + encodeURIComponent('ALERTS{alertname="StackContainerDown"}'),
      );
      assert.deepEqual((JSON.parse(down.body) as { data: { result: unknown[] } }).data.result, []);
    });

    it("answers every panel of the Docker host and Containers dashboards from the real Prometheus", async () => {
      // Panels that show only events (restarts, OOM kills) or traffic an idle host may not have.
      const mayBeEmpty = new Set(["Restarts", "OOM kills", "Block I/O", "Paging"]);
      // Each variable at "All", as Grafana sends it: its allValue (`.*` for Host, which also
      // matches this host's series, which carry no host_name).
      const panels = [dockerHostDashboard(), containersDashboard()].flatMap((d) =>
        d.panels
          .filter((p) => p.targets)
          .map((p) => ({ ...p, variables: d.templating.list.map((v) => [v.name, v.allValue] as const) })),
      );
      const empty: string[] = [];
      for (const panel of panels) {
        for (const target of panel.targets!) {
          const expr = panel.variables.reduce(
            (e, [name, all]) => e.replace(new RegExp(`\\$${name}\\b`, "g"), all),
            target.expr.replace(/\$__rate_interval/g, "1m"),
          );
          assert.doesNotMatch(expr, /\$/, `${panel.title}: a variable left in ${expr}`);
          const answer = async () => {
            const r = await authed("prometheus", `/api/v1/query?query=${encodeURIComponent(expr)}`);
            const body = JSON.parse(r.body) as { status: string; data: { result: unknown[] } };
            assert.equal(body.status, "success", `${panel.title}: ${expr}`);
            return body.data.result.length;
          };
          if (mayBeEmpty.has(panel.title)) {
            if ((await answer()) === 0) empty.push(panel.title);
          } else {
            await eventually(`${panel.title}: ${expr} answers`, 90, async () =>
              (await answer()) > 0 ? true : undefined,
            );
          }
        }
      }
      log(`dashboard panels without data on this idle host (allowed): ${[...new Set(empty)].join(", ") || "none"}\n`);
    });

    it("shows a foreign container that outgrows its 64 MiB limit as OOM-killed, and alerts on it", async () => {
      try {
        await waiting.victimsSeen;
      } finally {
        await removeVictims();
      }
    });
  });
}
