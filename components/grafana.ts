import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { CATALOG } from "../configs/catalog";
import {
  GRAFANA_ADMIN_PASSWORD_PATH,
  GRAFANA_METRICS_PATH,
  GRAFANA_STACK_CLIENT_PASSWORD_PATH,
  GRAFANA_START_PATH,
} from "../configs/grafana";
import { filesOf, serviceOf, type Service, type ServiceParts } from "./service";

export interface GrafanaArgs extends ServiceParts {
  adminUser: string;
  /** The user's own password (a secret); a random one when unset. */
  adminPassword?: pulumi.Output<string>;
  /** The stack client's password (configs/web-auth.ts), when a datasource's server asks for it. Secret. */
  stackClientPassword?: pulumi.Input<string>;
}

/** Dashboards over Prometheus, Loki and Jaeger, provisioned as code. */
export class Grafana extends pulumi.ComponentResource {
  readonly service: Service;
  readonly adminUser: string;
  /** Secret. */
  readonly adminPassword: pulumi.Output<string>;

  constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:Grafana", name, {}, opts);
    const { http } = CATALOG.grafana.ports;
    this.adminUser = args.adminUser;
    this.adminPassword = pulumi.secret(
      args.adminPassword ??
        new random.RandomPassword(`${name}-admin-password`, { length: 32, special: false }, { parent: this }).result,
    );
    this.service = serviceOf(this, name, args, {
      // The password reaches Grafana as a file (GF_SECURITY_ADMIN_PASSWORD__FILE), never as an
      // environment value that `docker inspect` would show.
      secretFiles: filesOf([
        [GRAFANA_ADMIN_PASSWORD_PATH, this.adminPassword],
        [GRAFANA_STACK_CLIENT_PASSWORD_PATH, args.stackClientPassword],
      ]),
      // Sets the stack's admin password on a kept database, then runs the image's /run.sh.
      entrypoint: ["/bin/sh", GRAFANA_START_PATH],
      // Grafana keeps its own login; its /metrics (no login) is only for Prometheus, in-network.
      route: { port: http, hiddenPaths: [GRAFANA_METRICS_PATH] },
    });
    this.registerOutputs({ hostname: this.service.hostname });
  }
}
