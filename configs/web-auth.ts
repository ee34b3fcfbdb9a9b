/**
 * Basic auth on the servers themselves (Prometheus, Alertmanager, Jaeger's query, Traefik's metrics), not only on their
 * Traefik routes. Everything on the stack's network reaches their ports directly: a consumer app
 * joins that network to be routed, and in a swarm every app task on the fleet network does. Without
 * this, any of them could read every series and trace, write series, delete them through
 * Prometheus' admin API, or mute every alert with a silence.
 *
 * Upstream, at the pinned releases:
 * - exporter-toolkit v0.17.1 (the version in Prometheus v3.14.0's go.mod), web/tls_config.go: the
 *   `--web.config.file` key `basic_auth_users` maps each user to a bcrypt hash. web/handler.go
 *   checks every request, /-/ready included, and caches a match, so bcrypt runs once per client.
 * - Prometheus v3.14.0 cmd/promtool/main.go: `promtool check ready --url --http.config.file` for
 *   the health check. common/config HTTPClientConfig `basic_auth.password_file` for the
 *   self-scrape job.
 * - collector-contrib bearertokenauthextension v0.161.0 config.go: `scheme` and `filename`. As a
 *   client it sends `Authorization: <scheme> <file content>` (bearertokenauth.go).
 *
 * - Traefik v3.7.13: `metrics.prometheus.manualRouting` (pkg/observability/types/metrics.go; without
 *   it pkg/provider/traefik/internal.go adds its own unguarded `/metrics` router), and the basicAuth
 *   middleware's `usersFile` of `name:hash` lines (pkg/middlewares/auth/basic_auth.go; "MD5, SHA1, or
 *   BCrypt": docs/content/reference/routing-configuration/http/middlewares/basicauth.md).
 *
 * Each server accepts the operator and the machine clients that call it, each with a login of its
 * own (least privilege: the collector, which parses untrusted OTLP, holds no login Alertmanager
 * or Jaeger's query accepts, so it can neither silence alerts nor read traces):
 * - the operator, with the same bcrypt hash Traefik checks. Traefik's basicAuth middleware
 *   forwards the Authorization header (removeHeader defaults to false), so a request through the
 *   route passes both checks. Jaeger's OTLP receivers take no operator: only the collector writes.
 * - `scaibu-<client>` (STACK_CLIENTS), one generated password each, as CALLERS lists them.
 *   Sources for Alertmanager, Jaeger and Loki: docs/upstream.md.
 */
import { createHash } from "node:crypto";
import type { ConfigFile } from "./types";
import { toYaml } from "./yaml";

/** The stack's machine clients: each holds a login of its own (`scaibu-<client>`). */
export const STACK_CLIENTS = ["collector", "prometheus", "alertmanager", "loki", "grafana"] as const;
export type StackClient = (typeof STACK_CLIENTS)[number];

/** A client's user name; `auth.operatorUser` may take none of them. */
export function stackClientUser(client: StackClient): string {
  return `scaibu-${client}`;
}

/** Who calls each credential-checking surface, besides the operator, and why. */
export const CALLERS = {
  // The OTLP push; its own scrape and health check; the datasource.
  prometheus: ["collector", "prometheus", "grafana"],
  // Prometheus' alerts and scrape; its own health check; Loki's ruler; the datasource.
  alertmanager: ["prometheus", "alertmanager", "loki", "grafana"],
  // Jaeger's query: the datasource.
  jaeger: ["grafana"],
  // Jaeger's OTLP receivers: the collector's push, and nobody else (no operator either).
  jaegerOtlp: ["collector"],
  // Traefik's own metrics (its internal entrypoint, configs/traefik.ts): Prometheus' scrape.
  traefikMetrics: ["prometheus"],
} as const satisfies Record<string, readonly StackClient[]>;
export type CredentialSurface = keyof typeof CALLERS;

/** A login file's kind: its format, and how a machine client's password is hashed in it (clientHash). */
export type LoginFile = "webConfig" | "htpasswd" | "traefikUsers";

/**
 * The file each surface reads its logins from: exporter-toolkit's web config (Prometheus,
 * Alertmanager), an htpasswd (Jaeger's basicauth extension, query and OTLP receivers), or Traefik's
 * basicAuth `usersFile` (htpasswd lines too).
 */
export const LOGIN_FILE = {
  prometheus: "webConfig",
  alertmanager: "webConfig",
  jaeger: "htpasswd",
  jaegerOtlp: "htpasswd",
  traefikMetrics: "traefikUsers",
} as const satisfies Record<CredentialSurface, LoginFile>;

/**
 * How a machine client's password is hashed in `file`. exporter-toolkit caches a match, so bcrypt
 * runs once per client there. basicauth does not: contrib basicauth v0.155.0 `extension.go` hands
 * each request (each gRPC call) to tg123/go-htpasswd `Match`, so bcrypt ran once per batch the
 * collector sent Jaeger (measured: Jaeger's CPU per span 1.8× what it is with `{SHA}`,
 * docs/benchmark.md), and any peer could make Jaeger spend that per guess. The clients' passwords
 * are 32 random letters and digits (190 bits): bcrypt's work factor guards passwords a person can
 * guess, and adds nothing against these. go-htpasswd v1.2.4 and v1.2.5 (`sha.go`, in
 * `DefaultSystems`, which basicauth passes) take `{SHA}` (base64 of SHA-1), compared in
 * constant time. The operator's login stays bcrypt everywhere: it is the one Traefik checks.
 * Traefik's metrics keep bcrypt for Prometheus too: Traefik guards against telling which users
 * exist only when every hash in the file is of one algorithm (v3.7.13 basic_auth.go `notFoundSecret`),
 * and the operator's is bcrypt; bcrypt is also the one form both the pinned release's go-http-auth
 * fork and the local image's older one certainly check (docs/local-images.md). Prometheus scrapes it
 * once per scrape interval, which is all the CPU it costs.
 */
export function clientHash(file: LoginFile, password: string, bcryptHash: string): string {
  return file === "htpasswd" ? `{SHA}${createHash("sha1").update(password).digest("base64")}` : bcryptHash;
}

/** exporter-toolkit's web config: users and their bcrypt hashes, sorted so the bytes are stable. */
export function webConfigYaml(users: Record<string, string>): string {
  const sorted = Object.fromEntries(
    Object.keys(users)
      .sort()
      .map((u) => [u, users[u]!]),
  );
  return toYaml({ basic_auth_users: sorted });
}

/** An htpasswd file of the same users (the collector's basicauth extension, which Jaeger uses). */
export function htpasswdFile(users: Record<string, string>): string {
  return Object.keys(users)
    .sort()
    .map((u) => `${u}:${users[u]!}\n`)
    .join("");
}

/** Prometheus' HTTP client config (promtool `--http.config.file`, a scrape job's `basic_auth`). */
export function stackClientAuth(client: StackClient, passwordFile: string) {
  return { basic_auth: { username: stackClientUser(client), password_file: passwordFile } };
}

/** The header value a client without a basic-auth setting of its own sends: `Basic base64(user:password)`. */
export function basicCredentials(client: StackClient, password: string): string {
  return Buffer.from(`${stackClientUser(client)}:${password}`).toString("base64");
}

/** The client config file promtool or amtool reads in a health check. */
export function stackClientFile(client: StackClient, path: string, passwordFile: string): ConfigFile {
  return { path, content: toYaml(stackClientAuth(client, passwordFile)) };
}
