/** The stack outputs the tools (verify, status) read: with the Pulumi CLI, or from a JSON file. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import type { Target } from "@scaibu/observability-devkit";

export interface StackOutputs {
  urls: Record<string, string>;
  otlp: { http: string; https?: string };
  caCertPem: string;
  etcHosts: string;
  operator: { user: string; password: string };
  grafanaAdmin?: { user: string; password: string };
  otlpToken?: string;
  /** Carries the stack's `<project>/<stack>` label (unset without Traefik). */
  routing?: { label: { key: string; value: string } };
}

/** `--outputs FILE` (what `pulumi stack output --json --show-secrets` prints), else the CLI. */
export function readOutputs(argv: string[]): StackOutputs {
  const file = argv[argv.indexOf("--outputs") + 1];
  if (argv.includes("--outputs") && file) return JSON.parse(readFileSync(file, "utf8")) as StackOutputs;
  const stack = argv.includes("--stack") ? ["--stack", argv[argv.indexOf("--stack") + 1]!] : [];
  const json = execFileSync("pulumi", ["stack", "output", "--json", "--show-secrets", ...stack], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  return JSON.parse(json) as StackOutputs;
}

/** HTTPS to the stack's hosts with its CA, pinned to the address its etcHosts line names. */
export function targetOf(out: StackOutputs): Target {
  return {
    ca: out.caCertPem,
    address: out.etcHosts.split(/\s+/)[0]!,
    hosts: Object.values(out.urls).map((u) => new URL(u).hostname),
  };
}

/**
 * The stack's `domain`: the first label of its hosts (`scaibu` in `scaibu.prometheus`), from its
 * URLs, or from its etcHosts line when Traefik is off (no URLs then).
 */
export function domainOf(out: StackOutputs): string {
  const host = Object.values(out.urls)[0]
    ? new URL(Object.values(out.urls)[0]!).hostname
    : out.etcHosts.split(/\s+/)[1];
  return (host ?? "scaibu.x").split(".")[0]!;
}
