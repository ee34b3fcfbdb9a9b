import type * as pulumi from "@pulumi/pulumi";

/** What a server that checks credentials itself gets (configs/web-auth.ts). Both secrets. */
export interface WebAuthArgs {
  /** Its web config: users and bcrypt hashes; absent, it checks nothing itself. */
  webConfig?: pulumi.Input<string>;
  /** The stack client's password, which it sends to itself (health check) and to the other servers. */
  clientPassword?: pulumi.Input<string>;
}
