/**
 * "Alerts": what fires now and what reached a person. Firing alerts come from Prometheus' own
 * `ALERTS` series (every rule of the stack); notifications and silences from Alertmanager's
 * metrics (alertmanager_notifications_total, _failed_total, alertmanager_silences: notify/notify.go,
 * silence/silence.go at v0.35.0). Grafana's Alerting pages show Alertmanager's alert groups and
 * silences through the provisioned alertmanager datasource.
 */
import { dashboard, Layout, promTarget, type Dashboard } from "./dashboard";

export const ALERTS_DASHBOARD_UID = "scaibu-alerts";

export function alertsDashboard(): Dashboard {
  const panels = new Layout()
    .row("Firing")
    .panel({
      title: "Firing alerts",
      description: "Alerts firing now, Watchdog (always firing, the dead-man's switch) left out.",
      type: "stat",
      unit: "none",
      width: 6,
      height: 5,
      thresholds: [
        { color: "green", value: null },
        { color: "red", value: 1 },
      ],
      targets: [promTarget("A", 'count(ALERTS{alertstate="firing", alertname!="Watchdog"}) or vector(0)', "firing")],
    })
    .panel({
      title: "Firing by alert and severity",
      description: "How many series of each alert fire (pending ones are not counted).",
      unit: "none",
      width: 18,
      height: 5,
      targets: [
        promTarget(
          "A",
          'count by (alertname, severity) (ALERTS{alertstate="firing", alertname!="Watchdog"})',
          "{{alertname}} ({{severity}})",
        ),
      ],
    })
    .row("Delivery")
    .panel({
      title: "Notifications sent",
      description: "Per receiver integration (webhook, email, slack), per second.",
      unit: "short",
      targets: [
        promTarget(
          "A",
          "sum by (integration) (rate(alertmanager_notifications_total[$__rate_interval]))",
          "{{integration}}",
        ),
      ],
    })
    .panel({
      title: "Notifications failed",
      description: "Sends that failed, per integration: a receiver that cannot be reached shows here.",
      unit: "short",
      targets: [
        promTarget(
          "A",
          "sum by (integration) (rate(alertmanager_notifications_failed_total[$__rate_interval]))",
          "{{integration}}",
        ),
      ],
    })
    .panel({
      title: "Silences",
      description: "Active, pending and expired silences.",
      unit: "none",
      targets: [promTarget("A", "sum by (state) (alertmanager_silences)", "{{state}}")],
    })
    .build();
  return dashboard({
    uid: ALERTS_DASHBOARD_UID,
    title: "Alerts",
    description: "What fires, what was delivered, what is silenced.",
    tags: ["scaibu", "alerts"],
    time: { from: "now-6h", to: "now" },
    panels,
  });
}
