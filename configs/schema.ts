/** Schema pieces shared by the per-service settings (each lives next to its builder). */
import { z } from "zod";

/** A DNS label: what may stand on either side of the dot in `scaibu.<service>`. */
export const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a lowercase DNS label (a-z, 0-9, '-', 1-63 chars)");

export const dockerName = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/, "must be a Docker object name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)");

const UNIT_MS: Record<string, number> = { ms: 1, s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5, y: 31536e6 };

/** Milliseconds in a Prometheus duration such as 1h30m. */
export function durationMs(d: string): number {
  let total = 0;
  for (const [, n, unit] of d.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(n) * UNIT_MS[unit!]!;
  return total;
}

/** A Prometheus duration such as 30s, 15d or 1h30m. */
export const duration = z
  .string()
  .regex(/^(\d+(ms|s|m|h|d|w|y))+$/, "must be a Prometheus duration such as 15d, 720h or 1w");

/** A whole number of hours between `min` and 100 years. */
export const hours = (min: number) => z.number().int().min(min).max(876000);

/**
 * A secret config value (`pulumi config set --secret`), validated as a string. The schema only
 * marks it: the loader never prints its value in an error, and components/settings.ts turns it
 * into a Pulumi secret before anything reads it, so it never lands in state or outputs in
 * plaintext, however it was set. (configs/ stays free of @pulumi/pulumi: pure builders.)
 */
export const secretString = (minLength: number) => z.string().min(minLength).meta({ secret: true }); // the loader never prints a secret's value in an error
