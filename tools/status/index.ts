/**
 * `npm run status`: is the stack healthy? Read-only: it sends nothing and changes nothing.
 * From the stack outputs, the Docker API (the engine DOCKER_HOST names, as the program uses it)
 * and the stack's own HTTPS surfaces:
 *   - per container: state and health, the image running against the one this release pins,
 *     restarts (in the last hour, or an OOM kill), memory against its limit;
 *   - data volumes: size, against its share of the disk budget (storage.budgetGb);
 *   - the collector: queue fill per exporter, data refused in the last 5 minutes;
 *   - firing alerts (Alertmanager; the always-firing Watchdog left out);
 *   - certificates: the CA and the one Traefik serves, days left;
 *   - in a swarm (fleet.mode swarm): each node agent service, running on every ready, active node.
 * Exit 0 when nothing needs attention, 1 when something does (each such row says why), 2 when it
 * cannot tell (outputs unreadable, engine unreachable).
 *   npm run status [-- --stack NAME | --outputs outputs.json] [--json]
 */
import { backendServiceName, SWARM_BACKENDS } from "../../configs/fleet";
import { X509Certificate } from "node:crypto";
import { connect } from "node:tls";
import { CATALOG, SERVICE_KEYS } from "../../configs/catalog";
import { OTEL_LOGS_HOST } from "../../configs/otel-logs";
import { BUDGET_METRIC, DISK_METER_HOST } from "../../configs/disk-meter";
import { dockerEndpoint, dockerGet } from "../../providers/docker-api";
import { fetchHttps } from "@scaibu/observability-devkit";
import { STACK_LABEL } from "@scaibu/observability-routing";
import { domainOf, readOutputs, targetOf } from "../outputs";
import { fleetRows } from "./fleet";
import type { Level, Row } from "./rows";

interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  State: string;
  Status: string;
}
interface ContainerInspect {
  Name: string;
  RestartCount: number;
  State: { Status: string; StartedAt: string; OOMKilled: boolean; Health?: { Status: string } };
  Config: { Image: string; Labels?: Record<string, string> };
  HostConfig: { Memory: number };
}
interface Stats {
  memory_stats?: { usage?: number; stats?: { inactive_file?: number } };
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** A service of GET /services?status=true, as much of it as is read here. */
interface SwarmServiceStatus {
  Spec?: { Name?: string };
  ServiceStatus?: { RunningTasks?: number; DesiredTasks?: number };
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const out = readOutputs(argv);
  const rows: Row[] = [];
  const add = (section: string, what: string, value: string, level: Level, why?: string) =>
    rows.push({ section, what, value, level, why });
  const endpoint = dockerEndpoint();
  const target = targetOf(out);
  const address = target.address;
  const get = (service: string, path: string) =>
    fetchHttps(target, `${out.urls[service]}${path}`, { auth: out.operator });
  const domain = domainOf(out);

  // Containers: this stack's, by its label, plus the ones the release expects by name.
  const label = out.routing?.label.value;
  const filters = label ? { label: [`${STACK_LABEL}=${label}`] } : { name: [`^/${domain}\\.`] };
  const list = (await dockerGet<ContainerSummary[]>(endpoint, "/containers/json", { all: true, filters })) ?? [];
  const pinned: Record<string, string> = Object.fromEntries(
    SERVICE_KEYS.map((k) => [`${domain}.${CATALOG[k].host}`, CATALOG[k].image]),
  );
  pinned[`${domain}.${OTEL_LOGS_HOST}`] = CATALOG.otelCollector.image;
  pinned[`${domain}.${DISK_METER_HOST}`] = CATALOG.prometheus.image;
  const present = new Set(list.map((c) => c.Names[0]!.replace(/^\//, "")));
  const backendServices = new Map(
    SWARM_BACKENDS.map((k) => [`${domain}.${CATALOG[k].host}`, backendServiceName(domain, k)]),
  );
  for (const name of Object.keys(pinned)) {
    // A service switched off has no container, and no URL either (the log agent: no URL ever).
    const expected = Object.values(out.urls).some((u) => new URL(u).hostname === name);
    if (present.has(name) || !expected) continue;
    // In a swarm a backend may run as a Swarm service (configs/fleet.ts SWARM_BACKENDS), its task
    // on any node: its tasks as Swarm counts them. Only the list takes `status` (moby api v1.56
    // swagger.yaml ServiceList; ServiceInspect has no such parameter); off a manager it answers 503.
    const service = backendServices.get(name);
    const listed = service
      ? await dockerGet<SwarmServiceStatus[]>(endpoint, "/services", {
          status: true,
          filters: { name: [service] },
        }).catch(() => undefined)
      : undefined;
    const s = listed?.find((x) => x.Spec?.Name === service);
    if (s?.ServiceStatus) {
      const { RunningTasks: running = 0, DesiredTasks: desired = 0 } = s.ServiceStatus;
      const ok = desired > 0 && running >= desired;
      add(
        "containers",
        name,
        `Swarm service ${service}: ${running} of ${desired} task${desired === 1 ? "" : "s"} running`,
        ok ? "ok" : "attention",
        ok ? undefined : `docker service ps ${service}`,
      );
      continue;
    }
    add("containers", name, "missing", "attention", "its container does not exist: pulumi up --refresh");
  }
  await Promise.all(
    list.map(async (c) => {
      const name = c.Names[0]!.replace(/^\//, "");
      const i = await dockerGet<ContainerInspect>(endpoint, `/containers/${c.Id}/json`);
      if (!i) return;
      const health = i.State.Health?.Status ?? "no health check";
      const running = i.State.Status === "running";
      const good = running && (health === "healthy" || health === "no health check");
      add(
        "containers",
        name,
        `${i.State.Status}, ${health}`,
        good ? "ok" : "attention",
        good ? undefined : `docker logs ${name}`,
      );
      const image = await dockerGet<{ RepoTags?: string[] }>(endpoint, `/images/${encodeURIComponent(c.Image)}/json`);
      const tag = image?.RepoTags?.[0] ?? c.Image;
      const pin = pinned[name];
      add("images", name, pin && tag !== pin ? `${tag} (pinned: ${pin})` : tag, "info");
      // A restart counts while it is recent (Docker keeps only the count and the last start).
      const recent = i.RestartCount > 0 && Date.now() - Date.parse(i.State.StartedAt) < HOUR;
      const restartBad = recent || i.State.OOMKilled;
      add(
        "restarts",
        name,
        `${i.RestartCount}${i.State.OOMKilled ? ", OOM-killed" : ""}`,
        restartBad ? "attention" : "ok",
        restartBad ? "it restarted in the last hour: docker logs, and its memory" : undefined,
      );
      if (running && i.HostConfig.Memory > 0) {
        const stats = await dockerGet<Stats>(endpoint, `/containers/${c.Id}/stats`, {
          stream: false,
          "one-shot": true,
        });
        const used = (stats?.memory_stats?.usage ?? 0) - (stats?.memory_stats?.stats?.inactive_file ?? 0);
        const share = used / i.HostConfig.Memory;
        add(
          "memory",
          name,
          `${mib(used)} of ${mib(i.HostConfig.Memory)} (${Math.round(share * 100)} %)`,
          share > 0.9 ? "attention" : "ok",
          share > 0.9 ? "near its limit: raise services.<svc>.memoryMb" : undefined,
        );
      }
    }),
  );

  const prom = async (query: string) => {
    const r = await get("prometheus", `/api/v1/query?query=${encodeURIComponent(query)}`);
    if (r.status !== 200) throw new Error(`Prometheus answered ${r.status}`);
    return (JSON.parse(r.body) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } })
      .data.result;
  };

  // A swarm's node agents: one running task on every node that should run one.
  rows.push(...(await fleetRows(endpoint, domain)));

  // Volumes: the stack's, with their size against their share of the disk budget (the disk
  // meter publishes the shares; without it, or without Prometheus, sizes alone).
  if (label) {
    const df = await dockerGet<{
      Volumes?: { Name: string; Labels?: Record<string, string>; UsageData?: { Size: number } }[];
    }>(endpoint, "/system/df", { type: "volume" });
    const budgets = new Map<string, number>();
    if (out.urls.prometheus) {
      for (const b of await prom(BUDGET_METRIC).catch(() => [])) budgets.set(b.metric.volume!, Number(b.value[1]));
    }
    for (const v of (df?.Volumes ?? []).filter((x) => x.Labels?.[STACK_LABEL] === label)) {
      const size = v.UsageData && v.UsageData.Size >= 0 ? v.UsageData.Size : undefined;
      const budget = budgets.get(v.Name);
      if (size === undefined) add("volumes", v.Name, "size unknown", "info");
      else if (budget === undefined) add("volumes", v.Name, mib(size), "info");
      else {
        const fill = size / budget;
        add(
          "volumes",
          v.Name,
          `${mib(size)} of ${mib(budget)} budget (${Math.round(fill * 100)} %)`,
          fill > 0.8 ? "attention" : "ok",
          fill > 0.8 ? "near its share of storage.budgetGb: shorten its retention or raise the budget" : undefined,
        );
      }
    }
  }

  // The collector, from Prometheus.
  if (out.urls.prometheus) {
    try {
      for (const s of await prom(
        'max by (exporter) (otelcol_exporter_queue_size{job="otel-collector"} / otelcol_exporter_queue_capacity{job="otel-collector"})',
      )) {
        const fill = Number(s.value[1]);
        add(
          "collector",
          `queue ${s.metric.exporter}`,
          `${(fill * 100).toFixed(1)} % full`,
          fill > 0.5 ? "attention" : "ok",
          fill > 0.5 ? "its backend is slow or down" : undefined,
        );
      }
      const refused = await prom(
        'sum(increase({__name__=~"otelcol_receiver_refused_(spans|metric_points|log_records)(_total)?", job="otel-collector"}[5m]))',
      );
      const n = Math.round(Number(refused[0]?.value[1] ?? 0));
      add(
        "collector",
        "refused in 5 min",
        String(n),
        n > 0 ? "attention" : "ok",
        n > 0 ? "over its memory limit: collector.memoryLimitMib" : undefined,
      );
    } catch (e) {
      add("collector", "metrics", (e as Error).message, "attention", "Prometheus did not answer");
    }
  }

  // Alerts, from Alertmanager.
  if (out.urls.alertmanager) {
    const r = await get("alertmanager", "/api/v2/alerts?active=true&silenced=false&inhibited=false");
    if (r.status !== 200)
      add("alerts", "Alertmanager", `answered ${r.status}`, "attention", "Alertmanager is not answering");
    else {
      const firing = (JSON.parse(r.body) as { labels: Record<string, string> }[]).filter(
        (a) => a.labels.alertname !== "Watchdog",
      );
      add("alerts", "firing", String(firing.length), firing.length ? "attention" : "ok");
      for (const a of firing)
        add("alerts", a.labels.alertname!, a.labels.severity ?? "", "attention", describe(a.labels));
    }
  }

  // Certificates.
  const days = (until: number) => Math.floor((until - Date.now()) / DAY);
  const caLeft = days(Date.parse(new X509Certificate(out.caCertPem).validTo));
  add(
    "certificates",
    "CA",
    `${caLeft} days left`,
    caLeft < 30 ? "attention" : "ok",
    caLeft < 30 ? "pulumi up renews it" : undefined,
  );
  const traefik = out.urls.traefik ?? out.urls.grafana;
  if (traefik) {
    const host = new URL(traefik);
    const served = await new Promise<string | undefined>((resolve) => {
      const s = connect(
        { host: address, port: Number(host.port || 443), servername: host.hostname, ca: out.caCertPem },
        () => {
          resolve(s.getPeerCertificate().valid_to);
          s.end();
        },
      );
      s.on("error", () => resolve(undefined));
    });
    const left = served ? days(Date.parse(served)) : undefined;
    add(
      "certificates",
      "served by Traefik",
      left === undefined ? "no answer" : `${left} days left`,
      left === undefined || left < 30 ? "attention" : "ok",
      left === undefined ? "Traefik did not complete a TLS handshake" : left < 30 ? "pulumi up renews it" : undefined,
    );
  }

  const order = ["containers", "restarts", "memory", "images", "volumes", "collector", "alerts", "certificates"];
  rows.sort((a, b) => order.indexOf(a.section) - order.indexOf(b.section) || a.what.localeCompare(b.what));
  const attention = rows.filter((r) => r.level === "attention");
  if (argv.includes("--json")) {
    console.log(JSON.stringify({ healthy: attention.length === 0, rows }, null, 2));
  } else {
    const w = Math.max(...rows.map((r) => `${r.section} ${r.what}`.length));
    for (const r of rows) {
      const mark = r.level === "attention" ? "!!" : r.level === "ok" ? "ok" : "  ";
      console.log(`${mark} ${`${r.section} ${r.what}`.padEnd(w)}  ${r.value}${r.why ? `  (${r.why})` : ""}`);
    }
    console.log(attention.length ? `${attention.length} need attention` : "healthy");
  }
  return attention.length ? 1 : 0;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const describe = (labels: Record<string, string>) =>
  Object.entries(labels)
    .filter(([k]) => !["alertname", "severity"].includes(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`status: cannot tell: ${String(err)}`);
    process.exit(2);
  },
);
