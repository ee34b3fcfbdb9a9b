/**
 * Every alert rule the stack ships (Prometheus: stack, host, certificates; Loki's ruler) carries a
 * severity Alertmanager routes and inhibits on, and the summary and description a notification
 * shows; `alerting.maxFor` caps every `for`.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { certificateRules } from "./certificate-rules";
import { hostAlertRules } from "./host-rules";
import { lokiStackRules } from "./loki";
import { capFor, stackAlertRules, WATCHDOG, type RulesFile } from "./prometheus-rules";

const files: [string, RulesFile][] = [
  ["stack", stackAlertRules()],
  ["host", hostAlertRules({ host: true, containers: true, stackLabel: "p/s", stackContainers: ["scaibu.loki"] })],
  ["certificates", certificateRules("2036-12-01T00:00:00Z")],
  ["loki ruler", lokiStackRules() as unknown as RulesFile],
];
const alerts = files.flatMap(([file, f]) =>
  f.groups.flatMap((g) => g.rules.filter((r) => "alert" in r).map((r) => [file, r] as const)),
);

describe("alert rules", () => {
  it("are all found (the check is not vacuous)", () => {
    assert.ok(alerts.length >= 25, `${alerts.length} alert rules`);
  });

  for (const [file, rule] of alerts) {
    const a = rule as {
      alert: string;
      labels?: { severity?: string };
      annotations?: { summary?: string; description?: string };
    };
    it(`${file}: ${a.alert} has a severity, a summary and a description`, () => {
      assert.match(a.labels?.severity ?? "", /^(critical|warning|info)$/);
      assert.ok((a.annotations?.summary ?? "").length > 10, "summary");
      assert.ok((a.annotations?.description ?? "").length > 10, "description");
    });
  }

  it("includes the Watchdog, always firing", () => {
    assert.ok(stackAlertRules().groups.some((g) => g.rules.includes(WATCHDOG)));
    assert.equal(WATCHDOG.expr, "vector(1)");
  });

  it("caps every `for` at alerting.maxFor, and leaves shorter ones and recording rules alone", () => {
    const capped = capFor(stackAlertRules(), "10s").groups.flatMap((g) => g.rules);
    for (const r of capped) if ("alert" in r) assert.ok(["10s", "0s"].includes(r.for), `${r.alert}: ${r.for}`);
    assert.deepEqual(capFor(stackAlertRules()), stackAlertRules());
  });
});
