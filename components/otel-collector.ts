import * as pulumi from "@pulumi/pulumi";
import { CATALOG } from "../configs/catalog";
import { OTEL_CONFIG_PATH, OTEL_DOCKER_LOGS_DIR, OTEL_DOCKER_LOGS_USER } from "../configs/otel-collector";
import { ServiceComponent, type ServiceParts } from "./service";

export interface OtelCollectorArgs extends ServiceParts {
  /** Host address and ports apps on the host send OTLP to. */
  bindAddress: string;
  grpcPort: number;
  httpPort: number;
  collectDockerLogs: boolean;
}

/** The single OTLP entry point: batches and forwards logs, metrics and traces to their stores. */
export class OtelCollector extends ServiceComponent {
  constructor(name: string, args: OtelCollectorArgs, opts?: pulumi.ComponentResourceOptions) {
    const { ports } = CATALOG.otelCollector;
    const logs = args.collectDockerLogs;
    super(
      "OtelCollector",
      name,
      args,
      () => ({
        // Docker's json logs are root-only (0640); the image's user 10001 could not tail them.
        user: logs ? OTEL_DOCKER_LOGS_USER : undefined,
        hostMounts: logs ? [{ source: OTEL_DOCKER_LOGS_DIR, target: OTEL_DOCKER_LOGS_DIR }] : [],
        // Apps on the host send OTLP here; bound to the stack's bind address (loopback by default).
        ports: [
          { internal: ports.otlpGrpc, external: args.grpcPort, ip: args.bindAddress },
          { internal: ports.otlpHttp, external: args.httpPort, ip: args.bindAddress },
        ],
        // The image is FROM scratch: no shell and no HTTP client. The only program inside is the
        // collector, whose `validate` proves the binary runs and the uploaded config loads.
        healthcheck: {
          test: ["CMD", "/otelcol-contrib", "validate", `--config=${OTEL_CONFIG_PATH}`],
          interval: "30s",
        },
        // OTLP/HTTP over TLS through Traefik for apps outside the Docker networks.
        route: { port: ports.otlpHttp },
      }),
      opts,
    );
  }
}
