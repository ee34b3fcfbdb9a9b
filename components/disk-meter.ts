import * as pulumi from "@pulumi/pulumi";
import { DISK_METER_ENTRYPOINT, meterPath, type MeteredVolume } from "../configs/disk-meter";
import { Service, type ServiceParts } from "./service";

export interface DiskMeterArgs extends ServiceParts {
  /** Runs this service's image (the Prometheus image: busybox du, httpd, wget). */
  imageOf: Service;
  /** The volumes to measure, each with its declared Docker volume (so the meter waits for it). */
  volumes: { spec: MeteredVolume; name: pulumi.Input<string> }[];
}

/**
 * How full each data volume is, against its share of the disk budget (configs/disk-budget.ts,
 * configs/disk-meter.ts): a container that mounts them read-only and serves their sizes to
 * Prometheus inside the network.
 */
export class DiskMeter extends pulumi.ComponentResource {
  readonly service: Service;

  constructor(name: string, args: DiskMeterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:DiskMeter", name, {}, opts);
    this.service = new Service(
      `${name}-service`,
      {
        ...args.base,
        ...args.rendered,
        entrypoint: DISK_METER_ENTRYPOINT,
        volumeMounts: args.volumes.map((v) => ({ source: v.name, target: meterPath(v.spec) })),
        imageOf: args.imageOf,
      },
      { parent: this },
    );
    this.registerOutputs({ hostname: this.service.hostname });
  }
}
