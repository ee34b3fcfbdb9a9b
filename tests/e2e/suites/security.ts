import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bind, containerNames, domain, ports } from "@scaibu/observability-devkit";
import { curl, eventually, sh } from "../shell";
import { authed, https, live } from "../fixture";

/** Registers the suite; tests/e2e/run.test.ts calls it in its place in the order. */
export function securitySuite(): void {
  describe("security: credentials on every surface, TLS, secrets, the Docker API", () => {
    it("asks for the live.operator credentials on Prometheus, Loki, Jaeger and the dashboard", async () => {
      const probes: [string, string][] = [
        ["prometheus", "/api/v1/status/buildinfo"],
        ["loki", "/ready"],
        ["jaeger", "/api/dependencies?endTs=0&lookback=1"],
        ["traefik", "/api/overview"],
      ];
      for (const [svc, path] of probes) {
        assert.equal((await https(svc, path)).status, 401, `${svc} without credentials`);
        assert.equal(
          (await https(svc, path, ["-u", `${live.operator.user}:wrong`])).status,
          401,
          `${svc} wrong password`,
        );
        assert.equal((await authed(svc, path)).status, 200, `${svc} with the live.operator credentials`);
      }
      const dash = live.outputs.traefikDashboard!.value as { user: string; password: string };
      assert.deepEqual([dash.user, dash.password], [live.operator.user, live.operator.password]);
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
      const secrets = [
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
      // Both readers work through it: Traefik routes (every HTTPS check above), Prometheus discovers.
      const query = encodeURIComponent('sum(prometheus_sd_discovered_targets{config="docker"})');
      await eventually("Prometheus docker discovery through the proxy", 90, async () => {
        const r = await authed("prometheus", `/api/v1/query?query=${query}`);
        const value = /"value":\[[^,]+,"(\d+)"\]/.exec(r.body)?.[1];
        return value !== undefined && Number(value) > 0 ? true : undefined;
      });
    });
  });
}
