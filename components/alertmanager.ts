import * as pulumi from "@pulumi/pulumi";
import { CATALOG } from "../configs/catalog";
import { ALERTMANAGER_CLIENT_PASSWORD_PATH, ALERTMANAGER_WEB_CONFIG_PATH } from "../configs/alertmanager";
import { filesOf, serviceOf, type Service, type ServiceParts } from "./service";
import type { WebAuthArgs } from "./web-auth";

/**
 * Alert delivery: Prometheus and Loki's ruler send firing alerts here; it groups, inhibits,
 * silences and routes them to the receivers of `alerting` (configs/alertmanager.ts). Silences
 * and the notification log live on its data volume.
 */
export class Alertmanager extends pulumi.ComponentResource {
  readonly service: Service;

  constructor(name: string, args: ServiceParts & WebAuthArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:Alertmanager", name, {}, opts);
    this.service = serviceOf(this, name, args, {
      // The UI and API behind the operator's credentials (ServiceBase.routeAuth).
      route: { port: CATALOG.alertmanager.ports.http },
      // Its own credentials check (configs/web-auth.ts), after the receivers' secrets.
      secretFiles: filesOf([
        [ALERTMANAGER_WEB_CONFIG_PATH, args.webConfig],
        [ALERTMANAGER_CLIENT_PASSWORD_PATH, args.clientPassword],
      ]),
    });
    this.registerOutputs({ hostname: this.service.hostname });
  }
}
