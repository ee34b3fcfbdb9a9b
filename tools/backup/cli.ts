/** What the backup and restore command lines share. */
import { BACKEND_KEYS, type Backend } from "./backends";

/** The value after `flag`, if given. */
export function arg(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** `--only a,b`: the backends to include (undefined: all); an unknown name is an error. */
export function onlyOf(argv: string[]): Backend[] | undefined {
  const v = arg(argv, "--only");
  if (v === undefined) return undefined;
  const names = v.split(",").map((s) => s.trim());
  const bad = names.filter((n) => !(BACKEND_KEYS as string[]).includes(n));
  if (bad.length) throw new Error(`--only ${bad.join(",")}: unknown backend (allowed: ${BACKEND_KEYS.join(", ")})`);
  return names as Backend[];
}

export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Progress goes to stderr, so stdout stays free for scripts. */
export const say = (line: string) => process.stderr.write(`${line}\n`);
