import * as pulumi from "@pulumi/pulumi";
import { CATALOG } from "../configs/catalog";
import { traefikSecretFiles } from "../configs/traefik";
import { serviceOf, type Service, type ServiceParts } from "./service";

export interface TraefikArgs extends ServiceParts {
  bindAddress: string;
  httpPort: number;
  httpsPort: number;
  serverCertPem: pulumi.Input<string>;
  serverKeyPem: pulumi.Input<string>;
  /** The logins its metrics take (ClientLogins `traefikMetrics`, secret); absent, they take none. */
  metricsUsers?: pulumi.Input<string>;
}

/** The HTTPS gateway: routes `https://<domain>.<service>` to containers by their labels. */
export class Traefik extends pulumi.ComponentResource {
  readonly service: Service;

  constructor(name: string, args: TraefikArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:Traefik", name, {}, opts);
    const { web, websecure } = CATALOG.traefik.ports;
    this.service = serviceOf(this, name, args, {
      // Carries the server's private key and the metrics' logins.
      secretFiles: pulumi
        .all([args.serverCertPem, args.serverKeyPem, args.metricsUsers])
        .apply(([cert, key, users]) => traefikSecretFiles(cert, key, users)),
      ports: [
        { internal: web, external: args.httpPort, ip: args.bindAddress },
        { internal: websecure, external: args.httpsPort, ip: args.bindAddress },
      ],
      // The dashboard; the stack's operator credentials guard it (ServiceBase.routeAuth).
      route: { internalService: "api@internal" },
    });
    this.registerOutputs({ hostname: this.service.hostname });
  }
}
