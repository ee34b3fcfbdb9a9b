import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { GRAFANA_DATA_DIR, GRAFANA_HEALTH_PATH, GRAFANA_PORT, grafanaEnv, grafanaFiles } from "../configs/grafana";
import type { CommonServiceArgs } from "./common";
import { Service, wgetCheck } from "./service";

export interface GrafanaArgs extends CommonServiceArgs {
  adminUser: string;
}

/** Dashboards over Prometheus, Loki and Jaeger, provisioned as code. */
export class Grafana extends pulumi.ComponentResource {
  readonly service: Service;
  readonly adminUser: string;
  /** Secret. */
  readonly adminPassword: pulumi.Output<string>;

  constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:Grafana", name, {}, opts);
    const password = new random.RandomPassword(
      `${name}-admin-password`,
      { length: 32, special: false },
      { parent: this },
    );
    this.adminUser = args.adminUser;
    this.adminPassword = pulumi.secret(password.result);
    const h = args.hosts;
    const input = {
      prometheusHost: h.prometheus,
      lokiHost: h.loki,
      jaegerHost: h.jaeger,
      externalHost: h.grafana,
      externalPort: args.httpsPort,
      adminUser: args.adminUser,
    };

    this.service = new Service(
      `${name}-service`,
      {
        ...args,
        hostname: args.hosts.grafana,
        files: grafanaFiles(input),
        env: { ...grafanaEnv(input), GF_SECURITY_ADMIN_PASSWORD: this.adminPassword },
        volumes: [{ dockerName: `${args.volumePrefix}-grafana-data`, containerPath: GRAFANA_DATA_DIR }],
        // The image ships busybox wget; /api/health answers once the database is migrated.
        healthcheck: wgetCheck(`http://127.0.0.1:${GRAFANA_PORT}${GRAFANA_HEALTH_PATH}`, "30s"),
        route: { port: GRAFANA_PORT },
      },
      { parent: this },
    );
    this.registerOutputs({ hostname: this.service.hostname });
  }
}
