import * as pulumi from "@pulumi/pulumi";
import { OTEL_OTLP_GRPC_PORT, OTEL_OTLP_HTTP_PORT } from "../configs/otel-collector";
import { externalUrl } from "../configs/urls";
import { Certificates } from "./certificates";
import { CommonServiceArgs, Hosts, hostsFor, ServiceName, SERVICE_NAMES } from "./common";
import { Grafana } from "./grafana";
import { Jaeger } from "./jaeger";
import { Loki } from "./loki";
import { NETWORK_ROLES, NetworkRole, Networks } from "./networks";
import { OtelCollector } from "./otel-collector";
import { Prometheus } from "./prometheus";
import type { ServiceKey, Settings } from "./settings";
import { Traefik } from "./traefik";

export interface ObservabilityStackArgs {
  settings: Settings;
  /** Marks every container of this stack; Traefik routes only containers carrying it. */
  stackLabel: string;
}

/** Which settings entry enables which routed service. */
const SETTINGS_KEY: Record<ServiceName, ServiceKey> = {
  traefik: "traefik",
  otel: "otelCollector",
  loki: "loki",
  prometheus: "prometheus",
  jaeger: "jaeger",
  grafana: "grafana",
};

export interface NetworkOutput {
  name: pulumi.Output<string>;
  id: pulumi.Output<string>;
}

/** The whole platform: networks, certificates, gateway and the five telemetry services. */
export class ObservabilityStack extends pulumi.ComponentResource {
  readonly hosts: Hosts;
  readonly networks: Networks;
  readonly certificates: Certificates;
  readonly traefik?: Traefik;
  readonly collector?: OtelCollector;
  readonly loki?: Loki;
  readonly prometheus?: Prometheus;
  readonly jaeger?: Jaeger;
  readonly grafana?: Grafana;

  /** https URL per enabled, routed service. */
  readonly urls: Partial<Record<ServiceName, string>>;
  readonly otlp: { grpc: string; http: string; internalGrpc: string; internalHttp: string; https?: string } | undefined;
  readonly networkOutputs: Record<NetworkRole, NetworkOutput>;
  readonly etcHosts: string;

  constructor(name: string, args: ObservabilityStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:ObservabilityStack", name, {}, opts);
    const s = args.settings;
    const enabled = (svc: ServiceName) => s.services[SETTINGS_KEY[svc]].enabled;
    this.hosts = hostsFor(s.domain);

    this.networks = new Networks(
      `${name}-networks`,
      {
        names: Object.fromEntries(NETWORK_ROLES.map((r) => [r, s.networks[r].name])) as Record<NetworkRole, string>,
        observabilitySubnet: s.networks.observability.subnet,
        stackLabel: args.stackLabel,
      },
      { parent: this },
    );
    this.networkOutputs = Object.fromEntries(
      NETWORK_ROLES.map((r) => [r, { name: this.networks.names[r], id: this.networks.ids[r] }]),
    ) as Record<NetworkRole, NetworkOutput>;

    const routed = SERVICE_NAMES.filter(enabled);
    this.certificates = new Certificates(
      `${name}-certs`,
      {
        dnsNames: [...routed.map((svc) => this.hosts[svc]), `*.${s.domain}`],
        caCommonName: `${s.domain} observability local CA`,
        organization: s.certificate.organization,
        caValidityHours: s.certificate.caValidityHours,
        validityHours: s.certificate.validityHours,
      },
      { parent: this },
    );

    const common = (svc: ServiceKey): CommonServiceArgs => ({
      image: s.services[svc].image,
      memoryMb: s.services[svc].memoryMb,
      keepImage: s.keepImages,
      retainVolumes: s.keepDataVolumes,
      networks: [this.networks.names.observability],
      stackLabel: args.stackLabel,
      hosts: this.hosts,
      volumePrefix: s.domain,
      logRotation: s.logRotation,
      httpsPort: s.ports.https,
    });
    const child = { parent: this };

    // Backends first: each waits until healthy, so the collector and Grafana start against live peers.
    if (enabled("loki")) {
      this.loki = new Loki(`${name}-loki`, { ...common("loki"), retentionHours: s.loki.retentionHours }, child);
    }
    if (enabled("prometheus")) {
      this.prometheus = new Prometheus(
        `${name}-prometheus`,
        {
          ...common("prometheus"),
          ...s.prometheus,
          dockerSocket: s.dockerSocket,
          networkName: s.networks.observability.name,
          scrapeHosts: Object.fromEntries(routed.map((svc) => [svc, this.hosts[svc]])),
        },
        child,
      );
    }
    if (enabled("jaeger")) {
      this.jaeger = new Jaeger(`${name}-jaeger`, { ...common("jaeger"), ...s.jaeger }, child);
    }
    const backends = [this.loki, this.prometheus, this.jaeger].flatMap((b) => (b ? [b.service.container] : []));

    if (enabled("otel")) {
      this.collector = new OtelCollector(
        `${name}-otel`,
        {
          ...common("otelCollector"),
          bindAddress: s.bindAddress,
          grpcPort: s.ports.otlpGrpc,
          httpPort: s.ports.otlpHttp,
          collectDockerLogs: s.collectDockerLogs,
          resourceAttributes: s.resourceAttributes,
        },
        { parent: this, dependsOn: backends },
      );
    }
    if (enabled("grafana")) {
      this.grafana = new Grafana(
        `${name}-grafana`,
        { ...common("grafana"), adminUser: s.grafana.adminUser },
        { parent: this, dependsOn: backends },
      );
    }
    if (enabled("traefik")) {
      this.traefik = new Traefik(
        `${name}-traefik`,
        {
          ...common("traefik"),
          networkName: this.networks.names.observability,
          bindAddress: s.bindAddress,
          httpPort: s.ports.http,
          httpsPort: s.ports.https,
          dockerSocket: s.dockerSocket,
          serverCertPem: this.certificates.serverCertPem,
          serverKeyPem: this.certificates.serverKeyPem,
        },
        child,
      );
    }

    this.urls = enabled("traefik")
      ? Object.fromEntries(routed.map((svc) => [svc, externalUrl(this.hosts[svc], s.ports.https)]))
      : {};
    const hostAddr = s.bindAddress.includes(":") ? `[${s.bindAddress}]` : s.bindAddress; // IPv6 in URLs needs brackets
    this.otlp = enabled("otel")
      ? {
          grpc: `http://${hostAddr}:${s.ports.otlpGrpc}`,
          http: `http://${hostAddr}:${s.ports.otlpHttp}`,
          internalGrpc: `http://${this.hosts.otel}:${OTEL_OTLP_GRPC_PORT}`,
          internalHttp: `http://${this.hosts.otel}:${OTEL_OTLP_HTTP_PORT}`,
          https: this.urls.otel,
        }
      : undefined;
    this.etcHosts = `${s.bindAddress} ${routed.map((svc) => this.hosts[svc]).join(" ")}`;

    this.registerOutputs({
      urls: this.urls,
      otlp: this.otlp,
      etcHosts: this.etcHosts,
      caCertPem: this.certificates.caCertPem,
    });
  }
}
