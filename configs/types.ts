/** A file the program uploads into a container (no host bind mount, so a remote Docker host works). */
export interface ConfigFile {
  /** Absolute path inside the container. */
  path: string;
  /** Exact bytes to write; builders must be deterministic so an unchanged stack previews with no diff. */
  content: string;
}

/**
 * A container health check. Durations are written as Go prints them ("30s", "2m0s"): the provider
 * reads them back from the engine in that form, and any other spelling ("120s") is a diff on
 * every preview.
 */
export interface HealthcheckSpec {
  /** Exec-form test run inside the container, e.g. ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:9090/-/ready"]. */
  test: string[];
  interval?: string;
  timeout?: string;
  retries?: number;
  startPeriod?: string;
  /** Probe interval during startPeriod (API 1.44, Engine >= 25): healthy within ~1 s of ready. */
  startInterval?: string;
}

/**
 * A health check that GETs a URL inside the container with busybox wget; for images that ship
 * it (the Prometheus, Jaeger and Grafana images do; scratch/distroless ones do not).
 */
export function wgetCheck(url: string, startPeriod: string): HealthcheckSpec {
  return { test: ["CMD", "wget", "-q", "-O", "/dev/null", url], startPeriod };
}
