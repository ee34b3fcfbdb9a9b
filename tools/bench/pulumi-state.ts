/** What the benchmark reads from a stack's state: the files Pulumi uploaded into each container. */
import type { Stack } from "@pulumi/pulumi/automation";
import { run, RunOptions } from "./exec";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** `pulumi stack export --show-secrets` wraps secrets as {sig, plaintext: "<json>"}: unwrap them. */
function unwrap(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrap);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (SECRET_SIG in o) {
      if (typeof o.plaintext !== "string") throw new Error("a secret in the exported state has no plaintext");
      return unwrap(JSON.parse(o.plaintext));
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrap(x)]));
  }
  return v;
}

interface StateResource {
  type: string;
  urn: string;
  parent?: string;
  dependencies?: string[];
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

export interface StateContainer {
  /** Absolute paths of the files Pulumi uploaded into the container. */
  uploads: string[];
  /** Containers that Pulumi creates (and, with `wait: true`, waits healthy for) before this one. */
  dependsOn: string[];
}

const CONTAINER = "docker:index/container:Container";

/**
 * Container name → its uploaded files and the containers it is deployed after, from the state.
 * Read with the CLI because Traefik's uploads are a secret (they carry its private key), which
 * the Automation API's exportStack leaves encrypted.
 */
export async function stackContainers(stack: Stack, opts: RunOptions = {}): Promise<Record<string, StateContainer>> {
  const out = await run("pulumi", ["stack", "export", "--show-secrets", "--stack", stack.name], {
    ...opts,
    logFile: undefined, // it prints the stack's secrets
    cwd: stack.workspace.workDir,
    env: { ...process.env, ...stack.workspace.envVars },
  });
  const state = JSON.parse(out) as { deployment?: { resources?: StateResource[] } };
  const resources = state.deployment?.resources ?? [];
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const ancestors = (urn: string): StateResource[] => {
    const chain: StateResource[] = [];
    for (let r = byUrn.get(urn); r?.parent; r = byUrn.get(r.parent)) {
      const p = byUrn.get(r.parent);
      if (p) chain.push(p);
    }
    return chain;
  };
  const names = new Map<string, string>();
  const result: Record<string, StateContainer> = {};
  for (const r of resources) {
    if (r.type !== CONTAINER) continue;
    const props = unwrap({ ...r.inputs, ...r.outputs }) as { name?: string; uploads?: { file?: string }[] };
    if (!props.name) throw new Error(`${r.urn}: no container name in the state`);
    names.set(r.urn, props.name);
    result[props.name] = {
      uploads: (props.uploads ?? []).map((u) => {
        if (!u.file) throw new Error(`${r.urn}: an upload without a file path`);
        return u.file;
      }),
      dependsOn: [],
    };
  }
  if (names.size === 0) throw new Error(`stack ${stack.name}: no docker containers in its state`);
  // A container waits for every container it, or a component above it, depends on: directly, or
  // as a descendant of a depended-on component.
  for (const [urn, name] of names) {
    const deps = new Set<string>();
    for (const r of [byUrn.get(urn)!, ...ancestors(urn)]) {
      for (const d of r.dependencies ?? []) {
        for (const [other, otherName] of names) {
          if (other !== urn && (other === d || ancestors(other).some((a) => a.urn === d))) deps.add(otherName);
        }
      }
    }
    result[name]!.dependsOn = [...deps].sort();
  }
  return result;
}
