import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { CATALOG } from "../configs/catalog";
import {
  GATEWAY_CERT_PATH,
  GATEWAY_CLIENT_CA_PATH,
  GATEWAY_KEY_PATH,
  OTEL_DOCKER_LOGS_DIR,
  OTEL_HOSTFS,
  OTEL_STACK_CA_PATH,
  OTEL_STACK_CLIENT_CREDENTIALS_PATH,
  OTEL_TOKEN_PATH,
} from "../configs/otel-collector";
import type { SignedPair } from "./certificates";
import { filesOf, Service, serviceOf, type ServiceParts } from "./service";

export interface OtelCollectorArgs extends ServiceParts {
  /** Host address and ports apps on the host send OTLP to. */
  bindAddress: string;
  grpcPort: number;
  httpPort: number;
  /** Read the Docker host's own metrics (`hostMetrics.enabled`): mounts the host's `/` read-only. */
  hostMetrics: boolean;
  /** The log agent's container (configs/otel-logs.ts), when Docker's logs are collected. */
  logAgent?: ServiceParts;
  /**
   * The socket proxy's container, when docker_stats reads through it: the receiver lists the
   * containers when it starts and fails the collector's start if the Docker API does not answer
   * (contrib receiver/dockerstatsreceiver receiver.go `start`: `LoadContainerList` error returned,
   * read at v0.149.0), so the collector starts once the proxy is healthy (about a second).
   */
  dockerApi?: pulumi.Resource;
  /** As a swarm's gateway (fleet.mode swarm; its parts join the fleet network): its mTLS server pair. */
  fleetGateway?: { tls: SignedPair & { caPem: pulumi.Input<string> } };
  /** `base64(user:password)` of the stack client, when Prometheus or Jaeger asks for it (configs/web-auth.ts). Secret. */
  stackClientCredentials?: pulumi.Input<string>;
  /** The stack's CA, when Jaeger's OTLP receivers take TLS: the push checks Jaeger's certificate. */
  jaegerCaPem?: pulumi.Input<string>;
}

/** The single OTLP entry point: batches and forwards logs, metrics and traces to their stores. */
export class OtelCollector extends pulumi.ComponentResource {
  readonly service: Service;
  /** The container that tails Docker's logs and hands them to the collector (collectDockerLogs). */
  readonly logAgent?: Service;
  /** Bearer token of OTLP through Traefik (and on the host ports with auth.otlpTokenOnHost). Secret. */
  readonly token: pulumi.Output<string>;

  constructor(name: string, args: OtelCollectorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:OtelCollector", name, {}, opts);
    const { ports } = CATALOG.otelCollector;
    this.token = pulumi.secret(
      new random.RandomPassword(`${name}-otlp-token`, { length: 40, special: false }, { parent: this }).result,
    );
    const gateway = args.fleetGateway;
    this.service = serviceOf(this, name, args, {
      // The token (and a gateway's key) are files the collector reads, never environment values.
      secretFiles: filesOf([
        [OTEL_TOKEN_PATH, this.token],
        [GATEWAY_KEY_PATH, gateway?.tls.keyPem],
        [OTEL_STACK_CLIENT_CREDENTIALS_PATH, args.stackClientCredentials],
      ]),
      // Public: a gateway's certificate and the CA its agents' come from; the CA Jaeger's is from.
      files: filesOf([
        [GATEWAY_CERT_PATH, gateway?.tls.certPem],
        [GATEWAY_CLIENT_CA_PATH, gateway?.tls.caPem],
        [OTEL_STACK_CA_PATH, args.jaegerCaPem],
      ]),
      hostMounts: [
        // The Docker host's paths (on a remote Docker host, that host's): /proc, /sys and the
        // filesystems under it are what host_metrics reads, through `root_path`. Its runtime and
        // temporary directories, where sockets live, are masked (configs/privileges.ts).
        ...(args.hostMetrics ? [{ source: "/", target: OTEL_HOSTFS }] : []),
      ],
      // Apps on the host send OTLP here; bound to the stack's bind address (loopback by default).
      ports: [
        { internal: ports.otlpGrpc, external: args.grpcPort, ip: args.bindAddress },
        { internal: ports.otlpHttp, external: args.httpPort, ip: args.bindAddress },
      ],
      // OTLP/HTTP over TLS through Traefik, to the receiver that asks for the bearer token.
      route: { port: ports.otlpRouted },
      startsAfter: args.dockerApi ? [args.dockerApi] : undefined,
    });
    if (args.logAgent) {
      // No port, no route, no volume: it only reads the log directory and sends inside the network.
      this.logAgent = new Service(
        `${name}-logs`,
        {
          ...args.logAgent.base,
          ...args.logAgent.rendered,
          hostMounts: [{ source: OTEL_DOCKER_LOGS_DIR, target: OTEL_DOCKER_LOGS_DIR }],
          imageOf: this.service,
        },
        { parent: this },
      );
    }
    this.registerOutputs({ hostname: this.service.hostname, logAgent: this.logAgent?.hostname });
  }
}
