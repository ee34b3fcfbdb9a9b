import * as pulumi from "@pulumi/pulumi";
import { LOKI_DATA_DIR, LOKI_HTTP_PORT, lokiCommand, lokiFiles } from "../configs/loki";
import type { CommonServiceArgs } from "./common";
import { Service } from "./service";

export interface LokiArgs extends CommonServiceArgs {
  retentionHours: number;
}

/** Log store: OTLP logs from the collector, LogQL for Grafana. */
export class Loki extends pulumi.ComponentResource {
  readonly service: Service;

  constructor(name: string, args: LokiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:Loki", name, {}, opts);
    const input = { retentionHours: args.retentionHours };
    this.service = new Service(
      `${name}-service`,
      {
        ...args,
        hostname: args.hosts.loki,
        command: lokiCommand(input),
        files: lokiFiles(input),
        volumes: [{ dockerName: `${args.volumePrefix}-loki-data`, containerPath: LOKI_DATA_DIR }],
        // The image is distroless (no shell, no wget since 3.6); `loki -health` probes /ready itself.
        healthcheck: { test: ["CMD", "/usr/bin/loki", "-health"], startPeriod: "30s" },
        route: { port: LOKI_HTTP_PORT },
      },
      { parent: this },
    );
    this.registerOutputs({ hostname: this.service.hostname });
  }
}
