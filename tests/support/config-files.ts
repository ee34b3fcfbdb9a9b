import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse, stringify } from "yaml";
import type { ConfigFile } from "../../configs/types";

/** Parses YAML strictly (duplicate keys are errors), as the Go programs would. */
export function parseYaml<T = Record<string, unknown>>(content: string): T {
  return parse(content, { uniqueKeys: true, strict: true }) as T;
}

export function fileAt(files: ConfigFile[], path: string): ConfigFile {
  const f = files.find((x) => x.path === path);
  if (!f) throw new Error(`no file at ${path}; have ${files.map((x) => x.path).join(", ")}`);
  return f;
}

/** Writes files under a fresh temp dir at their in-container paths; returns the root. */
export function writeTree(files: ConfigFile[]): string {
  const root = mkdtempSync(join(tmpdir(), "scaibu-configs-"));
  for (const f of files) {
    const p = join(root, f.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, f.content);
  }
  return root;
}

export interface Promtool {
  path: string;
  major: number;
  version: string;
}

const REPO = join(__dirname, "..", "..");

/**
 * The promtool to validate with: $PROMTOOL, else the v3 build from toolchain/promtool.sh
 * (same version as the image), else `promtool` on PATH. Throws (never skips) when there is none.
 */
export function findPromtool(): Promtool {
  const candidates: string[] = [];
  if (process.env.PROMTOOL) candidates.push(process.env.PROMTOOL);
  else {
    const script = join(REPO, "toolchain", "promtool.sh");
    if (existsSync(script)) {
      const r = spawnSync("bash", [script], { encoding: "utf8", timeout: 15 * 60_000 });
      const out = r.stdout.trim();
      if (r.status === 0 && out && existsSync(out)) candidates.push(out);
    }
    candidates.push("promtool");
  }
  for (const path of candidates) {
    const r = spawnSync(path, ["--version"], { encoding: "utf8" });
    if (r.status === 0) {
      const text = `${r.stdout}${r.stderr}`;
      const m = /version (\d+)\.(\d+)\.(\d+)/.exec(text);
      if (!m) throw new Error(`cannot read the version of ${path}: ${text}`);
      return { path, major: Number(m[1]), version: `${m[1]}.${m[2]}.${m[3]}` };
    }
    if (process.env.PROMTOOL) throw new Error(`PROMTOOL=${path} does not run: ${r.error?.message ?? r.stderr}`);
  }
  throw new Error(
    "promtool not found: set PROMTOOL, or make toolchain/promtool.sh work, or install it " +
      "(apt-get install -y prometheus gives 2.x). The Prometheus config tests need the real binary.",
  );
}

/**
 * A rule unit-test file's content with one test group on `ruleFile`: rules evaluated and series
 * sampled every minute, as every rules test here uses them.
 */
export function alertTests(ruleFile: string, group: { input_series: object[]; alert_rule_test: object[] }): object {
  return { rule_files: [ruleFile], evaluation_interval: "1m", tests: [{ interval: "1m", ...group }] };
}

/** `promtool test rules` on `tests` (a rule unit-test file's content), written as `root/name`. */
export function promtoolTestRules(
  promtool: Promtool,
  root: string,
  name: string,
  tests: object,
): { status: number; output: string } {
  const file = join(root, name);
  writeFileSync(file, stringify(tests));
  return run(promtool.path, ["test", "rules", file]);
}

export function run(cmd: string, args: string[]): { status: number; output: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return { status: r.status ?? -1, output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

/** Replaces Grafana's template variables with values the PromQL parser accepts. */
export function withGrafanaVariables(expr: string): string {
  return expr
    .replace(/\$__(rate_interval|interval|range)\b/g, "5m")
    .replace(/\$\{[^}]+\}/g, "x")
    .replace(/\$[A-Za-z_]\w*/g, "x");
}

/**
 * Parses PromQL with the real Prometheus parser: each expression becomes a recording rule that
 * `promtool check rules` must accept. Returns promtool's output on failure, undefined when all parse.
 */
export function promqlErrors(promtool: Promtool, exprs: readonly string[]): string | undefined {
  const rules = { groups: [{ name: "parse", rules: exprs.map((expr, i) => ({ record: `parse:expr_${i}`, expr })) }] };
  const root = writeTree([{ path: "/rules.yml", content: stringify(rules) }]);
  const r = run(promtool.path, ["check", "rules", join(root, "rules.yml")]);
  return r.status === 0 ? undefined : r.output;
}

/**
 * amtool (the Alertmanager build of toolchain/amtool.sh), and alertmanager beside it: $AMTOOL,
 * else that build. Throws (never skips) when there is none.
 */
export function findAmtool(): { amtool: string; alertmanager: string; version: string } {
  let path = process.env.AMTOOL;
  if (!path) {
    const r = spawnSync("bash", [join(REPO, "toolchain", "amtool.sh")], { encoding: "utf8", timeout: 15 * 60_000 });
    path = r.stdout.trim();
    if (r.status !== 0 || !path) throw new Error(`amtool not found: toolchain/amtool.sh failed:\n${r.stderr}`);
  }
  const v = spawnSync(path, ["--version"], { encoding: "utf8" });
  const m = /version (\d+\.\d+\.\d+)/.exec(`${v.stdout}${v.stderr}`);
  if (v.status !== 0 || !m) throw new Error(`${path} does not run: ${v.stderr}`);
  return { amtool: path, alertmanager: join(dirname(path), "alertmanager"), version: m[1]! };
}

/**
 * A bcrypt hash and its password, as exporter-toolkit v0.17.1 web/handler.go writes them down (its
 * fixed hash of "fakepassword"): Node has no bcrypt, and the pair is public.
 */
export const KNOWN_BCRYPT = {
  password: "fakepassword",
  hash: "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi",
};
