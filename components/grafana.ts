import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { CATALOG } from "../configs/catalog";
import { GRAFANA_ADMIN_PASSWORD_PATH, GRAFANA_DATA_DIR, GRAFANA_HEALTH_PATH } from "../configs/grafana";
import type { Rendered } from "./render";
import { Service, wgetCheck, type ServiceBase } from "./service";

export interface GrafanaArgs {
  base: ServiceBase;
  rendered: Rendered;
  adminUser: string;
  /** The user's own password (a secret); a random one when unset. */
  adminPassword?: pulumi.Output<string>;
}

/** Dashboards over Prometheus, Loki and Jaeger, provisioned as code. */
export class Grafana extends pulumi.ComponentResource {
  readonly service: Service;
  readonly adminUser: string;
  /** Secret. */
  readonly adminPassword: pulumi.Output<string>;

  constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:Grafana", name, {}, opts);
    this.adminUser = args.adminUser;
    this.adminPassword = pulumi.secret(
      args.adminPassword ??
        new random.RandomPassword(`${name}-admin-password`, { length: 32, special: false }, { parent: this }).result,
    );
    const { http } = CATALOG.grafana.ports;
    this.service = new Service(
      `${name}-service`,
      {
        ...args.base,
        ...args.rendered,
        // The password reaches Grafana as a file (GF_SECURITY_ADMIN_PASSWORD__FILE), never as an
        // environment value that `docker inspect` would show.
        files: pulumi.secret(
          this.adminPassword.apply((password) => [
            ...args.rendered.files,
            { path: GRAFANA_ADMIN_PASSWORD_PATH, content: password },
          ]),
        ),
        volumes: [{ role: "data", containerPath: GRAFANA_DATA_DIR, formerIndex: 0 }],
        // The image ships busybox wget; /api/health answers once the database is migrated.
        healthcheck: wgetCheck(`http://127.0.0.1:${http}${GRAFANA_HEALTH_PATH}`, "30s"),
        route: { port: http },
      },
      { parent: this },
    );
    this.registerOutputs({ hostname: this.service.hostname });
  }
}
