import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { bind, domain, ports, sendTraces } from "@scaibu/observability-devkit";
import { curl, eventually, sh } from "../shell";
import { authed, log, state, waiting } from "../fixture";

/** Registers the suite; tests/e2e/run.test.ts calls it in its place in the order. */
export function telemetrySuite(): void {
  describe("telemetry end to end: OTLP, verify, the clients, bad input", () => {
    it("carries a trace from OTLP on the host to Jaeger", async () => {
      await waiting.probeSeen;
    });

    it("passes npm run verify: telemetry round trips and the seed's API tables", async () => {
      const report = await waiting.verifyReport;
      log(`${report}\n`);
      assert.match(report, /FAIL 0,/);
      assert.match(report, /trace via traefik in Jaeger \(by id\)\s+3 spans\s+3 spans\s+ok/);
      assert.match(report, /counter in Prometheus .* ok/);
      // The Loki and Grafana images here are placeholders: reported, never counted as passed.
      assert.match(report, /log in Loki .* NOT VERIFIED \(placeholder\)/);
    });

    it("the Python and Node clients send through the stack, configured by its outputs alone", async () => {
      await waiting.clientsDone;
    });

    it("answers malformed OTLP with a clean 4xx and goes on accepting good data", async () => {
      const restarts = await sh("docker", ["inspect", "-f", "{{.RestartCount}}", `${domain}.otel`]);
      const post = (contentType: string, data: string[]) =>
        curl({
          url: `http://${bind}:${ports.otlpHttp}/v1/traces`,
          extra: ["-H", `Content-Type: ${contentType}`, ...data],
        });
      const big = join(state, "big.json");
      writeFileSync(big, `{"resourceSpans":[],"pad":"${"x".repeat(21 * 1024 * 1024)}"}`);
      const cases: [string, Promise<{ status: number }>][] = [
        ["bad protobuf", post("application/x-protobuf", ["--data-binary", "not a protobuf message"])],
        ["wrong content type", post("text/plain", ["--data-binary", "{}"])],
        ["a 21 MiB body", post("application/json", ["--data-binary", `@${big}`])],
      ];
      for (const [what, res] of cases) {
        const { status } = await res;
        assert.ok(status >= 400 && status < 500, `${what}: ${status}`);
      }
      // Invalid UTF-8 in an attribute: refused or sanitised, never a server error.
      const invalid = join(state, "invalid-utf8.json");
      writeFileSync(
        invalid,
        Buffer.concat([
          Buffer.from('{"resourceSpans":[{"resource":{"attributes":[{"key":"bad","value":{"stringValue":"'),
          Buffer.from([0xc3, 0x28, 0xff]),
          Buffer.from('"}}]},"scopeSpans":[]}]}'),
        ]),
      );
      const utf8 = await post("application/json", ["--data-binary", `@${invalid}`]);
      assert.ok(utf8.status < 500, `invalid UTF-8: ${utf8.status}`);
      assert.equal(await sh("docker", ["inspect", "-f", "{{.RestartCount}}", `${domain}.otel`]), restarts);
      const [id] = await sendTraces({ url: `http://${bind}:${ports.otlpHttp}` }, "e2e-after-bad-input", 1, 3);
      await eventually("a good trace after the bad input", 90, async () => {
        const r = await authed("jaeger", `/api/traces/${id}`);
        return r.status === 200 ? true : undefined;
      });
    });
  });
}
