/**
 * Alerts before a certificate of the stack expires.
 * - The server certificate, as Traefik serves it: `traefik_tls_certs_not_after{cn,serial,sans}`,
 *   the notAfter (unix seconds) of every certificate in its default store, the file provider's
 *   included (traefik v3.7.13 pkg/observability/metrics/prometheus.go, cmd/traefik/traefik.go
 *   appendCertMetric, pkg/tls/tlsmanager.go GetServerCertificates).
 * - The CA, which nothing serves, Jaeger's OTLP certificate and a swarm's mTLS pair (the gateway's
 *   server certificate and the node agents' client one), whose servers export no expiry metric:
 *   their notAfter comes from the program (the tls provider's `validityEndTime`) into a rule of
 *   their own, so the file changes only when one of them does. Each is issued beside Traefik's but
 *   replaced on its own (a new route renews Traefik's alone), so its end can come first. When the
 *   swarm's pair expires, every node's agents stop reaching the gateway at once.
 * An `up` inside a certificate's renewal window replaces it (configs: certificate.*, README
 * "Certificates"); these alerts say an `up` is due.
 */
import { capFor, PROMETHEUS_RULES_DIR, type AlertingRule, type RulesFile } from "./prometheus-rules";
import type { ConfigFile } from "./types";
import { toYaml } from "./yaml";

export const CERTIFICATE_RULES_PATH = `${PROMETHEUS_RULES_DIR}/certificate-alerts.yml`;
const DAY = 86400;

const expiry = (
  name: string,
  left: string,
  days: number,
  severity: AlertingRule["labels"]["severity"],
  what: string,
): AlertingRule => ({
  alert: name,
  expr: `${left} < ${days * DAY}`,
  for: "10m",
  labels: { severity },
  annotations: {
    summary: `${what} expires in less than ${days} days`,
    description: `${what} expires in {{ $value | humanizeDuration }}. Run \`pulumi up\`: it renews a certificate in its renewal window (README "Certificates").`,
  },
});

/** Unix seconds of a validity end (RFC 3339, as the tls provider gives it), or an error naming it. */
function secondsOf(key: string, notAfter: string): number {
  const seconds = Math.floor(Date.parse(notAfter) / 1000);
  if (!Number.isFinite(seconds)) throw new Error(`certificate-rules: ${key} is not a time: ${notAfter}`);
  return seconds;
}

/** The validity ends (RFC 3339, as the tls provider gives them) of the certificates the stack has beside the CA's. */
export interface CertificateEnds {
  /** Jaeger's OTLP certificate, when it has one. */
  jaeger?: string;
  /** The earlier end of a swarm's gateway and agent certificates (fleet.mode swarm). */
  fleet?: string;
}

/** The rules file; `caNotAfter` is the CA's validity end. */
export function certificateRules(caNotAfter: string, ends: CertificateEnds = {}): RulesFile {
  const server = "min by (cn, serial) (traefik_tls_certs_not_after) - time()";
  const ca = `vector(${secondsOf("caNotAfter", caNotAfter)} - time())`;
  const left = (key: keyof CertificateEnds) => {
    const end = ends[key];
    return end && `vector(${secondsOf(`${key}NotAfter`, end)} - time())`;
  };
  const jaeger = left("jaeger");
  const jaegerWhat = "Jaeger's OTLP certificate (the collector's push)";
  const fleet = left("fleet");
  const fleetWhat = "The swarm's mTLS certificates (every node's agents to the gateway)";
  return {
    groups: [
      {
        name: "scaibu-certificates",
        rules: [
          expiry(
            "ServerCertificateExpiresSoon",
            server,
            30,
            "warning",
            "The certificate Traefik serves ({{ $labels.cn }})",
          ),
          expiry(
            "ServerCertificateExpiring",
            server,
            7,
            "critical",
            "The certificate Traefik serves ({{ $labels.cn }})",
          ),
          expiry("CaCertificateExpiresSoon", ca, 30, "warning", "The stack's CA"),
          expiry("CaCertificateExpiring", ca, 7, "critical", "The stack's CA"),
          ...(jaeger
            ? [
                expiry("JaegerCertificateExpiresSoon", jaeger, 30, "warning", jaegerWhat),
                expiry("JaegerCertificateExpiring", jaeger, 7, "critical", jaegerWhat),
              ]
            : []),
          ...(fleet
            ? [
                expiry("FleetCertificateExpiresSoon", fleet, 30, "warning", fleetWhat),
                expiry("FleetCertificateExpiring", fleet, 7, "critical", fleetWhat),
              ]
            : []),
        ],
      },
    ],
  };
}

/** The rules file, every `for` capped at `maxFor` when given (`alerting.maxFor`). */
export function certificateRulesFile(caNotAfter: string, maxFor?: string, ends: CertificateEnds = {}): ConfigFile {
  return {
    path: CERTIFICATE_RULES_PATH,
    content: toYaml(capFor(certificateRules(caNotAfter, ends), maxFor)),
  };
}

/** The earlier of two validity ends (RFC 3339). */
export function earlierEnd(a: string, b: string): string {
  return Date.parse(b) < Date.parse(a) ? b : a;
}
