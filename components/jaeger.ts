import * as pulumi from "@pulumi/pulumi";
import {
  JAEGER_DATA_DIR,
  JAEGER_HEALTH_PATH,
  JAEGER_HEALTH_PORT,
  JAEGER_UI_PORT,
  jaegerCommand,
  jaegerFiles,
  jaegerNeedsDataVolume,
} from "../configs/jaeger";
import type { CommonServiceArgs } from "./common";
import { Service, wgetCheck } from "./service";

export interface JaegerArgs extends CommonServiceArgs {
  storage: "badger" | "memory";
  retentionHours: number;
}

/** Trace store and UI (Jaeger v2): OTLP from the collector, query API for Grafana. */
export class Jaeger extends pulumi.ComponentResource {
  readonly service: Service;

  constructor(name: string, args: JaegerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:Jaeger", name, {}, opts);
    const input = { storage: args.storage, retentionHours: args.retentionHours };
    const badger = jaegerNeedsDataVolume(input);
    this.service = new Service(
      `${name}-service`,
      {
        ...args,
        hostname: args.hosts.jaeger,
        command: jaegerCommand(input),
        files: jaegerFiles(input),
        volumes: badger ? [{ dockerName: `${args.volumePrefix}-jaeger-data`, containerPath: JAEGER_DATA_DIR }] : [],
        // A fresh named volume at a path absent from the image is root-owned; the image's
        // user 10001 could not write badger files there. (A one-shot chown container would
        // avoid root, at the cost of a container Pulumi re-creates on every refresh.)
        user: badger ? "0" : undefined,
        // The image is Alpine-based: busybox wget asks the health check extension.
        healthcheck: wgetCheck(`http://127.0.0.1:${JAEGER_HEALTH_PORT}${JAEGER_HEALTH_PATH}`, "20s"),
        route: { port: JAEGER_UI_PORT },
      },
      { parent: this },
    );
    this.registerOutputs({ hostname: this.service.hostname });
  }
}
