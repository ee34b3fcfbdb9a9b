import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
  CALLERS,
  clientHash,
  type CredentialSurface,
  htpasswdFile,
  LOGIN_FILE,
  STACK_CLIENTS,
  type StackClient,
  stackClientUser,
  webConfigYaml,
} from "../configs/web-auth";

export interface ClientLoginsArgs {
  /** The surfaces that check credentials themselves (their servers run, their routes are guarded). */
  checking: CredentialSurface[];
  /** The clients that run (their services are enabled). */
  running: StackClient[];
  /** The operator's login, which every surface but Jaeger's OTLP receivers accepts (the one Traefik checks). */
  operator: { user: string; bcryptHash: pulumi.Output<string> };
}

/**
 * One generated login per machine client of the stack (`scaibu-<client>`), for the servers that
 * check credentials themselves (configs/web-auth.ts): a client that runs and calls such a surface
 * gets a password, and each surface accepts the operator and exactly the clients that call it
 * (CALLERS), so no client's login opens more than it needs.
 */
export class ClientLogins extends pulumi.ComponentResource {
  private readonly passwords: Partial<Record<StackClient, random.RandomPassword>> = {};
  private readonly args: ClientLoginsArgs;

  constructor(name: string, args: ClientLoginsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("scaibu:observability:ClientLogins", name, {}, opts);
    this.args = args;
    const calls = (c: StackClient) => args.checking.some((x) => (CALLERS[x] as readonly StackClient[]).includes(c));
    for (const c of STACK_CLIENTS.filter((c) => args.running.includes(c) && calls(c))) {
      this.passwords[c] = new random.RandomPassword(`${name}-${c}`, { length: 32, special: false }, { parent: this });
    }
    this.registerOutputs({ clients: Object.keys(this.passwords) });
  }

  /** Client `c`'s password (secret), when it holds one. */
  passwordOf(c: StackClient): pulumi.Output<string> | undefined {
    const p = this.passwords[c];
    return p && pulumi.secret(p.result);
  }

  /** Client `c`'s password, when surface `x`, which it calls, checks credentials. */
  clientOf(c: StackClient, x: CredentialSurface): pulumi.Output<string> | undefined {
    return this.args.checking.includes(x) ? this.passwordOf(c) : undefined;
  }

  /**
   * The logins surface `x` accepts, as the file it reads them from (LOGIN_FILE), when it checks
   * them: the operator's bcrypt hash and each calling client's hash (clientHash). Secret.
   */
  loginsFor(x: CredentialSurface): pulumi.Output<string> | undefined {
    if (!this.args.checking.includes(x)) return undefined;
    const { operator } = this.args;
    const file = LOGIN_FILE[x];
    const users: [string, pulumi.Output<string>][] = [
      // Jaeger's OTLP receivers take no operator: only the collector writes traces.
      ...(x === "jaegerOtlp" ? [] : [[operator.user, operator.bcryptHash] as [string, pulumi.Output<string>]]),
      ...CALLERS[x].flatMap((c): [string, pulumi.Output<string>][] => {
        const p = this.passwords[c];
        return p
          ? [[stackClientUser(c), pulumi.all([p.result, p.bcryptHash]).apply(([pw, h]) => clientHash(file, pw, h))]]
          : [];
      }),
    ];
    const render = file === "webConfig" ? webConfigYaml : htpasswdFile;
    return pulumi.secret(
      pulumi
        .all(users.map(([, hash]) => hash))
        .apply((hashes) => render(Object.fromEntries(users.map(([user], i) => [user, hashes[i]!])))),
    );
  }
}
