import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { bind, config, domain, image, ports, project, repo, sendTelemetry } from "@scaibu/observability-devkit";
import { eventually, lines, sh } from "../shell";
import { authed, caFile, live, log, outputsFile, promQueryAnswers, stackLabel, state, traceInJaeger } from "../fixture";

/** A backup tool (tools/backup) against the stack: its exit code and what it printed. */
const tool = (script: "index" | "restore", args: string[]) =>
  new Promise<{ code: number; out: string }>((resolve) =>
    execFile(
      "node",
      [
        "-r",
        "@scaibu/observability-loader",
        join(repo, `tools/backup/${script}.ts`),
        "--outputs",
        outputsFile(),
        ...args,
      ],
      { maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    ),
  );

/** A file on a volume, read or written by a throwaway container as the volume's owner. */
const onVolume = (volume: string, user: string, script: string) =>
  sh("docker", [
    "run",
    "--rm",
    "--network",
    "none",
    "--user",
    user,
    "--cap-drop",
    "ALL",
    "-v",
    `${volume}:/d`,
    "--entrypoint",
    "/bin/sh",
    image("prometheus"),
    "-c",
    script,
  ]);

const BACKENDS = ["prometheus", "loki", "jaeger", "grafana", "alertmanager"];
/** The placeholders' volumes get a marker: their content is proven, not their program's use of it. */
const MARKED = { loki: "10001:10001", grafana: "472:0" } as const;

/** Registers the suite; tests/e2e/run.test.ts calls it in its place in the order. */
export function day2Suite(): void {
  describe("day 2: backup, restore, upgrade", () => {
    const dir = join(state, "backup");
    const run = `backup-${process.pid}`;
    let sent: { traceId: string; spans: number };
    let silenceId: string;
    const startedAt = () =>
      Promise.all(BACKENDS.map((b) => sh("docker", ["inspect", "-f", "{{.State.StartedAt}}", `${domain}.${b}`])));

    // Anonymous volumes nobody uses: the helpers' image declares one, and none may be left behind.
    const dangling = () => lines("docker", ["volume", "ls", "-q", "--filter", "dangling=true"]);
    let danglingBefore: string[] = [];

    it("backs up every backend: Prometheus by an online snapshot, the others stopped around the copy", async () => {
      danglingBefore = await dangling();
      sent = await sendTelemetry({ url: `http://${bind}:${ports.otlpHttp}` }, run, "backup");
      await traceInJaeger("the trace to back up", sent.traceId, sent.spans, "scaibu-verify");
      await promQueryAnswers("the counter to back up", `sum(scaibu_verify_checks_total{run="${run}"})`, "1");
      const silence = await authed("alertmanager", "/api/v2/silences", [
        "-X",
        "POST",
        "-H",
        "Content-Type: application/json",
        "-d",
        JSON.stringify({
          matchers: [{ name: "alertname", value: "E2eBackupProbe", isRegex: false }],
          startsAt: new Date().toISOString(),
          endsAt: new Date(Date.now() + 4 * 3600_000).toISOString(),
          createdBy: "e2e",
          comment: run,
        }),
      ]);
      assert.equal(silence.status, 200, silence.body);
      silenceId = (JSON.parse(silence.body) as { silenceID: string }).silenceID;
      for (const [svc, user] of Object.entries(MARKED)) {
        await onVolume(`${domain}-${svc}-data`, user, `echo ${run} > /d/e2e-backup-marker`);
      }
      const r = await tool("index", ["--out", dir]);
      log(`${r.out}\n`);
      assert.equal(r.code, 0, r.out);
      const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as {
        stack: string;
        backends: Record<string, { method: string; image: string; entries: number }>;
      };
      assert.equal(manifest.stack, stackLabel);
      assert.deepEqual(Object.keys(manifest.backends).sort(), [...BACKENDS].sort());
      assert.equal(manifest.backends.prometheus!.method, "tsdb-snapshot");
      for (const b of BACKENDS.filter((x) => x !== "prometheus"))
        assert.equal(manifest.backends[b]!.method, "stopped-copy");
      assert.equal(manifest.backends.jaeger!.image, image("jaeger"));
      // The snapshot does not stay on the volume (its hard links would keep deleted blocks).
      assert.equal(
        await onVolume(`${domain}-prometheus-data`, "65534:65534", "ls -A /d/snapshots 2>/dev/null | wc -l"),
        "0",
      );
    });

    it("refuses to back up into a directory that is not empty", async () => {
      const r = await tool("index", ["--out", dir]);
      assert.equal(r.code, 1);
      assert.match(r.out, /is not empty: back up into a new or empty directory/);
    });

    it("refuses a corrupt, a truncated and a foreign backup before touching the stack", async () => {
      const before = await startedAt();
      const variant = (name: string, change: (d: string) => void) => {
        const d = join(state, `backup-${name}`);
        cpSync(dir, d, { recursive: true });
        change(d);
        return d;
      };
      const cases: [string, string, RegExp][] = [
        [
          "corrupt",
          variant("corrupt", (d) => {
            const f = join(d, "jaeger.tar.gz");
            const b = readFileSync(f);
            b[b.length >> 1]! ^= 0xff;
            writeFileSync(f, b);
          }),
          /refused, nothing was written: jaeger\.tar\.gz \(jaeger\): sha256 .* \(corrupt\)/,
        ],
        [
          "truncated",
          variant("truncated", (d) => truncateSync(join(d, "loki.tar.gz"), 100)),
          /refused, nothing was written: loki\.tar\.gz \(loki\): 100 bytes/,
        ],
        [
          "foreign",
          variant("foreign", (d) => writeFileSync(join(d, "manifest.json"), JSON.stringify({ format: "velero" }))),
          /refused, nothing was written: .*format "velero".*a foreign archive/,
        ],
      ];
      for (const [what, d, message] of cases) {
        const r = await tool("restore", ["--from", d]);
        assert.equal(r.code, 1, `${what}: ${r.out}`);
        assert.match(r.out, message, what);
      }
      assert.deepEqual(await startedAt(), before, "no backend was stopped");
      assert.equal(await onVolume(`${domain}-loki-data`, "10001:10001", "cat /d/e2e-backup-marker"), run);
    });

    it("restores every item into the stack re-created on empty volumes", async () => {
      await live.stack.destroy({ onOutput: log });
      assert.deepEqual(
        await lines("docker", ["volume", "ls", "-q", "--filter", `label=io.scaibu.stack=${stackLabel}`]),
        [],
        "keepDataVolumes: false removes every volume",
      );
      live.outputs = (await live.stack.up({ onOutput: log })).outputs;
      writeFileSync(caFile, live.outputs.caCertPem!.value as string);
      live.operator = live.outputs.operator!.value as typeof live.operator;
      // Jaeger's own "not found" (JSON), not Traefik's 404 for a route it has not added yet:
      // jaegertracing/jaeger@v1.76.0 (v2.13.0) cmd/query/app/http_handler.go handleError answers
      // ErrTraceNotFound ("trace not found", internal/storage/v1/api/spanstore/interface.go) as a JSON 404.
      const empty = await eventually("Jaeger answers for the trace", 60, async () => {
        const r = await authed("jaeger", `/api/traces/${sent.traceId}`);
        return r.status === 404 && r.body.trimStart().startsWith("{") ? r : undefined;
      });
      assert.match(empty.body, /not found/, "the new stack starts empty");

      const r = await tool("restore", ["--from", dir]);
      log(`${r.out}\n`);
      assert.equal(r.code, 0, r.out);
      await traceInJaeger("the trace, restored", sent.traceId, sent.spans, "scaibu-verify");
      await promQueryAnswers(
        "the counter, restored",
        `max(max_over_time(scaibu_verify_checks_total{run="${run}"}[3h]))`,
        "1",
      );
      // Traefik drops a route while its container is down and adds it back once healthy: ask until it answers.
      const restored = await eventually("the silence, restored", 60, async () => {
        const r = await authed("alertmanager", "/api/v2/silences");
        if (r.status !== 200) return undefined;
        type Silence = { id: string; comment: string; status: { state: string } };
        return (JSON.parse(r.body) as Silence[]).find((s) => s.comment === run);
      });
      assert.equal(restored?.id, silenceId, "the silence, with its id");
      assert.equal(restored?.status.state, "active");
      for (const [svc, user] of Object.entries(MARKED)) {
        assert.equal(await onVolume(`${domain}-${svc}-data`, user, "cat /d/e2e-backup-marker"), run, svc);
      }
      log(
        "NOT VERIFIED (placeholder)  Loki: log lines after a restore; Grafana: a dashboard after a restore (their volumes' bytes are proven)\n",
      );
      // Backup, the refusals, destroy, up and restore left no anonymous volume behind.
      const left = (await dangling()).filter((v) => !danglingBefore.includes(v));
      assert.deepEqual(left, [], "no helper volume left");
    });

    it("upgrades Jaeger by its image tag alone: preview names exactly that replacement, up keeps the volume and the data", async () => {
      const next = "scaibu-e2e/jaeger:next";
      await sh("bash", [
        "-c",
        `printf 'FROM %s\\nLABEL org.opencontainers.image.version=next\\n' '${image("jaeger")}' | DOCKER_BUILDKIT=0 docker build -q -t ${next} -`,
      ]);
      const volume = `${domain}-jaeger-data`;
      const created = await sh("docker", ["volume", "inspect", "-f", "{{.CreatedAt}}", volume]);
      const oldId = await sh("docker", ["inspect", "-f", "{{.Id}}", `${domain}.jaeger`]);
      const services = config.services as Record<string, { image: string }>;
      const setJaeger = (img: string) =>
        live.stack.setConfig(`${project}:services`, {
          value: JSON.stringify({ ...services, jaeger: { image: img } }),
        });
      await setJaeger(next);
      try {
        // A replacement shows as replace, create-replacement and delete-replaced steps of one resource.
        // The dynamic provider (the network guards) is handed the stack's config: it updates, replacing nothing.
        const changed = new Map<string, Set<string>>();
        await live.stack.preview({
          onOutput: log,
          onEvent: (e) => {
            const m = e.resourcePreEvent?.metadata;
            if (!m || m.op === "same" || m.op === "read") return;
            if (m.op === "update" && m.type.startsWith("pulumi:providers:")) return;
            const name = m.urn.split("::").pop()!;
            changed.set(name, (changed.get(name) ?? new Set()).add(m.op));
          },
        });
        assert.deepEqual([...changed.keys()].sort(), [
          "observability-jaeger-service",
          "observability-jaeger-service-image",
          "observability-stats-resync",
        ]);
        // The docker_stats resync updates with the replaced container's id; it replaces nothing.
        assert.deepEqual([...changed.get("observability-stats-resync")!], ["update"]);
        changed.delete("observability-stats-resync");
        for (const [name, ops] of changed) {
          assert.ok(ops.has("replace"), `${name} is replaced: ${[...ops].join(", ")}`);
          for (const op of ops) assert.match(op, /^(replace|create-replacement|delete-replaced)$/, `${name}: ${op}`);
        }
        live.outputs = (await live.stack.up({ onOutput: log })).outputs;
        assert.notEqual(await sh("docker", ["inspect", "-f", "{{.Id}}", `${domain}.jaeger`]), oldId, "replaced");
        assert.match(await sh("docker", ["inspect", "-f", "{{.Config.Image}}", `${domain}.jaeger`]), /^sha256:/);
        assert.equal(
          await sh("docker", ["volume", "inspect", "-f", "{{.CreatedAt}}", volume]),
          created,
          "the same volume",
        );
        await traceInJaeger("the trace after the upgrade", sent.traceId, sent.spans, "scaibu-verify");
      } finally {
        await setJaeger(image("jaeger"));
        live.outputs = (await live.stack.up({ onOutput: log })).outputs;
        await sh("docker", ["rmi", next]).catch(() => "");
      }
      rmSync(dir, { recursive: true, force: true });
    });
  });
}
