/** The `alerting` key and the alertmanager.yml it renders (the real amtool runs in tests/tools). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { parseSettings } from "../settings/schema";
import { ALERTMANAGER_CONFIG_PATH, alertmanagerFiles, deliversAlerts } from "./alertmanager";

const alerting = {
  receivers: {
    oncall: { webhooks: [{ url: "https://hooks.example/T0KEN" }], emails: [{ to: "oncall@example.com" }] },
    chat: { slack: [{ apiUrl: "https://hooks.slack.example/services/S3CRET", channel: "#alerts" }] },
  },
  route: { receiver: "oncall", routes: [{ matchers: ['severity="critical"'], receiver: "chat", continue: true }] },
  smtp: { smarthost: "smtp.example.com:587", from: "alerts@example.com", username: "alerts", password: "smtp-pa55" },
  heartbeat: { url: "https://heartbeat.example/ping/ID", interval: "2m" },
};
const render = (a: unknown) =>
  alertmanagerFiles({ alerting: parseSettings({ alerting: a }).alerting, externalUrl: "https://scaibu.alertmanager" });

describe("alerting config", () => {
  it("puts every credential in a file of its own, referenced by the *_file fields, never in alertmanager.yml", () => {
    const { files, secretFiles } = render(alerting);
    const yml = files.find((f) => f.path === ALERTMANAGER_CONFIG_PATH)!.content;
    for (const secret of ["T0KEN", "S3CRET", "smtp-pa55", "ping/ID"]) assert.ok(!yml.includes(secret), secret);
    assert.deepEqual(
      secretFiles.map((f) => [f.path, f.content]),
      [
        ["/etc/alertmanager/secrets/chat-slack-0", "https://hooks.slack.example/services/S3CRET"],
        ["/etc/alertmanager/secrets/oncall-webhook-0", "https://hooks.example/T0KEN"],
        ["/etc/alertmanager/secrets/heartbeat-url", "https://heartbeat.example/ping/ID"],
        ["/etc/alertmanager/secrets/smtp-password", "smtp-pa55"],
      ],
    );
    const c = parse(yml);
    assert.equal(c.global.smtp_auth_password_file, "/etc/alertmanager/secrets/smtp-password");
    assert.equal(c.global.smtp_require_tls, true, "TLS on by default");
    const oncall = c.receivers.find((r: { name: string }) => r.name === "oncall");
    assert.deepEqual(oncall.webhook_configs, [
      { url_file: "/etc/alertmanager/secrets/oncall-webhook-0", send_resolved: true },
    ]);
    assert.deepEqual(oncall.email_configs, [{ to: "oncall@example.com", send_resolved: true }]);
  });

  it("routes the Watchdog to the heartbeat first, on its interval, and the rest by the route tree", () => {
    const c = parse(render(alerting).files[0]!.content);
    assert.deepEqual(c.route.routes[0], {
      matchers: ['alertname="Watchdog"'],
      receiver: "heartbeat",
      group_wait: "0s",
      group_interval: "1m",
      repeat_interval: "2m",
    });
    assert.deepEqual(c.route.routes[1], { matchers: ['severity="critical"'], receiver: "chat", continue: true });
    assert.equal(c.route.receiver, "oncall");
    assert.equal(c.inhibit_rules.length, 3);
  });

  it("with no receiver, still runs: alerts go to a receiver that sends nothing", () => {
    const s = parseSettings({});
    assert.equal(deliversAlerts(s.alerting), false);
    const c = parse(render({}).files[0]!.content);
    assert.equal(c.route.receiver, "undelivered");
    assert.deepEqual(c.receivers, [{ name: "undelivered" }]);
    assert.equal(c.route.routes[0].receiver, "undelivered", "no heartbeat configured");
  });

  const refused: [string, unknown, RegExp][] = [
    [
      "a route to an unknown receiver",
      { receivers: alerting.receivers, route: { receiver: "pager" } },
      /alerting\.route\.receiver = "pager": names no receiver \(configured: chat, oncall\)/,
    ],
    [
      "a nested route to an unknown receiver",
      { ...alerting, route: { routes: [{ matchers: ['a="b"'], receiver: "x" }] } },
      /alerting\.route\.routes\.0\.receiver = "x": names no receiver/,
    ],
    [
      "an email receiver without SMTP",
      { receivers: { m: { emails: [{ to: "a@b.example" }] } } },
      /alerting\.smtp = \(unset\): is needed by the email receivers/,
    ],
    [
      "a matcher in the wrong syntax",
      { ...alerting, route: { routes: [{ matchers: ["severity: critical"], receiver: "chat" }] } },
      /alerting\.route\.routes\.0\.matchers\.0 = "severity: critical": must be a matcher/,
    ],
    [
      "a webhook URL that is not one",
      { receivers: { w: { webhooks: [{ url: "ftp://x" }] } } },
      /alerting\.receivers\.w\.webhooks\.0\.url = \[secret\]: must be an http/,
    ],
    [
      "a receiver with nothing to send to",
      { receivers: { empty: {} } },
      /alerting\.receivers\.empty = \{\}: must have a webhook, an email or a slack entry/,
    ],
    [
      "a reserved receiver name",
      { receivers: { heartbeat: alerting.receivers.oncall } },
      /alerting\.receivers\.heartbeat = .*: "heartbeat" is the stack's own receiver/,
    ],
    [
      "a zero repeat interval",
      { route: { repeatInterval: "0s" } },
      /alerting\.route\.repeatInterval = "0s": must be longer than 0/,
    ],
  ];
  for (const [what, a, message] of refused) {
    it(`refuses ${what} at preview, naming the key`, () => {
      assert.throws(() => parseSettings({ alerting: a }), message);
    });
  }
});
