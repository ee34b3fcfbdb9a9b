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
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

/**
 * Container name → paths of the files uploaded into it (`uploads` of each docker.Container).
 * Read with the CLI because Traefik's uploads are a secret (they carry its private key), which
 * the Automation API's exportStack leaves encrypted.
 */
export async function uploadedFiles(stack: Stack, opts: RunOptions = {}): Promise<Record<string, string[]>> {
  const out = await run("pulumi", ["stack", "export", "--show-secrets", "--stack", stack.name], {
    ...opts,
    logFile: undefined, // it prints the stack's secrets
    cwd: stack.workspace.workDir,
    env: { ...process.env, ...stack.workspace.envVars },
  });
  const state = JSON.parse(out) as { deployment?: { resources?: StateResource[] } };
  const result: Record<string, string[]> = {};
  for (const r of state.deployment?.resources ?? []) {
    if (r.type !== "docker:index/container:Container") continue;
    const props = unwrap({ ...r.inputs, ...r.outputs }) as { name?: string; uploads?: { file?: string }[] };
    if (!props.name) throw new Error(`${r.urn}: no container name in the state`);
    result[props.name] = (props.uploads ?? []).map((u) => {
      if (!u.file) throw new Error(`${r.urn}: an upload without a file path`);
      return u.file;
    });
  }
  if (Object.keys(result).length === 0) throw new Error(`stack ${stack.name}: no docker containers in its state`);
  return result;
}
