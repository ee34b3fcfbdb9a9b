import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { TRAEFIK_DOCKER_SOCKET, TRAEFIK_STATIC_PATH, traefikFiles } from "../configs/traefik";
import type { CommonServiceArgs } from "./common";
import { STACK_LABEL } from "./routing";
import { Service } from "./service";

export interface TraefikArgs extends CommonServiceArgs {
  /** Observability network name: the only one Traefik routes over. */
  networkName: pulumi.Input<string>;
  bindAddress: pulumi.Input<string>;
  httpPort: pulumi.Input<number>;
  httpsPort: number;
  dockerSocket: pulumi.Input<string>;
  serverCertPem: pulumi.Input<string>;
  serverKeyPem: pulumi.Input<string>;
}

/** The HTTPS gateway: routes `https://<domain>.<service>` to containers by their labels. */
export class Traefik extends pulumi.ComponentResource {
  readonly service: Service;
  readonly dashboardUser = "admin";
  /** Secret. */
  readonly dashboardPassword: pulumi.Output<string>;

  constructor(name: string, args: TraefikArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:Traefik", name, {}, opts);

    const password = new random.RandomPassword(
      `${name}-dashboard-password`,
      { length: 32, special: false },
      { parent: this },
    );
    this.dashboardPassword = pulumi.secret(password.result);

    const files = pulumi
      .all([args.networkName, args.serverCertPem, args.serverKeyPem])
      .apply(([networkName, cert, key]) =>
        traefikFiles({ networkName, constraintLabel: { key: STACK_LABEL, value: args.stackLabel } }, cert, key),
      );

    this.service = new Service(
      `${name}-service`,
      {
        ...args,
        hostname: args.hosts.traefik,
        command: ["traefik", `--configFile=${TRAEFIK_STATIC_PATH}`],
        files: pulumi.secret(files), // carries the server's private key
        retainVolumes: args.retainVolumes,
        // Read-only: Traefik only watches container events and labels.
        hostMounts: [{ source: args.dockerSocket, target: TRAEFIK_DOCKER_SOCKET }],
        ports: [
          { internal: 80, external: args.httpPort, ip: args.bindAddress },
          { internal: 443, external: args.httpsPort, ip: args.bindAddress },
        ],
        // The traefik binary probes its own ping endpoint (internal entrypoint :8080); needs no shell.
        healthcheck: { test: ["CMD", "traefik", "healthcheck", "--ping", `--configFile=${TRAEFIK_STATIC_PATH}`] },
        route: password.bcryptHash.apply((hash) => ({
          internalService: "api@internal",
          basicAuthUsers: `${this.dashboardUser}:${hash}`,
        })),
      },
      { parent: this },
    );
    this.registerOutputs({ hostname: this.service.hostname });
  }
}
