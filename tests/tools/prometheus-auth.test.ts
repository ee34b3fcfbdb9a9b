/**
 * Prometheus' own credentials check (configs/web-auth.ts), against the real prometheus and
 * promtool of toolchain/promtool.sh (the image's build): the rendered web config, the self-scrape's
 * basic_auth and the health check's command, exactly as the container gets them, with the
 * in-container paths moved to a temp directory.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { stringify } from "yaml";
import {
  PROMETHEUS_CLIENT_CONFIG_PATH,
  PROMETHEUS_CLIENT_PASSWORD_PATH,
  prometheusCommand,
  prometheusConfig,
  prometheusFiles,
  prometheusHealthcheck,
  PROMETHEUS_WEB_CONFIG_PATH,
  type PrometheusInput,
} from "../../configs/prometheus";
import { basicCredentials, stackClientUser, webConfigYaml } from "../../configs/web-auth";
import { defaultPrometheusInput } from "../support/prometheus-input";
import { fileAt, findPromtool, KNOWN_BCRYPT, parseYaml, run, writeTree } from "../support/config-files";

/** Prometheus' own client login: its self-scrape, its health check, its alerts. */
const CLIENT_USER = stackClientUser("prometheus");

const base: PrometheusInput = defaultPrometheusInput;
const guarded: PrometheusInput = { ...base, selfAuth: true };

const KNOWN = KNOWN_BCRYPT;

describe("prometheus: its own credentials check, rendered", () => {
  it("reads a web config and sends the stack client's login only when its route is guarded", () => {
    assert.ok(prometheusCommand(guarded).includes(`--web.config.file=${PROMETHEUS_WEB_CONFIG_PATH}`));
    assert.ok(!prometheusCommand(base).some((f) => f.startsWith("--web.config.file")));
    const self = (i: PrometheusInput) => prometheusConfig(i).scrape_configs.find((j) => j.job_name === "prometheus")!;
    assert.deepEqual(self(guarded).basic_auth, {
      username: CLIENT_USER,
      password_file: PROMETHEUS_CLIENT_PASSWORD_PATH,
    });
    assert.equal(self(base).basic_auth, undefined);
    // Only its own job: the other targets do not know the login.
    const others = prometheusConfig(guarded).scrape_configs.filter((j) => j.job_name !== "prometheus");
    assert.ok(others.every((j) => j.basic_auth === undefined));
    assert.deepEqual(parseYaml(fileAt(prometheusFiles(guarded), PROMETHEUS_CLIENT_CONFIG_PATH).content), {
      basic_auth: { username: CLIENT_USER, password_file: PROMETHEUS_CLIENT_PASSWORD_PATH },
    });
    assert.ok(!prometheusFiles(base).some((f) => f.path === PROMETHEUS_CLIENT_CONFIG_PATH));
  });

  it("sends the stack client's login with its alerts and its scrape of Alertmanager when that asks for it", () => {
    const am = { ...base, alertmanagerHost: "scaibu.alertmanager" };
    const login = { username: CLIENT_USER, password_file: PROMETHEUS_CLIENT_PASSWORD_PATH };
    const job = (i: PrometheusInput) => prometheusConfig(i).scrape_configs.find((j) => j.job_name === "alertmanager")!;
    const guardedAm = { ...am, alertmanagerAuth: true };
    assert.deepEqual(prometheusConfig(guardedAm).alerting!.alertmanagers[0]!.basic_auth, login);
    assert.deepEqual(job(guardedAm).basic_auth, login);
    assert.equal(prometheusConfig(am).alerting!.alertmanagers[0]!.basic_auth, undefined);
    assert.equal(job(am).basic_auth, undefined);
    // Alertmanager's login alone does not put Prometheus behind one.
    assert.ok(!prometheusCommand(guardedAm).some((f) => f.startsWith("--web.config.file")));
  });

  it("checks health with the image's promtool and the password by file, never on the command line", () => {
    assert.deepEqual(prometheusHealthcheck(false).test, [
      "CMD",
      "wget",
      "-q",
      "-O",
      "/dev/null",
      "http://127.0.0.1:9090/-/ready",
    ]);
    assert.deepEqual(prometheusHealthcheck(true).test, [
      "CMD",
      "/bin/promtool",
      "check",
      "ready",
      "--url=http://127.0.0.1:9090",
      `--http.config.file=${PROMETHEUS_CLIENT_CONFIG_PATH}`,
    ]);
  });

  it("writes the users sorted, byte for byte the same whatever their order", () => {
    const a = webConfigYaml({ admin: "h1", [CLIENT_USER]: "h2" });
    assert.equal(a, webConfigYaml({ [CLIENT_USER]: "h2", admin: "h1" }));
    assert.deepEqual(parseYaml(a), { basic_auth_users: { admin: "h1", [CLIENT_USER]: "h2" } });
    assert.equal(Buffer.from(basicCredentials("collector", "pw"), "base64").toString(), "scaibu-collector:pw");
  });
});

describe("prometheus: its own credentials check, in the real prometheus", () => {
  const port = 19090;
  const url = `http://127.0.0.1:${port}`;
  let proc: ReturnType<typeof spawn> | undefined;
  let promtool: string;
  let root: string;
  /** The rendered file at `path`, moved under the temp root. */
  const local = (path: string) => join(root, path);

  before(async () => {
    const found = findPromtool();
    promtool = found.path;
    const prometheus = join(dirname(promtool), "prometheus");
    // Fails, never skips: toolchain/promtool.sh builds both.
    assert.ok(existsSync(prometheus), `no prometheus next to ${promtool}: the test needs the real server`);
    const web = webConfigYaml({ admin: KNOWN.hash, [CLIENT_USER]: KNOWN.hash });
    root = writeTree([
      ...prometheusFiles(guarded).filter((f) => f.path === PROMETHEUS_CLIENT_CONFIG_PATH),
      { path: PROMETHEUS_WEB_CONFIG_PATH, content: web },
      { path: PROMETHEUS_CLIENT_PASSWORD_PATH, content: KNOWN.password },
    ]);
    // The client config names the password by its in-container path.
    const client = parseYaml<{ basic_auth: { password_file: string } }>(
      fileAt(prometheusFiles(guarded), PROMETHEUS_CLIENT_CONFIG_PATH).content,
    );
    client.basic_auth.password_file = local(client.basic_auth.password_file);
    writeFileSync(local(PROMETHEUS_CLIENT_CONFIG_PATH), stringify(client));
    // Only the rendered self-scrape job, every second, at this test's port.
    const self = prometheusConfig(guarded).scrape_configs.find((j) => j.job_name === "prometheus")!;
    const config = {
      global: { scrape_interval: "1s" },
      scrape_configs: [
        {
          ...self,
          static_configs: [{ targets: [`127.0.0.1:${port}`] }],
          basic_auth: { ...self.basic_auth!, password_file: local(self.basic_auth!.password_file) },
        },
      ],
    };
    writeFileSync(join(root, "prometheus.yml"), stringify(config));
    proc = spawn(
      prometheus,
      [
        `--config.file=${join(root, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(root, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        // The flags the container gets, these two as rendered.
        ...prometheusCommand(guarded).filter((f) => f === "--web.enable-admin-api"),
        `--web.config.file=${local(PROMETHEUS_WEB_CONFIG_PATH)}`,
      ],
      { stdio: "ignore" },
    );
    for (let i = 0; i < 150; i++) {
      if ((await fetch(`${url}/-/ready`).catch(() => undefined)) !== undefined) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("prometheus did not answer");
  });
  after(() => proc?.kill());

  const get = (path: string, init: RequestInit = {}) => fetch(`${url}${path}`, init);
  const as = (user: string, password: string) => ({
    Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
  });

  it("answers 401 to a caller without the login, on the query, admin, write and health endpoints", async () => {
    for (const [path, method] of [
      ["/api/v1/query?query=up", "GET"],
      ["/api/v1/admin/tsdb/delete_series?match[]=up", "POST"],
      ["/api/v1/otlp/v1/metrics", "POST"],
      ["/-/ready", "GET"],
    ] as const) {
      assert.equal((await get(path, { method })).status, 401, `${method} ${path} without credentials`);
      const wrong = await get(path, { method, headers: as(CLIENT_USER, "wrong") });
      assert.equal(wrong.status, 401, `${method} ${path} with a wrong password`);
    }
    assert.equal((await get("/api/v1/query?query=up", { headers: as("admin", KNOWN.password) })).status, 200);
  });

  it("passes the health check's exact command, and fails it with a wrong password", () => {
    const test = prometheusHealthcheck(true).test.slice(1);
    const args = test
      .slice(1)
      .map((a) =>
        a.startsWith("--url=")
          ? `--url=${url}`
          : a.replace(PROMETHEUS_CLIENT_CONFIG_PATH, local(PROMETHEUS_CLIENT_CONFIG_PATH)),
      );
    const ok = run(promtool, args);
    assert.equal(ok.status, 0, ok.output);
    writeFileSync(local(PROMETHEUS_CLIENT_PASSWORD_PATH), "wrong");
    try {
      const bad = run(promtool, args);
      assert.notEqual(bad.status, 0, bad.output);
      assert.match(bad.output, /401/);
    } finally {
      writeFileSync(local(PROMETHEUS_CLIENT_PASSWORD_PATH), KNOWN.password);
    }
  });

  it("scrapes itself with the rendered basic_auth (up == 1)", async () => {
    for (let i = 0; i < 100; i++) {
      const r = await get(`/api/v1/query?query=${encodeURIComponent('up{job="prometheus"}')}`, {
        headers: as(CLIENT_USER, KNOWN.password),
      });
      const body = (await r.json()) as { data: { result: { value: [number, string] }[] } };
      if (body.data.result[0]?.value[1] === "1") return;
      await new Promise((res) => setTimeout(res, 200));
    }
    assert.fail('up{job="prometheus"} never became 1: the self-scrape does not pass its own web config');
  });

  it("accepts the rendered web config in `promtool check web-config`", () => {
    const r = run(promtool, ["check", "web-config", local(PROMETHEUS_WEB_CONFIG_PATH)]);
    assert.equal(r.status, 0, r.output);
  });
});
