import * as pulumi from "@pulumi/pulumi";
import { CATALOG } from "../configs/catalog";
import { TRAEFIK_STATIC_PATH, traefikCertFiles } from "../configs/traefik";
import { ServiceComponent, type ServiceParts } from "./service";

export interface TraefikArgs extends ServiceParts {
  bindAddress: string;
  httpPort: number;
  httpsPort: number;
  serverCertPem: pulumi.Input<string>;
  serverKeyPem: pulumi.Input<string>;
}

/** The HTTPS gateway: routes `https://<domain>.<service>` to containers by their labels. */
export class Traefik extends ServiceComponent {
  constructor(name: string, args: TraefikArgs, opts?: pulumi.ComponentResourceOptions) {
    const { web, websecure } = CATALOG.traefik.ports;
    super(
      "Traefik",
      name,
      args,
      () => ({
        // Carries the server's private key.
        secretFiles: pulumi
          .all([args.serverCertPem, args.serverKeyPem])
          .apply(([cert, key]) => traefikCertFiles(cert, key)),
        ports: [
          { internal: web, external: args.httpPort, ip: args.bindAddress },
          { internal: websecure, external: args.httpsPort, ip: args.bindAddress },
        ],
        // The traefik binary probes its own ping endpoint (internal entrypoint); needs no shell.
        healthcheck: {
          test: ["CMD", "traefik", "healthcheck", "--ping", `--configFile=${TRAEFIK_STATIC_PATH}`],
        },
        // The dashboard; the stack's operator credentials guard it (ServiceBase.routeAuth).
        route: { internalService: "api@internal" },
      }),
      opts,
    );
  }
}
