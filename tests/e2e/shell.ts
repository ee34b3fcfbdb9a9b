import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Runs a command and returns its stdout; throws with stderr on a non-zero exit. */
export async function sh(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await run(cmd, args, { maxBuffer: 16 * 1024 * 1024, env: env ?? process.env });
  return stdout.trim();
}

export async function lines(cmd: string, args: string[]): Promise<string[]> {
  const out = await sh(cmd, args);
  return out ? out.split("\n") : [];
}

export async function health(container: string): Promise<string> {
  return sh("docker", ["inspect", "-f", "{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}", container]);
}

/** Polls until `probe` returns a value, or fails after `seconds` with the last error. */
export async function eventually<T>(what: string, seconds: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds}s (last error: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

export interface CurlResult {
  status: number;
  body: string;
  headers: string;
}

/** HTTPS through Traefik with the stack's CA, resolving the service host to the bind address. */
export async function curl(args: {
  url: string;
  resolve?: string;
  cacert?: string;
  extra?: string[];
}): Promise<CurlResult> {
  const opts = ["-sS", "--max-time", "15", "-D", "-", "-o", "-", "-w", "\n%{http_code}"];
  if (args.resolve) opts.push("--resolve", args.resolve);
  if (args.cacert) opts.push("--cacert", args.cacert);
  const out = await sh("curl", [...opts, ...(args.extra ?? []), args.url]);
  const status = Number(out.slice(out.lastIndexOf("\n") + 1));
  const rest = out.slice(0, out.lastIndexOf("\n"));
  const split = rest.indexOf("\r\n\r\n");
  return { status, headers: rest.slice(0, split), body: rest.slice(split + 4) };
}

/** curl's arguments to print only the HTTP status code (10 s at most), for a request's URL after them. */
export const STATUS_ONLY = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10"];
