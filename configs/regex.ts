/** A string matched literally inside a Prometheus (RE2) regex, e.g. a Docker network name with dots. */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
