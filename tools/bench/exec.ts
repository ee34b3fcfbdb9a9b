/** Child processes for the benchmark: captured output, a log file, loud errors, and a clock. */
import { spawn } from "node:child_process";
import { appendFileSync } from "node:fs";

export interface RunOptions {
  /** Append the command and its output here (stdout of the benchmark stays for the table). */
  logFile?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the command (SIGTERM, then SIGKILL) after this long. */
  timeoutMs?: number;
  /** Also stream stderr to ours (progress of the long toolchain scripts). */
  passStderr?: boolean;
  /** Aborting sends the command SIGINT (compose then stops what it started). */
  signal?: AbortSignal;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly code: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    const tail = (stderr.trim() || stdout.trim()).split("\n").slice(-25).join("\n");
    super(`\`${command}\` exited with ${code === null ? "a signal/timeout" : `code ${code}`}:\n${tail}`);
  }
}

const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
export const commandLine = (cmd: string, args: string[]) => [cmd, ...args].map(quote).join(" ");

/** Runs a command to completion; resolves with its stdout, rejects with a CommandError. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  const line = commandLine(cmd, args);
  if (opts.logFile) appendFileSync(opts.logFile, `\n$ ${line}\n`);
  if (opts.signal?.aborted) return Promise.reject(new Error(`not started (interrupted): ${line}`));
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => {
      out.push(b);
      if (opts.logFile) appendFileSync(opts.logFile, b);
    });
    child.stderr.on("data", (b: Buffer) => {
      err.push(b);
      if (opts.logFile) appendFileSync(opts.logFile, b);
      if (opts.passStderr) process.stderr.write(b);
    });
    opts.signal?.addEventListener("abort", () => child.kill("SIGINT"), { once: true });
    let killer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs) {
      killer = setTimeout(() => {
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
      }, opts.timeoutMs);
    }
    child.on("error", (e) => {
      if (killer) clearTimeout(killer);
      reject(new Error(`cannot run \`${line}\`: ${e.message}`));
    });
    child.on("close", (code) => {
      if (killer) clearTimeout(killer);
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (code === 0) resolve(stdout);
      else reject(new CommandError(line, code, stdout, stderr));
    });
  });
}

/** Non-empty output lines. */
export async function lines(cmd: string, args: string[], opts?: RunOptions): Promise<string[]> {
  return (await run(cmd, args, opts))
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
}

/** Wall-clock seconds of `fn`, with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, value };
}
