import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { CATALOG } from "../configs/catalog";
import {
  OTEL_DOCKER_LOGS_DIR,
  OTEL_DOCKER_LOGS_USER,
  OTEL_HOSTFS,
  OTEL_QUEUE_DIR,
  OTEL_TOKEN_PATH,
} from "../configs/otel-collector";
import { serviceOf, type Service, type ServiceParts } from "./service";

export interface OtelCollectorArgs extends ServiceParts {
  /** Host address and ports apps on the host send OTLP to. */
  bindAddress: string;
  grpcPort: number;
  httpPort: number;
  collectDockerLogs: boolean;
  /** Exporter queues on a named volume (`collector.persistentQueue`). */
  persistentQueue: boolean;
  /** Read the Docker host's own metrics (`hostMetrics.enabled`): mounts the host's `/` read-only. */
  hostMetrics: boolean;
}

/** The single OTLP entry point: batches and forwards logs, metrics and traces to their stores. */
export class OtelCollector extends pulumi.ComponentResource {
  readonly service: Service;
  /** Bearer token of OTLP through Traefik (and on the host ports with auth.otlpTokenOnHost). Secret. */
  readonly token: pulumi.Output<string>;

  constructor(name: string, args: OtelCollectorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:OtelCollector", name, {}, opts);
    const { ports } = CATALOG.otelCollector;
    const logs = args.collectDockerLogs;
    this.token = pulumi.secret(
      new random.RandomPassword(`${name}-otlp-token`, { length: 40, special: false }, { parent: this }).result,
    );
    this.service = serviceOf(this, name, args, {
      // The token is a file the bearertokenauth extension reads, never an environment value.
      secretFiles: this.token.apply((content) => [{ path: OTEL_TOKEN_PATH, content }]),
      volumes: args.persistentQueue ? [{ role: "queue", containerPath: OTEL_QUEUE_DIR }] : [],
      // Docker's json logs are root-only (0640), and a fresh queue volume's mount point is
      // root-owned (the image is FROM scratch, without that directory): the image's user
      // 10001 could read or write neither.
      user: logs || args.persistentQueue ? OTEL_DOCKER_LOGS_USER : undefined,
      hostMounts: [
        ...(logs ? [{ source: OTEL_DOCKER_LOGS_DIR, target: OTEL_DOCKER_LOGS_DIR }] : []),
        // The Docker host's paths (on a remote Docker host, that host's): /proc, /sys and the
        // filesystems under it are what host_metrics reads, through `root_path`.
        ...(args.hostMetrics ? [{ source: "/", target: OTEL_HOSTFS }] : []),
      ],
      // Apps on the host send OTLP here; bound to the stack's bind address (loopback by default).
      ports: [
        { internal: ports.otlpGrpc, external: args.grpcPort, ip: args.bindAddress },
        { internal: ports.otlpHttp, external: args.httpPort, ip: args.bindAddress },
      ],
      // OTLP/HTTP over TLS through Traefik, to the receiver that asks for the bearer token.
      route: { port: ports.otlpRouted },
    });
    this.registerOutputs({ hostname: this.service.hostname });
  }
}
