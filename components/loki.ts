import * as pulumi from "@pulumi/pulumi";
import { CATALOG } from "../configs/catalog";
import { LOKI_ALERTMANAGER_CREDENTIALS_PATH } from "../configs/loki";
import { filesOf, serviceOf, type Service, type ServiceParts } from "./service";

export interface LokiArgs extends ServiceParts {
  /** `base64(user:password)` of the stack client, when Alertmanager asks for it (configs/web-auth.ts). Secret. */
  alertmanagerCredentials?: pulumi.Input<string>;
}

/** Log store: OTLP logs from the collector, LogQL for Grafana. */
export class Loki extends pulumi.ComponentResource {
  readonly service: Service;

  constructor(name: string, args: LokiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:Loki", name, {}, opts);
    this.service = serviceOf(this, name, args, {
      route: { port: CATALOG.loki.ports.http },
      // The ruler's login on Alertmanager, read from a file (configs/loki.ts).
      secretFiles: filesOf([[LOKI_ALERTMANAGER_CREDENTIALS_PATH, args.alertmanagerCredentials]]),
    });
    this.registerOutputs({ hostname: this.service.hostname });
  }
}
