import * as pulumi from "@pulumi/pulumi";
import {
  OTEL_CONFIG_PATH,
  OTEL_DOCKER_LOGS_DIR,
  OTEL_DOCKER_LOGS_USER,
  OTEL_OTLP_GRPC_PORT,
  OTEL_OTLP_HTTP_PORT,
  otelCollectorCommand,
  otelCollectorFiles,
} from "../configs/otel-collector";
import type { CommonServiceArgs } from "./common";
import { Service } from "./service";

export interface OtelCollectorArgs extends CommonServiceArgs {
  bindAddress: pulumi.Input<string>;
  grpcPort: pulumi.Input<number>;
  httpPort: pulumi.Input<number>;
  collectDockerLogs: boolean;
  resourceAttributes: Record<string, string>;
}

/** The single OTLP entry point: batches and forwards logs, metrics and traces to their stores. */
export class OtelCollector extends pulumi.ComponentResource {
  readonly service: Service;

  constructor(name: string, args: OtelCollectorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:OtelCollector", name, {}, opts);
    const input = {
      lokiHost: args.hosts.loki,
      prometheusHost: args.hosts.prometheus,
      jaegerHost: args.hosts.jaeger,
      dockerLogs: args.collectDockerLogs,
      resourceAttributes: args.resourceAttributes,
      stackName: args.stackLabel,
    };
    this.service = new Service(
      `${name}-service`,
      {
        ...args,
        hostname: args.hosts.otel,
        command: otelCollectorCommand(input),
        files: otelCollectorFiles(input),
        // Docker's json logs are root-only (0640); the image's user 10001 could not tail them.
        user: args.collectDockerLogs ? OTEL_DOCKER_LOGS_USER : undefined,
        hostMounts: args.collectDockerLogs ? [{ source: OTEL_DOCKER_LOGS_DIR, target: OTEL_DOCKER_LOGS_DIR }] : [],
        // Apps on the host send OTLP here; bound to the stack's bind address (loopback by default).
        ports: [
          { internal: OTEL_OTLP_GRPC_PORT, external: args.grpcPort, ip: args.bindAddress },
          { internal: OTEL_OTLP_HTTP_PORT, external: args.httpPort, ip: args.bindAddress },
        ],
        // The image is FROM scratch: no shell and no HTTP client. The only program inside is the
        // collector, whose `validate` proves the binary runs and the uploaded config loads.
        healthcheck: {
          test: ["CMD", "/otelcol-contrib", "validate", `--config=${OTEL_CONFIG_PATH}`],
          interval: "30s",
        },
        // OTLP/HTTP over TLS through Traefik for apps outside the Docker networks.
        route: { port: OTEL_OTLP_HTTP_PORT },
      },
      { parent: this },
    );
    this.registerOutputs({ hostname: this.service.hostname });
  }
}
