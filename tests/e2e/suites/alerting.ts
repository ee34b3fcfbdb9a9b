import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { domain, SINKS } from "@scaibu/observability-devkit";
import { eventually, sh } from "../shell";
import { authed, log } from "../fixture";

/** A sink's port 8080/8025 published on loopback (random host port), read back from Docker. */
async function sinkUrl(name: string, port: number): Promise<string> {
  return `http://${await sh("docker", ["port", name, `${port}/tcp`]).then((p) => p.split("\n")[0]!)}`;
}

interface Notification {
  status: "firing" | "resolved";
  receiver: string;
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
}

/** Starts the two sinks on the stack's network (removeSinks takes them away again). */
async function startSinks(network: string): Promise<void> {
  await removeSinks();
  await sh("docker", [
    "run",
    "-d",
    "--name",
    SINKS.webhook,
    "--network",
    network,
    "-p",
    "127.0.0.1::8080",
    "scaibu-e2e/webhook-sink:local",
  ]);
  await sh("docker", [
    "run",
    "-d",
    "--name",
    SINKS.mail,
    "--network",
    network,
    "-p",
    "127.0.0.1::8025",
    "scaibu-e2e/mailpit:local",
    "--smtp",
    "0.0.0.0:1025",
    "--listen",
    "0.0.0.0:8025",
  ]);
}
const removeSinks = () => sh("docker", ["rm", "-f", SINKS.webhook, SINKS.mail]).catch(() => "");

/** Registers the suite; tests/e2e/run.test.ts calls it in its place in the order. */
export function alertingSuite(): void {
  describe("alerting: Prometheus → Alertmanager → webhook and email, silences, the Watchdog", () => {
    let webhook: string;
    let mail: string;
    const received = async (path: string) =>
      (await (await fetch(`${webhook}/received?path=${path}`)).json()) as { at: string; body: Notification }[];
    const am = (path: string, extra: string[] = []) => authed("alertmanager", path, extra);

    before(async () => {
      await startSinks(`${domain}-observability-network`);
      webhook = await sinkUrl(SINKS.webhook, 8080);
      mail = await sinkUrl(SINKS.mail, 8025);
    });
    after(async () => {
      await sh("docker", ["start", `${domain}.grafana`]).catch(() => "");
      // Foreign containers on the stack's network would (rightly) stop its destroy.
      await removeSinks();
    });

    it("has Prometheus send to Alertmanager, which is ready behind the operator's credentials", async () => {
      await eventually("Alertmanager active in Prometheus", 60, async () => {
        const r = await authed("prometheus", "/api/v1/alertmanagers");
        return r.body.includes(`"url":"http://${domain}.alertmanager:9093/api/v2/alerts"`) ? true : undefined;
      });
      assert.equal((await am("/-/ready")).status, 200);
      const status = JSON.parse((await am("/api/v2/status")).body) as { cluster: { status: string } };
      assert.equal(status.cluster.status, "disabled", "one instance, no gossip port");
    });

    it("delivers the Watchdog to the heartbeat URL: the dead-man's switch", async () => {
      const beat = await eventually("a heartbeat", 120, async () => {
        const r = await received("/heartbeat");
        return r.length ? r[0]!.body : undefined;
      });
      assert.equal(beat.alerts[0]!.labels.alertname, "Watchdog");
    });

    let silenceId: string;
    it("delivers a real condition (a scraped container stopped) by webhook and email, then its resolution", async () => {
      const stopped = Date.now();
      await sh("docker", ["stop", `${domain}.grafana`]);
      const isGrafanaDown = (n: Notification, status: string) =>
        n.status === status &&
        n.alerts.some((a) => a.labels.alertname === "TargetDown" && a.labels.job === "grafana" && a.status === status);
      const firing = await eventually("TargetDown for grafana at the webhook", 150, async () => {
        const hit = (await received("/team")).find((r) => isGrafanaDown(r.body, "firing"));
        return hit;
      });
      const delivered = Date.parse(firing.at) - stopped;
      // Its floor: the rule's capped `for` (10 s), the evaluation interval (10 s) and the route's
      // group_wait (1 s); a failed scrape (every 10 s) may add up to one more interval.
      log(
        `alert delivery: ${(delivered / 1000).toFixed(1)} s from the stop to the webhook; ` +
          `floor 21 s (for 10 + evaluation interval 10 + group_wait 1), up to 31 s with the scrape interval\n`,
      );
      const alert = firing.body.alerts.find((a) => a.labels.job === "grafana")!;
      assert.equal(alert.labels.severity, "critical");
      assert.match(alert.annotations.summary ?? "", /grafana/);
      assert.ok(alert.annotations.description, "with its description");

      // The same notification as an email, with the alert's labels and annotations.
      const message = await eventually("the TargetDown email", 60, async () => {
        const list = (await (await fetch(`${mail}/api/v1/messages`)).json()) as {
          messages: { ID: string; Subject: string; To: { Address: string }[] }[];
        };
        return list.messages.find((m) => /FIRING/.test(m.Subject) && /TargetDown/.test(m.Subject));
      });
      assert.deepEqual(
        message.To.map((t) => t.Address),
        ["team@e2e.example"],
      );
      const body = (await (await fetch(`${mail}/api/v1/message/${message.ID}`)).json()) as { Text: string };
      assert.match(body.Text, /job = grafana/);
      assert.match(body.Text, /summary = .*grafana/);

      await sh("docker", ["start", `${domain}.grafana`]);
      await eventually("the resolved notification at the webhook", 150, async () =>
        (await received("/team")).some((r) => isGrafanaDown(r.body, "resolved")) ? true : undefined,
      );
      await eventually("the resolved email", 60, async () => {
        const list = (await (await fetch(`${mail}/api/v1/messages`)).json()) as { messages: { Subject: string }[] };
        return list.messages.some((m) => /RESOLVED/.test(m.Subject) && /TargetDown/.test(m.Subject)) ? true : undefined;
      });
    });

    it("delivers nothing for a silenced alert, and keeps the silence through an Alertmanager restart", async () => {
      const silence = {
        matchers: [
          { name: "alertname", value: "TargetDown", isRegex: false, isEqual: true },
          { name: "job", value: "grafana", isRegex: false, isEqual: true },
        ],
        startsAt: new Date().toISOString(),
        endsAt: new Date(Date.now() + 3600_000).toISOString(),
        createdBy: "e2e",
        comment: "maintenance",
      };
      const created = await am("/api/v2/silences", [
        "-X",
        "POST",
        "-H",
        "Content-Type: application/json",
        "-d",
        JSON.stringify(silence),
      ]);
      assert.equal(created.status, 200, created.body);
      silenceId = (JSON.parse(created.body) as { silenceID: string }).silenceID;
      const before = (await received("/team")).length;
      await sh("docker", ["stop", `${domain}.grafana`]);
      try {
        // Alertmanager has the alert, and holds it back.
        await eventually("TargetDown for grafana suppressed by the silence", 150, async () => {
          const alerts = JSON.parse((await am("/api/v2/alerts")).body) as {
            labels: Record<string, string>;
            status: { state: string; silencedBy: string[] };
          }[];
          const a = alerts.find((x) => x.labels.alertname === "TargetDown" && x.labels.job === "grafana");
          return a && a.status.state === "suppressed" && a.status.silencedBy.includes(silenceId) ? true : undefined;
        });
        // Two group intervals (5 s each) later, still nothing new was delivered.
        await new Promise((r) => setTimeout(r, 12_000));
        const since = (await received("/team")).slice(before);
        assert.deepEqual(
          since.filter((r) => r.body.alerts.some((a) => a.labels.job === "grafana" && a.status === "firing")),
          [],
          "a silenced alert reaches nobody",
        );
      } finally {
        await sh("docker", ["start", `${domain}.grafana`]);
      }

      await sh("docker", ["restart", `${domain}.alertmanager`]);
      const kept = await eventually("the silence after the restart", 60, async () => {
        const r = await am(`/api/v2/silence/${silenceId}`);
        return r.status === 200 ? (JSON.parse(r.body) as { status: { state: string } }) : undefined;
      });
      assert.equal(kept.status.state, "active", "silences live on Alertmanager's volume");
      assert.equal((await am(`/api/v2/silence/${silenceId}`, ["-X", "DELETE"])).status, 200);
    });
  });
}
