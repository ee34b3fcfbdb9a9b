/**
 * Every LogQL expression the program emits (Loki's ruler rules, the trace → logs query of the
 * Jaeger datasource, the dashboards' links into Loki) parses with Loki's grammar as Grafana's
 * editor parses it (@grafana/lezer-logql), after Grafana's variables get sample values; a broken
 * one fails with its position.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { logqlError, logqlErrors } from "@scaibu/observability-devkit";
import { defaultGrafanaInput } from "../tests/support/grafana-input";
import { GRAFANA_DATASOURCES_PATH, grafanaFiles } from "./grafana";
import { lokiStackRules } from "./loki";

const files = grafanaFiles(defaultGrafanaInput);

/** Every `url` string anywhere in a parsed dashboard. */
function urls(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(urls);
  if (!node || typeof node !== "object") return [];
  return Object.entries(node).flatMap(([k, v]) => (k === "url" && typeof v === "string" ? [v] : urls(v)));
}

/** Loki queries in the panes of Explore links (`/explore?…&panes=<json>`) of every dashboard. */
function linkQueries(): string[] {
  return files
    .filter((f) => f.path.endsWith(".json"))
    .flatMap((f) => urls(JSON.parse(f.content)).filter((u) => u.includes("/explore?")))
    .flatMap((url) => {
      const panes = new URL(url.replace(/\$\{[^}]+\}/g, "x"), "http://grafana").searchParams.get("panes");
      return Object.values(JSON.parse(panes ?? "{}") as Record<string, { queries: { expr: string }[] }>).flatMap((p) =>
        p.queries.map((q) => q.expr),
      );
    });
}

describe("LogQL the program emits", () => {
  const rules = lokiStackRules().groups.flatMap((g) => g.rules.map((r) => r.expr));
  const datasources = parse(files.find((f) => f.path === GRAFANA_DATASOURCES_PATH)!.content) as {
    datasources: { type: string; jsonData: { tracesToLogsV2?: { query: string } } }[];
  };
  const traceToLogs = datasources.datasources.flatMap((d) =>
    d.jsonData.tracesToLogsV2 ? [d.jsonData.tracesToLogsV2.query] : [],
  );
  const links = linkQueries();

  it("finds every kind (the check is not vacuous)", () => {
    assert.ok(
      rules.length >= 1 && traceToLogs.length === 1 && links.length >= 1,
      JSON.stringify({ rules, traceToLogs, links }),
    );
  });

  it("parses with Loki's grammar: ruler rules, trace → logs, dashboard links", () => {
    assert.deepEqual(logqlErrors([...rules, ...traceToLogs, ...links]), []);
  });

  it("fails a broken expression with its position", () => {
    assert.deepEqual(logqlError('sum(rate({a="b"}[5m])'), { from: 21, to: 21, near: '{a="b"}[5m])' });
    assert.ok(logqlError('{job="x"} |= '));
    assert.ok(logqlError("{}"), "what `{${__tags}}` expands to");
    assert.match(logqlErrors(['count_over_time({a="b"})'])[0] ?? "", /parse error at 23-23/);
  });
});
