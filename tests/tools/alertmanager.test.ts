/**
 * The rendered alertmanager.yml, checked by the real amtool (`check-config`), its routing table
 * proven with `amtool config routes test`, and its inhibition with the real alertmanager: the
 * build of toolchain/amtool.sh (Alertmanager 0.35.0).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  ALERTMANAGER_CLIENT_CONFIG_PATH,
  ALERTMANAGER_CLIENT_PASSWORD_PATH,
  ALERTMANAGER_WEB_CONFIG_PATH,
  alertmanagerCommand,
  alertmanagerFiles,
  alertmanagerHealthcheck,
} from "../../configs/alertmanager";
import { stackClientUser, webConfigYaml } from "../../configs/web-auth";
import { parseSettings } from "../../settings/schema";
import { findAmtool, KNOWN_BCRYPT, run, writeTree } from "../support/config-files";

/** Alertmanager's own client login: its health check. */
const CLIENT_USER = stackClientUser("alertmanager");

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

/**
 * Alertmanager's own credentials check (configs/web-auth.ts) in the real alertmanager and amtool:
 * the rendered command line's web config flag, and the health check's exact command.
 */
describe("alertmanager: its own credentials check, in the real alertmanager", () => {
  const port = 19094;
  const url = `http://127.0.0.1:${port}`;
  const known = KNOWN_BCRYPT;
  const input = {
    alerting: parseSettings({ alerting: full }).alerting,
    externalUrl: "https://scaibu.alertmanager",
    selfAuth: true,
  };
  let proc: ReturnType<typeof spawn>;
  let root: string;
  const local = (p: string) => join(root, p);
  before(async () => {
    const { files } = alertmanagerFiles(input);
    root = writeTree([
      ...files,
      {
        path: ALERTMANAGER_WEB_CONFIG_PATH,
        content: webConfigYaml({ admin: known.hash, [CLIENT_USER]: known.hash }),
      },
      { path: ALERTMANAGER_CLIENT_PASSWORD_PATH, content: known.password },
    ]);
    // The client config names the password by its in-container path.
    const client = local(ALERTMANAGER_CLIENT_CONFIG_PATH);
    writeFileSync(
      client,
      readFileSync(client, "utf8").replace(ALERTMANAGER_CLIENT_PASSWORD_PATH, local(ALERTMANAGER_CLIENT_PASSWORD_PATH)),
    );
    const flags = alertmanagerCommand(input).filter(
      (f) => f.startsWith("--web.config.file=") || f.startsWith("--cluster"),
    );
    assert.deepEqual(flags, ["--cluster.listen-address=", `--web.config.file=${ALERTMANAGER_WEB_CONFIG_PATH}`]);
    proc = spawn(am.alertmanager, [
      `--config.file=${write(full)}`,
      `--storage.path=${writeTree([])}`,
      `--web.listen-address=127.0.0.1:${port}`,
      ...flags.map((f) => f.replace(ALERTMANAGER_WEB_CONFIG_PATH, local(ALERTMANAGER_WEB_CONFIG_PATH))),
    ]);
    for (let i = 0; i < 100; i++) {
      if ((await fetch(`${url}/-/ready`).catch(() => undefined)) !== undefined) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("alertmanager did not answer");
  });
  after(() => proc.kill());
  const basic = (user: string, password: string) => ({
    Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
  });

  it("answers 401 to a caller without the login: no silence, no alert, no status", async () => {
    const silence = {
      matchers: [{ name: "alertname", value: ".+", isRegex: true }],
      startsAt: new Date().toISOString(),
      endsAt: new Date(Date.now() + 3600_000).toISOString(),
      createdBy: "anyone",
      comment: "mute everything",
    };
    for (const [path, method, body] of [
      ["/api/v2/silences", "POST", JSON.stringify(silence)],
      ["/api/v2/alerts", "POST", "[]"],
      ["/api/v2/status", "GET", undefined],
      ["/-/ready", "GET", undefined],
    ] as const) {
      const init = { method, body, headers: { "Content-Type": "application/json" } };
      assert.equal((await fetch(`${url}${path}`, init)).status, 401, `${method} ${path}`);
      const wrong = await fetch(`${url}${path}`, {
        ...init,
        headers: { ...init.headers, ...basic(CLIENT_USER, "x") },
      });
      assert.equal(wrong.status, 401, `${method} ${path} with a wrong password`);
    }
    const ok = await fetch(`${url}/api/v2/status`, { headers: basic(CLIENT_USER, known.password) });
    assert.equal(ok.status, 200);
  });

  it("passes the health check's exact command, and fails it with a wrong password", () => {
    const args = alertmanagerHealthcheck(true)
      .test.slice(2)
      .map((a) =>
        a.startsWith("--alertmanager.url=")
          ? `--alertmanager.url=${url}`
          : a.replace(ALERTMANAGER_CLIENT_CONFIG_PATH, local(ALERTMANAGER_CLIENT_CONFIG_PATH)),
      );
    assert.equal(alertmanagerHealthcheck(true).test[1], "/bin/amtool");
    const ok = run(am.amtool, args);
    assert.equal(ok.status, 0, ok.output);
    writeFileSync(local(ALERTMANAGER_CLIENT_PASSWORD_PATH), "wrong");
    try {
      const bad = run(am.amtool, args);
      assert.notEqual(bad.status, 0, bad.output);
    } finally {
      writeFileSync(local(ALERTMANAGER_CLIENT_PASSWORD_PATH), known.password);
    }
    // Open, it stays the image's busybox wget on /-/ready.
    assert.deepEqual(alertmanagerHealthcheck(false).test, [
      "CMD",
      "wget",
      "-q",
      "-O",
      "/dev/null",
      "http://127.0.0.1:9093/-/ready",
    ]);
  });
});
