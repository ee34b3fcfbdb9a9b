import * as pulumi from "@pulumi/pulumi";
import type { Rendered } from "../configs/render";
import type { ConfigFile } from "../configs/types";

/** What a server that checks credentials itself gets (configs/web-auth.ts). Both secrets. */
export interface WebAuthArgs {
  /** Its web config: users and bcrypt hashes. */
  webConfig?: pulumi.Input<string>;
  /** The stack client's password, which it sends to itself (health check) and to the other servers. */
  clientPassword?: pulumi.Input<string>;
}

/** The server's rendered secret files, plus its web config and the stack client's password at the given paths. */
export function webAuthFiles(
  args: WebAuthArgs & { rendered: Rendered },
  webConfigPath: string,
  passwordPath: string,
): pulumi.Output<ConfigFile[]> {
  return pulumi
    .all([args.webConfig, args.clientPassword])
    .apply(([web, password]) => [
      ...(args.rendered.secretFiles ?? []),
      ...(web === undefined ? [] : [{ path: webConfigPath, content: web }]),
      ...(password === undefined ? [] : [{ path: passwordPath, content: password }]),
    ]);
}
