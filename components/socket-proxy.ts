import * as pulumi from "@pulumi/pulumi";
import { SOCKET_PROXY_SOCKET, socketProxyEntrypoint } from "../configs/socket-proxy";
import { serviceOf, type Service, type ServiceParts } from "./service";

export interface SocketProxyArgs extends ServiceParts {
  /** Host path of the Docker socket (on the Docker host). */
  dockerSocket: string;
}

/**
 * The only container that mounts the Docker socket. A read-only bind mount does not make the
 * Docker API read-only: whoever could talk to the socket could start a privileged container.
 * Traefik, Prometheus and the collector talk to this proxy instead, which allows the read calls
 * they make and answers 403 to everything else (configs/socket-proxy.ts): it runs HAProxy on the
 * stack's own filter, not the image's entrypoint and its wider sections.
 */
export class SocketProxy extends pulumi.ComponentResource {
  readonly service: Service;

  constructor(name: string, args: SocketProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:SocketProxy", name, {}, opts);
    this.service = serviceOf(this, name, args, {
      hostMounts: [{ source: args.dockerSocket, target: SOCKET_PROXY_SOCKET }],
      entrypoint: socketProxyEntrypoint(),
    });
    this.registerOutputs({ hostname: this.service.hostname });
  }
}
