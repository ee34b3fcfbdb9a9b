import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  bind,
  config,
  containerNames,
  dockerApiNetwork,
  domain,
  lokiNetwork,
  ports,
  repo,
} from "@scaibu/observability-devkit";
import { CATALOG, SERVICE_KEYS } from "../../../configs/catalog";
import { OTEL_LOGS_HOST } from "../../../configs/otel-logs";
import { DISK_METER_HOST } from "../../../configs/disk-meter";
import { COLLECTOR_UID, privilegesFor, type PrivilegedKey } from "../../../configs/privileges";
import { parseSettings } from "../../../settings/schema";
import { PROMETHEUS_CLIENT_PASSWORD_PATH } from "../../../configs/prometheus";
import { stackClientUser } from "../../../configs/web-auth";
import { OTEL_STACK_CLIENT_CREDENTIALS_PATH } from "../../../configs/otel-collector";
import { curl, eventually, health, sh, STATUS_ONLY } from "../shell";
import { authed, caFile, https, live, promSeries } from "../fixture";

/** Every container of the e2e stack with its privileges row (configs/privileges.ts). */
const privilegedContainers = (): [string, PrivilegedKey][] => [
  ...SERVICE_KEYS.map((k): [string, PrivilegedKey] => [`${domain}.${CATALOG[k].host}`, k]),
  [`${domain}.${OTEL_LOGS_HOST}`, "otelLogs"],
  [`${domain}.${DISK_METER_HOST}`, "diskMeter"],
];

interface Probe {
  sockets: Record<string, string>;
  written: string[];
  dirsChecked: number;
  writable: Record<string, string>;
  ptrace: Record<string, string>;
  masked: Record<string, string[]>;
  credentials: { uid: number; gid: number; groups: number[] };
}

/** tests/e2e/probe/namespace_probe.py inside `container`'s mount namespace, with the given credentials. */
async function probe(container: string, creds: string[], writable: string[], ptracePids: string[] = []) {
  const pid = await sh("docker", ["inspect", "-f", "{{.State.Pid}}", container]);
  const out = await sh("python3", [
    join(repo, "tests/e2e/probe/namespace_probe.py"),
    pid,
    ...creds,
    writable.join(","),
    ptracePids.join(","),
  ]);
  return JSON.parse(out) as Probe;
}

/** Registers the suite; tests/e2e/run.test.ts calls it in its place in the order. */
export function securitySuite(): void {
  describe("security: credentials on every surface, TLS, secrets, the Docker API", () => {
    it("asks for the operator credentials on Prometheus, Loki, Jaeger and the dashboard", async () => {
      const probes: [string, string][] = [
        ["prometheus", "/api/v1/status/buildinfo"],
        ["loki", "/ready"],
        ["jaeger", "/api/dependencies?endTs=0&lookback=1"],
        ["traefik", "/api/overview"],
        ["alertmanager", "/api/v2/status"],
      ];
      for (const [svc, path] of probes) {
        assert.equal((await https(svc, path)).status, 401, `${svc} without credentials`);
        assert.equal(
          (await https(svc, path, ["-u", `${live.operator.user}:wrong`])).status,
          401,
          `${svc} wrong password`,
        );
        assert.equal((await authed(svc, path)).status, 200, `${svc} with the operator credentials`);
      }
      const dash = live.outputs.traefikDashboard!.value as { user: string; password: string };
      assert.deepEqual([dash.user, dash.password], [live.operator.user, live.operator.password]);
    });

    it("asks for credentials on Prometheus', Alertmanager's and Jaeger's query ports and Traefik's metrics too, inside the stack's network", async () => {
      // What a consumer app joined to the network (or a swarm app task) reaches: the container
      // itself, not the route. Run from inside Traefik's network namespace with the host's curl.
      const ipOf = async (name: string) =>
        (await sh("docker", ["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", name]))
          .trim()
          .split(" ")[0]!;
      const pid = await sh("docker", ["inspect", "-f", "{{.State.Pid}}", `${domain}.traefik`]);
      const direct = async (url: string, extra: string[] = []) =>
        Number(await sh("nsenter", ["-t", pid, "-n", ...STATUS_ONLY, ...extra, url]));
      const operator = ["-u", `${live.operator.user}:${live.operator.password}`];
      const wrong = ["-u", `${live.operator.user}:wrong`];

      const prom = `http://${await ipOf(`${domain}.prometheus`)}:${CATALOG.prometheus.ports.http}`;
      const deleteSeries = ["-X", "POST", "--data-urlencode", 'match[]={__name__="up"}'];
      assert.equal(await direct(`${prom}/api/v1/query?query=up`), 401, "a query without credentials");
      assert.equal(await direct(`${prom}/api/v1/admin/tsdb/delete_series`, deleteSeries), 401, "delete_series");
      assert.equal(await direct(`${prom}/api/v1/otlp/v1/metrics`, ["-X", "POST"]), 401, "an OTLP write");
      assert.equal(await direct(`${prom}/api/v1/query?query=up`, wrong), 401, "a wrong password");
      assert.equal(await direct(`${prom}/api/v1/query?query=up`, operator), 200);

      // A silence would mute every alert: nobody on the network may set one without the login.
      const am = `http://${await ipOf(`${domain}.alertmanager`)}:${CATALOG.alertmanager.ports.http}`;
      const silence = JSON.stringify({
        matchers: [{ name: "alertname", value: ".+", isRegex: true }],
        startsAt: new Date().toISOString(),
        endsAt: new Date(Date.now() + 3_600_000).toISOString(),
        createdBy: "e2e",
        comment: "would mute everything",
      });
      const post = ["-X", "POST", "-H", "Content-Type: application/json", "-d", silence];
      assert.equal(await direct(`${am}/api/v2/silences`, post), 401, "a silence without credentials");
      assert.equal(
        await direct(`${am}/api/v2/alerts`, ["-X", "POST", "-H", "Content-Type: application/json", "-d", "[]"]),
        401,
      );
      assert.equal(await direct(`${am}/api/v2/status`, wrong), 401, "a wrong password");
      assert.equal(await direct(`${am}/api/v2/status`, operator), 200);

      // Traces can carry anything an app put in them: Jaeger's query API asks too.
      const jaeger = `http://${await ipOf(`${domain}.jaeger`)}:${CATALOG.jaeger.ports.ui}`;
      assert.equal(await direct(`${jaeger}/api/services`), 401, "Jaeger's query without credentials");
      assert.equal(await direct(`${jaeger}/api/services`, wrong), 401, "Jaeger's query with a wrong password");
      assert.equal(await direct(`${jaeger}/api/services`, operator), 200);

      // Nor may anyone on the network write traces past the collector: Jaeger's OTLP receivers
      // take TLS alone (its own certificate from the stack's CA) and the stack client's login alone.
      const jaegerIp = await ipOf(`${domain}.jaeger`);
      const otlpPort = CATALOG.jaeger.ports.otlpHttp;
      const trace = ["-X", "POST", "-H", "Content-Type: application/json", "-d", '{"resourceSpans":[]}'];
      const overTls = ["--cacert", caFile, "--resolve", `${domain}.jaeger:${otlpPort}:${jaegerIp}`, ...trace];
      const otlpUrl = `https://${domain}.jaeger:${otlpPort}/v1/traces`;
      // Go's TLS server answers plain HTTP with 400 (net/http: "Client sent an HTTP request to an HTTPS server").
      assert.equal(await direct(`http://${jaegerIp}:${otlpPort}/v1/traces`, trace), 400, "plain HTTP to Jaeger's OTLP");
      assert.equal(await direct(otlpUrl, overTls), 401, "an OTLP write to Jaeger without credentials");
      assert.equal(await direct(otlpUrl, [...overTls, ...operator]), 401, "the operator writes no traces");
      // Another client's login does not pass either: Prometheus' is for Prometheus and Alertmanager.
      const promClient = await sh("docker", ["exec", `${domain}.prometheus`, "cat", PROMETHEUS_CLIENT_PASSWORD_PATH]);
      assert.equal(
        await direct(otlpUrl, [...overTls, "-u", `${stackClientUser("prometheus")}:${promClient}`]),
        401,
        "Prometheus' client login at Jaeger's OTLP",
      );
      // The collector's does: read where the collector reads it (its image has no shell: a tar stream).
      const collectorCredentials = (
        await sh("bash", ["-c", `docker cp ${domain}.otel:${OTEL_STACK_CLIENT_CREDENTIALS_PATH} - | tar -xO`])
      ).trim();
      assert.equal(Buffer.from(collectorCredentials, "base64").toString().split(":")[0], stackClientUser("collector"));
      const collectorLogin = ["-H", `Authorization: Basic ${collectorCredentials}`];
      assert.equal(await direct(otlpUrl, [...overTls, ...collectorLogin]), 200, "the collector's login");
      // Least privilege: the collector's login is worth nothing at Alertmanager or Jaeger's query.
      assert.equal(
        await direct(`${am}/api/v2/silences`, [...post, ...collectorLogin]),
        401,
        "a silence by the collector",
      );
      assert.equal(await direct(`${jaeger}/api/services`, collectorLogin), 401, "Jaeger's query by the collector");

      // Traefik's metrics name every router, service and host it serves: they ask too, and take
      // Prometheus' login (its scrape) and the operator's alone. Its ping, the health check, tells nothing.
      const traefik = `http://${await ipOf(`${domain}.traefik`)}:${CATALOG.traefik.ports.internal}`;
      const promLogin = ["-u", `${stackClientUser("prometheus")}:${promClient}`];
      assert.equal(await direct(`${traefik}/metrics`), 401, "Traefik's metrics without credentials");
      assert.equal(await direct(`${traefik}/metrics`, wrong), 401, "Traefik's metrics with a wrong password");
      assert.equal(await direct(`${traefik}/metrics`, collectorLogin), 401, "Traefik's metrics by the collector");
      assert.equal(await direct(`${traefik}/metrics`, promLogin), 200, "Traefik's metrics by Prometheus");
      assert.equal(await direct(`${traefik}/metrics`, operator), 200, "Traefik's metrics by the operator");
      assert.equal(await direct(`${traefik}/ping`), 200, "Traefik's ping");

      // The stack's own clients pass: the collector's push (host_metrics reach Prometheus only
      // through it), the self-scrape, Prometheus' scrape of Alertmanager, both health checks.
      await promSeries("Prometheus scrapes itself with the stack client's login", 'up{job="prometheus"} == 1');
      await promSeries("Prometheus scrapes Alertmanager with the stack client's login", 'up{job="alertmanager"} == 1');
      // And Traefik, whose certificate-expiry alerts read its metrics (configs/certificate-rules.ts).
      await promSeries("Prometheus scrapes Traefik with the stack client's login", "traefik_tls_certs_not_after");
      await promSeries(
        "the collector pushes to Prometheus with the stack client's login",
        "system_cpu_load_average_1m",
      );
      await promSeries(
        "Prometheus reaches Alertmanager with its alerts, with the stack client's login",
        "prometheus_notifications_sent_total > 0",
      );
      for (const k of ["prometheus", "alertmanager", "jaeger", "traefik"]) {
        assert.equal(await health(`${domain}.${k}`), "healthy", k);
      }
    });

    it("takes OTLP through Traefik only with the bearer token", async () => {
      assert.equal(live.outputs.otlpToken!.secret, true);
      const token = live.outputs.otlpToken!.value as string;
      const post = (extra: string[]) =>
        https("otel", "/v1/traces", ["-H", "Content-Type: application/json", "-d", '{"resourceSpans":[]}', ...extra]);
      assert.equal((await post([])).status, 401, "no token");
      assert.equal((await post(["-H", "Authorization: Bearer wrong"])).status, 401, "wrong token");
      const ok = await eventually("routed OTLP with the token", 60, async () => {
        const r = await post(["-H", `Authorization: Bearer ${token}`]);
        return r.status === 200 ? r : undefined;
      });
      assert.equal(ok.status, 200);
    });

    it("shows no secret in docker inspect of any container", async () => {
      // The stack client's Prometheus password is no output: read it where Prometheus reads it.
      const client = await sh("docker", ["exec", `${domain}.prometheus`, "cat", PROMETHEUS_CLIENT_PASSWORD_PATH]);
      assert.match(client, /^[A-Za-z0-9]{32}$/);
      const secrets = [
        client,
        live.operator.password,
        live.outputs.otlpToken!.value as string,
        (live.outputs.grafanaAdmin!.value as { password: string }).password,
      ];
      for (const name of containerNames) {
        const inspect = await sh("docker", ["inspect", name]);
        for (const secret of secrets) assert.ok(!inspect.includes(secret), `${name}: a secret in docker inspect`);
      }
    });

    it("keeps Grafana's unauthenticated /metrics off the routed surface", async () => {
      assert.equal((await https("grafana", "/metrics")).status, 404);
      assert.equal((await https("grafana", "/api/health")).status, 200);
    });

    it("sends HSTS and speaks TLS 1.2 or newer only", async () => {
      const r = await authed("prometheus", "/-/ready");
      assert.match(r.headers, /strict-transport-security: max-age=31536000/i);
      const connect = (version: string) =>
        sh("sh", [
          "-c",
          `echo | openssl s_client -connect ${bind}:${ports.https} -servername ${domain}.grafana ${version} -cipher DEFAULT:@SECLEVEL=0 2>&1; true`,
        ]);
      assert.match(await connect("-tls1_2"), /New, TLSv1\.2, Cipher is (?!\(NONE\))/);
      // Traefik answers a TLS 1.1 hello with a protocol_version alert; no cipher is agreed.
      const old = await connect("-tls1_1");
      assert.match(old, /alert protocol version/);
      assert.match(old, /Cipher is \(NONE\)/);
    });

    it("redirects plain HTTP to HTTPS", async () => {
      const res = await curl({
        url: `http://${domain}.grafana:${ports.http}/`,
        resolve: `${domain}.grafana:${ports.http}:${bind}`,
      });
      assert.ok([301, 308].includes(res.status), `status ${res.status}`);
      assert.match(res.headers, /location: https:\/\/e2e\.grafana/i);
    });

    // After the preview-only tests: Prometheus rediscovers every 30 s, and its first try may have
    // come before the socket proxy answered.
    it("runs every container as docs/security.md says: its user, no capability beyond its row, no-new-privileges", async () => {
      const settings = parseSettings(config);
      for (const [name, key] of privilegedContainers()) {
        const want = privilegesFor(key, settings);
        const got = JSON.parse(
          await sh("docker", [
            "inspect",
            "-f",
            "{{json .Config.User}}|{{json .HostConfig.CapDrop}}|{{json .HostConfig.CapAdd}}|{{json .HostConfig.SecurityOpt}}|{{json .HostConfig.ReadonlyRootfs}}|{{json .HostConfig.GroupAdd}}|{{json .HostConfig.IpcMode}}",
            name,
          ]).then((line) => `[${line.split("|").join(",")}]`),
        ) as [string, string[], string[] | null, string[], boolean, string[] | null, string];
        const [user, drop, add, secopt, readOnly, groups, ipc] = got;
        assert.equal(user, want.user, `${name}: user`);
        assert.deepEqual(drop, ["ALL"], `${name}: cap_drop`);
        assert.deepEqual(add ?? [], [...want.capabilities], `${name}: capabilities`);
        assert.deepEqual(secopt, ["no-new-privileges:true"], `${name}: no-new-privileges`);
        assert.deepEqual(groups ?? [], [...want.groups], `${name}: groups`);
        assert.equal(ipc === "none", want.ipcNone, `${name}: ipc`);
        assert.equal(readOnly, ["otelLogs", "diskMeter"].includes(key), `${name}: read-only rootfs`);
        // And the kernel agrees: the main process holds exactly those capabilities.
        const pid = await sh("docker", ["inspect", "-f", "{{.State.Pid}}", name]);
        const status = await sh("cat", [`/proc/${pid}/status`]);
        const eff = BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(status)![1]}`);
        assert.equal(
          eff,
          want.capabilities.includes("CAP_DAC_READ_SEARCH") ? 1n << 2n : 0n,
          `${name}: effective capabilities`,
        );
      }
    });

    it("the collector, inside its namespaces with its credentials, connects to no host socket and writes only its queue", async () => {
      // Sockets the mask does not cover, so the check is not vacuous: root's and another user's.
      const dir = `/srv/scaibu-e2e-${process.pid}`;
      mkdirSync(dir, { recursive: true });
      const listeners = await sh("python3", [
        "-c",
        `import os,socket,sys,time
socks=[]
for name,mode in (("root-0660.sock",0o660),("other-0600.sock",0o600)):
    p=os.path.join(sys.argv[1],name); s=socket.socket(socket.AF_UNIX); s.bind(p); os.chmod(p,mode); s.listen(4); socks.append(s)
os.chown(os.path.join(sys.argv[1],"other-0600.sock"),10001,10001)
if os.fork(): print("listening"); sys.exit(0)
n=os.open(os.devnull,os.O_RDWR); os.dup2(n,1); os.dup2(n,2)  # the test reads the parent's output only
time.sleep(120)`,
        dir,
      ]);
      assert.equal(listeners, "listening");
      try {
        const proxyPid = await sh("docker", ["inspect", "-f", "{{.State.Pid}}", `${domain}.socket-proxy`]);
        const r = await probe(
          `${domain}.otel`,
          [String(COLLECTOR_UID), String(COLLECTOR_UID), "", ""],
          ["/var/lib/otelcol/queue"],
          ["1", proxyPid],
        );
        assert.deepEqual(r.credentials, { uid: COLLECTOR_UID, gid: COLLECTOR_UID, groups: [] });
        const ours = Object.keys(r.sockets).filter((p) => p.startsWith(`/hostfs${dir}/`));
        assert.equal(ours.length, 2, `the probe finds the test's sockets: ${JSON.stringify(r.sockets)}`);
        const connected = Object.entries(r.sockets).filter(([, result]) => result === "CONNECTED");
        assert.deepEqual(connected, [], "no host socket answers connect()");
        assert.ok(r.dirsChecked > 100, `${r.dirsChecked} directories checked`);
        assert.deepEqual(r.written, [], "no directory of the container or the host takes a new file");
        assert.deepEqual(r.writable, { "/var/lib/otelcol/queue": "WRITTEN" }, "its queue stays writable");
        // The host's runtime directory, where docker.sock lives, is an empty mask to it...
        assert.deepEqual(r.masked["/hostfs/run"], []);
        assert.match(await sh("ls", ["/run"]), /docker\.sock/, "...while the host's has the socket");
        // ...and no other process's root (the socket proxy's holds the socket) is open to it.
        assert.deepEqual(r.ptrace, { "1": "EACCES", [proxyPid]: "EACCES" });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("the log agent reads Docker's logs with DAC_READ_SEARCH alone: no socket, nothing written, the logs arrive", async () => {
      const r = await probe(`${domain}.${OTEL_LOGS_HOST}`, ["0", "0", "", "CAP_DAC_READ_SEARCH"], []);
      assert.deepEqual(r.sockets, {}, "no socket in its view at all");
      assert.deepEqual(r.written, []);
      // What it reads reaches the collector and leaves for Loki.
      for (const [job, q] of [
        [
          "otel-logs",
          'sum({__name__=~"otelcol_receiver_accepted_log_records(_total)?", job="otel-logs", receiver="file_log"}) > 0',
        ],
        [
          "otel-collector",
          'sum({__name__=~"otelcol_receiver_accepted_log_records(_total)?", job="otel-collector", receiver="otlp/agents"}) > 0',
        ],
      ]) {
        await promSeries(`${job}: Docker log records accepted`, q!);
      }
    });

    it("reaches the Docker API only through the read-only socket proxy", async () => {
      for (const name of containerNames) {
        const mounts = await sh("docker", ["inspect", "-f", "{{json .Mounts}}", name]);
        assert.equal(mounts.includes("docker.sock"), name === `${domain}.socket-proxy`, `${name}: ${mounts}`);
      }
      const proxy = (args: string[]) =>
        sh("docker", ["exec", `${domain}.socket-proxy`, "wget", "-q", "-O", "-", ...args]).then(
          (out) => ({ ok: true, out }),
          (err: Error) => ({ ok: false, out: err.message }),
        );
      const list = await proxy(["http://127.0.0.1:2375/containers/json"]);
      assert.ok(list.ok && list.out.includes(`/${domain}.loki`), list.out.slice(0, 300));
      const create = await proxy(["--post-data", "{}", "http://127.0.0.1:2375/containers/create"]);
      assert.ok(!create.ok && /403/.test(create.out), create.out);
      const images = await proxy(["http://127.0.0.1:2375/images/json"]);
      assert.ok(!images.ok && /403/.test(images.out), images.out);
      // Its own filter (configs/socket-proxy.ts), not the image's CONTAINERS section: a container's
      // files, logs and stdio stay closed, also with the path's "/" escaped (Docker would decode it).
      const grafana = `http://127.0.0.1:2375/v1.44/containers/${domain}.grafana`;
      for (const url of [
        `${grafana}/archive?path=/etc`,
        `${grafana}/export`,
        `${grafana}/logs?stdout=1`,
        `${grafana}/attach/ws`,
        `${grafana}%2Farchive?path=/etc`,
      ]) {
        const r = await proxy([url]);
        assert.ok(!r.ok && /403/.test(r.out), `${url}: ${r.out.slice(0, 200)}`);
      }
      for (const url of [`${grafana}/json`, `${grafana}/stats?stream=false`]) {
        const r = await proxy([url]);
        assert.ok(r.ok, `${url}: ${r.out.slice(0, 200)}`);
      }
      // Both readers work through it: Traefik routes (every HTTPS check above), Prometheus discovers.
      const query = encodeURIComponent('sum(prometheus_sd_discovered_targets{config="docker"})');
      await eventually("Prometheus docker discovery through the proxy", 90, async () => {
        const r = await authed("prometheus", `/api/v1/query?query=${query}`);
        const value = /"value":\[[^,]+,"(\d+)"\]/.exec(r.body)?.[1];
        return value !== undefined && Number(value) > 0 ? true : undefined;
      });
    });

    it("serves the socket proxy and Loki each on an internal network of its own, which only their clients join", async () => {
      // The proxy lists and inspects every container on the host, and Loki checks no login: a
      // consumer app on the stack's network must reach neither.
      const membersOf = async (network: string) =>
        (await sh("docker", ["network", "inspect", "-f", "{{range .Containers}}{{.Name}} {{end}}", network]))
          .split(" ")
          .filter(Boolean)
          .sort();
      const networksOf = async (name: string) =>
        (await sh("docker", ["inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", name]))
          .trim()
          .split(" ");
      const ipOn = (name: string, network: string) =>
        sh("docker", ["inspect", "-f", `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, name]);
      /** An HTTP status from inside container `name`'s network namespace, or `failed` if it does not connect. */
      const from = async (name: string, url: string) => {
        const pid = await sh("docker", ["inspect", "-f", "{{.State.Pid}}", name]);
        return sh("nsenter", ["-t", pid, "-n", ...STATUS_ONLY, "--max-time", "5", url]).then(
          (code) => code,
          () => "failed",
        );
      };
      const cases = [
        {
          network: dockerApiNetwork,
          server: `${domain}.socket-proxy`,
          clients: ["otel", "prometheus", "traefik"],
          url: (ip: string) => `http://${ip}:${CATALOG.socketProxy.ports.api}/containers/json`,
          // A client still gets through (that is what the network keeps from everyone else).
          client: `${domain}.prometheus`,
        },
        {
          network: lokiNetwork,
          server: `${domain}.loki`,
          clients: ["alertmanager", "grafana", "otel", "prometheus", "traefik"],
          url: (ip: string) => `http://${ip}:${CATALOG.loki.ports.http}/ready`,
          client: `${domain}.grafana`,
        },
      ];
      for (const c of cases) {
        assert.equal(await sh("docker", ["network", "inspect", "-f", "{{.Internal}}", c.network]), "true", c.network);
        assert.deepEqual(await membersOf(c.network), [c.server, ...c.clients.map((k) => `${domain}.${k}`)].sort());
        assert.deepEqual(await networksOf(c.server), [c.network], `${c.server}: on its own network alone`);
        const url = c.url(await ipOn(c.server, c.network));
        // Jaeger is on the stack's network alone, as a consumer app is: no way through.
        assert.equal(await from(`${domain}.jaeger`, url), "failed", `${c.server} from Jaeger`);
        assert.match(await from(c.client, url), /^[1-5]\d\d$/, `${c.server} from ${c.client}`);
      }
    });
  });
}
