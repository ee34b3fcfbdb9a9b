import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as random from "@pulumi/random";
import { CATALOG, hostsFor, ROUTED_KEYS, type Hosts, type ServiceHost, type ServiceKey } from "../configs/catalog";
import { privilegesFor } from "../configs/privileges";
import { consumerHostNames, stackEndpoints, type OtlpEndpoints } from "../configs/endpoints";
import { deliversAlerts } from "../configs/alertmanager";
import { Alertmanager } from "./alertmanager";
import { Certificates } from "./certificates";
import { Grafana } from "./grafana";
import { Jaeger } from "./jaeger";
import { Loki } from "./loki";
import { NetworkGuards } from "./network-guards";
import { StatsResync } from "./stats-resync";
import { Networks, type NetworksArgs } from "./networks";
import { OtelCollector } from "./otel-collector";
import { Prometheus } from "./prometheus";
import {
  diskMeterHost,
  collectorDockerStatsOn,
  nodeProxyNetworkName,
  nodeProxyServiceName,
  renderNodeProxy,
  servedNetworks,
  logAgentHost,
  meteredVolumes,
  renderAll,
  renderDiskMeter,
  renderLogAgent,
  fleetNetworkName,
  fleetOn,
  nodeAgentKinds,
  nodeAgentServiceName,
  CLIENT_SERVICE,
  CREDENTIAL_SURFACES,
  SURFACE_SERVER,
  selfAuthOn,
  renderNodeAgent,
  type Rendered,
} from "../configs/render";
import { Fleet } from "./fleet";
import { basicCredentials, STACK_CLIENTS } from "../configs/web-auth";
import { ClientLogins } from "./client-logins";
import { volumesOf } from "../configs/volumes";
import { DISK_METER_MEMORY_MB } from "../configs/disk-meter";
import { DiskMeter } from "./disk-meter";
import { SocketProxy } from "./socket-proxy";
import type { Service, ServiceBase, SwarmBackend } from "./service";
import { backendConstraints, backendServiceName, isSwarmBackend, runsAsSwarmService } from "../configs/fleet";
import type { SwarmFacts } from "../providers/swarm-manager";
import {
  AUTH_SURFACES,
  isGuarded,
  OPERATOR_SURFACES,
  stackNetworkRoles,
  type NetworkRole,
  type Settings,
} from "../settings/schema";
import { ENTRYPOINT, ROUTE_LABEL } from "@scaibu/observability-routing";
import { Traefik } from "./traefik";
import { dockerEndpoint } from "../providers/docker-api";
import type { VolumeCheck } from "../providers/volume-owner";
import { earlierEnd } from "../configs/certificate-rules";

export interface ObservabilityStackArgs {
  settings: Settings;
  /** Marks every container of this stack; Traefik routes only containers carrying it. */
  stackLabel: string;
  /** Checks each data volume's name before it is declared (index.ts: the Docker owner check). */
  checkVolume?: VolumeCheck;
  /** Checks before anything changes (index.ts: the data-loss check); the networks wait for it. */
  preflight?: Promise<void>;
  /** The Docker endpoint the docker provider uses (providers/docker-api.ts); the guards ask it. */
  dockerHost?: string;
  /**
   * The engine's swarm, asked once at start (providers/swarm-manager.ts swarmFacts): the manager's
   * node, where a swarm's backends go by default, and this stack's services. Needed in swarm mode.
   */
  swarm?: Promise<SwarmFacts>;
}

export interface NetworkOutput {
  name: pulumi.Output<string>;
  id: pulumi.Output<string>;
}

/**
 * The `routing` output: a consumer's container joins `network`, carries `label`, and gets the
 * labels of components/routing.ts traefikLabels for one of `hosts`.
 */
export interface RoutingOutput {
  network: pulumi.Output<string>;
  label: { key: string; value: string };
  entrypoint: string;
  hosts: Record<string, string>;
  httpsPort: number;
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
  readonly socketProxy?: SocketProxy;
  readonly alertmanager?: Alertmanager;
  /** Measures the data volumes against the disk budget (storage.meter). */
  readonly diskMeter?: DiskMeter;
  /** The overlay network and node agents of a swarm (fleet.mode swarm). */
  readonly fleet?: Fleet;

  /** https URL per enabled, routed service, keyed by its hostname part (`otel`, `loki`, ...). */
  readonly urls: Partial<Record<ServiceHost, string>>;
  readonly otlp: OtlpEndpoints | undefined;
  readonly networkOutputs: Partial<Record<NetworkRole, NetworkOutput>>;
  readonly etcHosts: string;
  /** What another stack needs to be routed by this Traefik (examples/app-stack); unset without Traefik. */
  readonly routing?: RoutingOutput;
  /** Basic-auth login of Prometheus, Loki, Jaeger and the Traefik dashboard. */
  readonly operator: { user: string; password: pulumi.Output<string> };

  constructor(name: string, args: ObservabilityStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:ObservabilityStack", name, {}, opts);
    const s = args.settings;
    /** Enabled services that Traefik serves (the socket proxy stays inside the network). */
    const routed = ROUTED_KEYS.filter((k) => s.services[k].enabled);
    const on = (k: ServiceKey) => s.services[k].enabled;
    this.hosts = hostsFor(s.domain);
    const rendered = renderAll(s, args.stackLabel);

    const roles = stackNetworkRoles(s);
    const networkNames: NetworksArgs["names"] = { observability: s.networks.observability.name };
    for (const r of roles) networkNames[r] = s.networks[r].name;
    // The backends' handovers, once their services are declared: the role networks are replaced after them.
    let handoversDeclared: (h: Promise<pulumi.Resource[]>) => void = () => undefined;
    const handovers = new Promise<pulumi.Resource[]>((resolve) => (handoversDeclared = resolve));
    const servedSpecs = servedNetworks(s);
    this.networks = new Networks(
      `${name}-networks`,
      {
        names: networkNames,
        observabilitySubnet: s.networks.observability.subnet,
        stackLabel: args.stackLabel,
        preflight: args.preflight,
        served: Object.fromEntries(Object.entries(servedSpecs).map(([k, spec]) => [k, spec.name])),
        overlay: s.fleet.mode === "swarm" ? { encrypted: s.fleet.encryptOverlay } : undefined,
        after: handovers,
      },
      { parent: this },
    );
    this.networkOutputs = Object.fromEntries(
      roles.map((r) => [r, { name: this.networks.names[r]!, id: this.networks.ids[r]! }]),
    );

    this.certificates = new Certificates(
      `${name}-certs`,
      {
        // The routed services, then the hosts other stacks route through this Traefik.
        dnsNames: [...routed.map((k) => this.hosts[k]), ...consumerHostNames(s)],
        caSubject: { commonName: s.certificate.caCommonName, organization: s.certificate.caOrganization },
        organization: s.certificate.organization,
        caValidityHours: s.certificate.caValidityHours,
        validityHours: s.certificate.validityHours,
        fleet: fleetOn(s)
          ? { gatewayDnsName: this.hosts.otelCollector, agentCommonName: `${s.domain}-node-agent` }
          : undefined,
        jaegerDnsName: selfAuthOn(s, "jaeger") ? this.hosts.jaeger : undefined,
      },
      { parent: this },
    );

    // One operator credential guards every routed surface without a login of its own. It was
    // the Traefik dashboard's password before: the alias keeps that state (and the password).
    const operatorPassword = new random.RandomPassword(
      `${name}-operator-password`,
      { length: 32, special: false },
      {
        parent: this,
        aliases: [
          {
            name: `${name}-traefik-dashboard-password`,
            parent: pulumi.createUrn(`${name}-traefik`, "scaibu:observability:Traefik", this),
          },
        ],
      },
    );
    this.operator = { user: s.auth.operatorUser, password: pulumi.secret(operatorPassword.result) };
    const htpasswd = operatorPassword.bcryptHash.apply((hash) => `${s.auth.operatorUser}:${hash}`);
    const open = AUTH_SURFACES.filter((surface) => on(surface) && !isGuarded(s, surface));
    const basicAuth = (k: ServiceKey) => (OPERATOR_SURFACES as readonly ServiceKey[]).includes(k) && isGuarded(s, k);
    if (open.length) {
      pulumi.log.warn(
        `authentication is off for ${open.map((o) => this.hosts[o]).join(", ")}: anyone who reaches ` +
          `${s.bindAddress}:${s.ports.https} can read, write or delete their data (config: auth)`,
        this,
      );
    }

    // Prometheus, Alertmanager, Jaeger and Traefik's metrics check credentials themselves, not only at their routes
    // (configs/web-auth.ts): the operator's, which Traefik forwards, and one login per machine
    // client, each accepted only where that client calls.
    const logins = new ClientLogins(
      `${name}-client-logins`,
      {
        checking: CREDENTIAL_SURFACES.filter((x) => selfAuthOn(s, SURFACE_SERVER[x])),
        running: STACK_CLIENTS.filter((c) => on(CLIENT_SERVICE[c])),
        operator: { user: s.auth.operatorUser, bcryptHash: operatorPassword.bcryptHash },
      },
      { parent: this },
    );

    // A server of an internal network is on it alone; its clients join it beside the stack's network.
    const served = Object.entries(servedSpecs).map(([k, spec]) => ({
      ...spec,
      network: this.networks.served[k as keyof typeof this.networks.served]!.name,
    }));
    const networksOf = (k: ServiceKey): pulumi.Output<string>[] => {
      const own = served.find((n) => n.server === k);
      if (own) return [own.network];
      return [this.networks.names.observability, ...served.filter((n) => n.clients.includes(k)).map((n) => n.network)];
    };
    const dockerHost = args.dockerHost ?? dockerEndpoint();
    const swarmFacts = args.swarm ?? Promise.resolve<SwarmFacts>({ services: [] });
    /** A swarm's backend: a Swarm service in swarm mode; else a container, handed back from its service if the engine has one. */
    const swarmBackend = (k: ServiceKey): SwarmBackend | undefined => {
      if (!isSwarmBackend(k)) return undefined;
      const serviceName = backendServiceName(s.domain, k);
      if (!runsAsSwarmService(s, k)) {
        return { serviceName, dockerHost, handover: swarmFacts.then((f) => f.services.includes(serviceName)) };
      }
      // After the preflight: on an engine that is no manager, its error is the one to see.
      const constraints = Promise.all([args.preflight, swarmFacts]).then(([, f]) => {
        if (!f.nodeId && !s.fleet.backendPlacement.length) {
          throw new Error(`${k}: the manager's swarm node id is unknown (ObservabilityStackArgs.swarm)`);
        }
        return backendConstraints(s.fleet.backendPlacement, f.nodeId ?? "");
      });
      return {
        serviceName,
        dockerHost,
        handover: Promise.resolve(true),
        // Its one network, the stack's, is an attachable overlay in this mode.
        placement: { networkIds: [this.networks.ids.observability!], constraints },
      };
    };
    /** Exactly what every container shares; nothing else of the settings reaches `Service`. */
    const serviceBase = (k: ServiceKey): ServiceBase => ({
      hostname: this.hosts[k],
      image: s.services[k].image,
      memoryMb: s.services[k].memoryMb,
      keepImage: s.keepImages,
      networks: networksOf(k),
      stackLabel: args.stackLabel,
      volumePrefix: `${s.instanceName}-${CATALOG[k].host}`,
      retainVolumes: s.keepDataVolumes,
      logRotation: s.logRotation,
      routeAuth: basicAuth(k) ? htpasswd : undefined,
      checkVolume: args.checkVolume,
      privileges: privilegesFor(k, s),
      swarm: swarmBackend(k),
    });
    const parts = (k: ServiceKey): { base: ServiceBase; rendered: Rendered } => ({
      base: serviceBase(k),
      rendered: rendered[k]!,
    });
    const child = { parent: this };

    // No container waits for another but the collector with docker_stats, for the socket proxy
    // (about a second: components/otel-collector.ts says why): the rest start at once, so a cold
    // `up` takes about as long as the slowest service alone. Nothing breaks without its peers: the collector retries and queues
    // until its backends answer, Grafana starts without its datasources, and Traefik and Prometheus
    // retry the socket proxy until it answers.
    if (on("socketProxy")) {
      this.socketProxy = new SocketProxy(
        `${name}-socket-proxy`,
        { ...parts("socketProxy"), dockerSocket: s.dockerSocket },
        child,
      );
    }
    // First in a swarm: the collector (the gateway) and Prometheus (which scrapes the agents) join its network.
    const kinds = nodeAgentKinds(s);
    // The stack's containers, once declared: the agents start after them (components/fleet.ts).
    let containersDeclared: (containers: pulumi.Resource[]) => void = () => undefined;
    const declaredContainers = new Promise<pulumi.Resource[]>((resolve) => (containersDeclared = resolve));
    const nodeProxy = renderNodeProxy(s);
    if (kinds.length && this.certificates.fleet) {
      this.fleet = new Fleet(
        `${name}-fleet`,
        {
          networkName: fleetNetworkName(s),
          encrypted: s.fleet.encryptOverlay,
          stackLabel: args.stackLabel,
          preflight: args.preflight,
          image: s.services.otelCollector.image,
          memoryMb: s.fleet.agentMemoryMb,
          logRotation: s.logRotation,
          agents: kinds.map((kind) => ({
            kind,
            serviceName: nodeAgentServiceName(s, kind),
            privileges: privilegesFor(kind === "metrics" ? "nodeMetrics" : "nodeLogs", s),
            rendered: renderNodeAgent(s, args.stackLabel, kind),
            hostMetrics: s.hostMetrics.enabled,
          })),
          tls: { ...this.certificates.fleet.agent, caPem: this.certificates.caCertPem },
          nodeProxy: nodeProxy && {
            serviceName: nodeProxyServiceName(s),
            networkName: nodeProxyNetworkName(s),
            image: s.services.socketProxy.image,
            memoryMb: s.services.socketProxy.memoryMb,
            privileges: privilegesFor("nodeProxy", s),
            rendered: nodeProxy,
            dockerSocket: s.dockerSocket,
          },
          after: declaredContainers,
        },
        child,
      );
    }
    /** A service's parts with the fleet's overlay network added, in a swarm (the gateway, Prometheus, Traefik). */
    const onFleet = (p: ReturnType<typeof parts>): ReturnType<typeof parts> =>
      this.fleet ? { ...p, base: { ...p.base, networks: [...p.base.networks, this.fleet.network.name] } } : p;
    if (on("loki")) {
      const alertmanagerCredentials = logins
        .clientOf("loki", "alertmanager")
        ?.apply((p) => basicCredentials("loki", p));
      this.loki = new Loki(`${name}-loki`, { ...parts("loki"), alertmanagerCredentials }, child);
    }
    if (on("prometheus")) {
      // In a swarm it scrapes every node's agents on the fleet network (configs/fleet.ts).
      this.prometheus = new Prometheus(
        `${name}-prometheus`,
        {
          ...onFleet(parts("prometheus")),
          caNotAfter: this.certificates.caNotAfter,
          jaegerNotAfter: this.certificates.jaeger?.notAfter,
          fleetNotAfter: this.certificates.fleet
            ? pulumi
                .all([this.certificates.fleet.gateway.notAfter, this.certificates.fleet.agent.notAfter])
                .apply(([gateway, agent]) => earlierEnd(gateway, agent))
            : undefined,
          maxFor: s.alerting.maxFor,
          webConfig: logins.loginsFor("prometheus"),
          clientPassword: logins.passwordOf("prometheus"),
        },
        child,
      );
    }
    if (on("jaeger")) {
      const otlpTls = this.certificates.jaeger;
      this.jaeger = new Jaeger(
        `${name}-jaeger`,
        {
          ...parts("jaeger"),
          htpasswd: logins.loginsFor("jaeger"),
          // Its OTLP receivers take the collector's login alone, over TLS.
          otlp: (() => {
            const htpasswd = logins.loginsFor("jaegerOtlp");
            return htpasswd && otlpTls ? { tls: otlpTls, htpasswd } : undefined;
          })(),
        },
        child,
      );
    }

    const logAgent = renderLogAgent(s);
    if (on("alertmanager")) {
      this.alertmanager = new Alertmanager(
        `${name}-alertmanager`,
        {
          ...parts("alertmanager"),
          webConfig: logins.loginsFor("alertmanager"),
          clientPassword: logins.clientOf("alertmanager", "alertmanager"),
        },
        child,
      );
      if (!deliversAlerts(s.alerting)) {
        pulumi.log.warn(
          "no alert receiver is configured (alerting.receivers): alerts show in Alertmanager and Grafana, and " +
            'nobody is told. README "Alerts" shows a webhook, an email and a Slack receiver.',
          this,
        );
      }
    }
    if (on("otelCollector")) {
      this.collector = new OtelCollector(
        `${name}-otel`,
        {
          // The gateway: the agents reach it by its name on the fleet network.
          ...onFleet(parts("otelCollector")),
          bindAddress: s.bindAddress,
          stackClientCredentials: logins.passwordOf("collector")?.apply((p) => basicCredentials("collector", p)),
          jaegerCaPem: selfAuthOn(s, "jaeger") ? this.certificates.caCertPem : undefined,
          grpcPort: s.ports.otlpGrpc,
          httpPort: s.ports.otlpHttp,
          hostMetrics: s.hostMetrics.enabled && !this.fleet,
          dockerApi: collectorDockerStatsOn(s) ? this.socketProxy?.service.container : undefined,
          fleetGateway: this.fleet &&
            this.certificates.fleet && {
              tls: { ...this.certificates.fleet.gateway, caPem: this.certificates.caCertPem },
            },
          logAgent: logAgent && {
            // The collector's image and the stack's shared settings; its own name, memory and privileges.
            base: {
              ...serviceBase("otelCollector"),
              // Only the collector it sends to: none of the collector's internal networks.
              networks: [this.networks.names.observability],
              hostname: logAgentHost(s),
              memoryMb: s.collector.logAgentMemoryMb,
              routeAuth: undefined,
              privileges: privilegesFor("otelLogs", s),
            },
            rendered: logAgent,
          },
        },
        child,
      );
    }
    if (on("grafana")) {
      this.grafana = new Grafana(
        `${name}-grafana`,
        {
          ...parts("grafana"),
          adminUser: s.grafana.adminUser,
          adminPassword: s.grafana.adminPassword,
          stackClientPassword: logins.passwordOf("grafana"),
        },
        child,
      );
    }
    if (on("traefik")) {
      this.traefik = new Traefik(
        `${name}-traefik`,
        {
          // In a swarm it also routes app services on any node, over the fleet network.
          ...onFleet(parts("traefik")),
          bindAddress: s.bindAddress,
          httpPort: s.ports.http,
          httpsPort: s.ports.https,
          serverCertPem: this.certificates.serverCertPem,
          serverKeyPem: this.certificates.serverKeyPem,
          metricsUsers: logins.loginsFor("traefikMetrics"),
        },
        child,
      );
    }

    const meter = renderDiskMeter(s);
    if (meter && this.prometheus) {
      const owners: Partial<Record<ServiceKey, { service: Service }>> = {
        prometheus: this.prometheus,
        loki: this.loki,
        jaeger: this.jaeger,
        grafana: this.grafana,
        otelCollector: this.collector,
        alertmanager: this.alertmanager,
      };
      this.diskMeter = new DiskMeter(
        `${name}-disk-meter`,
        {
          base: {
            ...serviceBase("prometheus"),
            // Scraped by Prometheus; it calls nothing, so none of Prometheus' internal networks.
            networks: [this.networks.names.observability],
            hostname: diskMeterHost(s),
            memoryMb: DISK_METER_MEMORY_MB,
            routeAuth: undefined,
            privileges: privilegesFor("diskMeter", s),
          },
          rendered: meter,
          imageOf: this.prometheus.service,
          volumes: meteredVolumes(s).map((spec) => {
            const service = owners[spec.service]!.service;
            const i = volumesOf(spec.service, s).findIndex((v) => v.role === spec.role);
            return { spec, name: service.volumes[i]!.name };
          }),
        },
        child,
      );
    }

    // What runs each service: a container, or in a swarm a backend's Swarm service.
    const runtimes = [
      this.socketProxy,
      this.loki,
      this.prometheus,
      this.jaeger,
      this.collector,
      this.grafana,
      this.traefik,
      this.alertmanager,
    ]
      .flatMap((c) => (c ? [c.service.runtime] : []))
      .concat(this.collector?.logAgent ? [this.collector.logAgent.runtime] : [])
      .concat(this.diskMeter ? [this.diskMeter.service.runtime] : []);
    const containers = runtimes.filter((r): r is docker.Container => r instanceof docker.Container);
    // Jaeger is the one swarm backend (configs/fleet.ts SWARM_BACKENDS).
    handoversDeclared(this.jaeger?.service.handover ?? Promise.resolve([]));
    containersDeclared(runtimes);
    // Guards last: they depend on every container, so destroy checks them before removing any.
    new NetworkGuards(
      `${name}-network-guards`,
      {
        networks: this.networks,
        more: this.fleet?.networks,
        stackLabel: args.stackLabel,
        dockerHost,
        // In a swarm the agents too: a refused destroy leaves them running with the rest.
        containers: [...runtimes, ...(this.fleet?.services ?? [])],
      },
      child,
    );
    if (collectorDockerStatsOn(s)) {
      new StatsResync(`${name}-stats-resync`, { containers, dockerHost }, child);
    }

    const endpoints = stackEndpoints(s);
    this.urls = endpoints.urls;
    this.otlp = endpoints.otlp;
    this.etcHosts = endpoints.etcHosts;
    this.routing = endpoints.routedHosts && {
      network: this.networks.names.observability,
      label: { key: ROUTE_LABEL, value: args.stackLabel },
      entrypoint: ENTRYPOINT,
      hosts: endpoints.routedHosts,
      httpsPort: s.ports.https,
    };

    this.registerOutputs({
      urls: this.urls,
      otlp: this.otlp,
      etcHosts: this.etcHosts,
      caCertPem: this.certificates.caCertPem,
    });
  }
}
