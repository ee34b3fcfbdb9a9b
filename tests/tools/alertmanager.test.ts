/**
 * The rendered alertmanager.yml, checked by the real amtool (`check-config`), its routing table
 * proven with `amtool config routes test`, and its inhibition with the real alertmanager: the
 * build of toolchain/amtool.sh (Alertmanager 0.35.0).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { alertmanagerFiles } from "../../configs/alertmanager";
import { parseSettings } from "../../settings/schema";
import { findAmtool, run, writeTree } from "../support/config-files";

const am = findAmtool();
const write = (alerting: unknown) =>
  join(
    writeTree(
      alertmanagerFiles({ alerting: parseSettings({ alerting }).alerting, externalUrl: "https://scaibu.alertmanager" })
        .files,
    ),
    "etc/alertmanager/alertmanager.yml",
  );

/** Receivers of every kind, a route tree and a heartbeat: what a team would write. */
const full = {
  receivers: {
    oncall: { webhooks: [{ url: "https://hooks.example/oncall" }] },
    pager: { webhooks: [{ url: "https://pager.example/x" }], emails: [{ to: "pager@example.com" }] },
    web: { slack: [{ apiUrl: "https://hooks.slack.example/web", channel: "#web" }] },
  },
  route: {
    receiver: "oncall",
    routes: [
      { matchers: ['severity="critical"'], receiver: "pager", continue: true },
      { matchers: ['service=~"web|api"'], receiver: "web" },
    ],
  },
  smtp: { smarthost: "smtp.example.com:587", from: "alerts@example.com" },
  heartbeat: { url: "https://heartbeat.example/ping" },
};

describe(`alertmanager.yml, by the real amtool ${am.version}`, () => {
  for (const [what, alerting] of [
    ["defaults (no receiver)", {}],
    ["webhook, email, Slack, routes and a heartbeat", full],
  ] as const) {
    it(`passes \`amtool check-config\`: ${what}`, () => {
      const r = run(am.amtool, ["check-config", write(alerting)]);
      assert.equal(r.status, 0, r.output);
      assert.match(r.output, /SUCCESS/);
    });
  }

  it("would fail check-config on a broken file (the check is real)", () => {
    const broken = writeTree([{ path: "/am.yml", content: "route:\n  receiver: nobody\nreceivers: []\n" }]);
    const r = run(am.amtool, ["check-config", join(broken, "am.yml")]);
    assert.notEqual(r.status, 0);
    assert.match(r.output, /undefined receiver "nobody"/);
  });

  // Each label set, and the receivers Alertmanager picks for it, in routing order.
  const table: [string[], string][] = [
    [["alertname=Watchdog", "severity=info"], "heartbeat"],
    [["alertname=TargetDown", "severity=critical", "job=loki"], "pager"],
    [["alertname=HighLatency", "severity=critical", "service=web"], "pager,web"],
    [["alertname=HighLatency", "severity=warning", "service=api"], "web"],
    [["alertname=HostMemoryPressure", "severity=warning"], "oncall"],
  ];
  for (const [labels, receivers] of table) {
    it(`routes {${labels.join(", ")}} to ${receivers}`, () => {
      const r = run(am.amtool, [
        "config",
        "routes",
        "test",
        `--config.file=${write(full)}`,
        `--verify.receivers=${receivers}`,
        ...labels,
      ]);
      assert.equal(r.status, 0, r.output);
    });
  }

  it("would fail the routes test on a wrong expectation (the check is real)", () => {
    const r = run(am.amtool, [
      "config",
      "routes",
      "test",
      `--config.file=${write(full)}`,
      "--verify.receivers=oncall",
      "severity=critical",
    ]);
    assert.notEqual(r.status, 0);
    assert.match(r.output, /did not match/);
  });
});

describe("inhibition, in the real alertmanager", () => {
  const port = 19093;
  const base = `http://127.0.0.1:${port}`;
  let proc: ReturnType<typeof spawn>;
  before(async () => {
    const dir = writeTree([]);
    proc = spawn(am.alertmanager, [
      `--config.file=${write(full)}`,
      `--storage.path=${dir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--cluster.listen-address=",
    ]);
    for (let i = 0; i < 100; i++) {
      if ((await fetch(`${base}/-/ready`).catch(() => undefined))?.ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("alertmanager did not become ready");
  });
  after(() => proc.kill());

  const post = (alerts: Record<string, string>[]) =>
    fetch(`${base}/api/v2/alerts`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(alerts.map((labels) => ({ labels, annotations: { summary: "test" } }))),
    });
  const state = async () => {
    const alerts = (await (await fetch(`${base}/api/v2/alerts`)).json()) as {
      labels: Record<string, string>;
      status: { inhibitedBy: string[] };
    }[];
    return Object.fromEntries(
      alerts.map((a) => [`${a.labels.alertname}/${a.labels.severity}`, a.status.inhibitedBy.length > 0]),
    );
  };

  it("hides warning and info under a critical of the same alert and instance, and a down target's other alerts", async () => {
    assert.equal(
      (
        await post([
          { alertname: "DiskFull", severity: "critical", instance: "a" },
          { alertname: "DiskFull", severity: "warning", instance: "a" },
          { alertname: "DiskFull", severity: "warning", instance: "b" },
          { alertname: "TargetDown", severity: "critical", job: "loki", instance: "loki:3100" },
          { alertname: "LokiRequestErrors", severity: "warning", job: "loki", instance: "loki:3100" },
        ])
      ).status,
      200,
    );
    let s: Record<string, boolean> = {};
    for (let i = 0; i < 50; i++) {
      s = await state();
      if (Object.keys(s).length === 4 && s["LokiRequestErrors/warning"]) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const alerts = (await (await fetch(`${base}/api/v2/alerts`)).json()) as {
      labels: Record<string, string>;
      status: { inhibitedBy: string[] };
    }[];
    const inhibited = (alertname: string, instance: string) =>
      alerts.find(
        (a) => a.labels.alertname === alertname && a.labels.instance === instance && a.labels.severity !== "critical",
      )!.status.inhibitedBy.length > 0;
    assert.equal(inhibited("DiskFull", "a"), true, "same alert and instance: hidden");
    assert.equal(inhibited("DiskFull", "b"), false, "another instance: not hidden");
    assert.equal(inhibited("LokiRequestErrors", "loki:3100"), true, "a down target's other alert: hidden");
  });
});
