import * as pulumi from "@pulumi/pulumi";
import { CATALOG } from "../configs/catalog";
import { SOCKET_PROXY_SOCKET } from "../configs/socket-proxy";
import { ServiceComponent, wgetCheck, type ServiceParts } from "./service";

export interface SocketProxyArgs extends ServiceParts {
  /** Host path of the Docker socket (on the Docker host). */
  dockerSocket: string;
}

/**
 * The only container that mounts the Docker socket. A read-only bind mount does not make the
 * Docker API read-only: whoever could talk to the socket could start a privileged container.
 * Traefik and Prometheus talk to this proxy instead, which allows the read calls they need and
 * answers 403 to everything else (configs/socket-proxy.ts).
 */
export class SocketProxy extends ServiceComponent {
  constructor(name: string, args: SocketProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "SocketProxy",
      name,
      args,
      () => ({
        hostMounts: [{ source: args.dockerSocket, target: SOCKET_PROXY_SOCKET }],
        // The image is Alpine-based (busybox wget); /_ping is one of the allowed reads.
        healthcheck: wgetCheck(`http://127.0.0.1:${CATALOG.socketProxy.ports.api}/_ping`, "5s"),
      }),
      opts,
    );
  }
}
