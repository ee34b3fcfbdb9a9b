import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/** One registered resource as the program declared it. */
export interface Declared {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  parent?: pulumi.Resource;
  opts: pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions;
  resource?: pulumi.Resource;
}

export const declared: Declared[] = [];
export const mockInputs = new Map<string, Record<string, unknown>>();

const fakeHash = (s: string) => createHash("sha256").update(s).digest("hex");

/** Computed outputs the real providers would fill in. */
function computed(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case "docker:index/remoteImage:RemoteImage":
      return {
        imageId: `sha256:${fakeHash(String(inputs.name))}`,
        repoDigest: `${inputs.name}@sha256:${fakeHash(name)}`,
      };
    case "tls:index/privateKey:PrivateKey":
      return {
        privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${name}\n-----END PRIVATE KEY-----\n`,
        publicKeyPem: "pub",
      };
    case "tls:index/selfSignedCert:SelfSignedCert":
    case "tls:index/locallySignedCert:LocallySignedCert":
      return {
        certPem: `-----BEGIN CERTIFICATE-----\n${name}\n-----END CERTIFICATE-----\n`,
        validityEndTime: "2036-12-01T00:00:00Z",
      };
    case "tls:index/certRequest:CertRequest":
      return { certRequestPem: `-----BEGIN CERTIFICATE REQUEST-----\n${name}\n-----END CERTIFICATE REQUEST-----\n` };
    case "random:index/randomPassword:RandomPassword":
      return { result: `pw-${fakeHash(name).slice(0, 24)}`, bcryptHash: `$2a$10$${fakeHash(name).slice(0, 53)}` };
    default:
      return {};
  }
}

let installed = false;

/** Installs Pulumi mocks with the given project config. */
export function installMocks(config: Record<string, unknown> = {}, project = "scaibu-observability"): void {
  if (installed) throw new Error("installMocks called twice in one process");
  installed = true;
  pulumi.runtime.setAllConfig(
    Object.fromEntries(
      Object.entries(config).map(([k, v]) => [`${project}:${k}`, typeof v === "string" ? v : JSON.stringify(v)]),
    ),
  );
  void pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        mockInputs.set(`${args.type}::${args.name}`, args.inputs);
        return { id: `${args.name}-id`, state: { ...args.inputs, ...computed(args.type, args.name, args.inputs) } };
      },
      call: (args) => args.inputs,
    },
    project,
    "unit",
    false,
  );
}

/** Pass as `transformations` on the root component: it sees every descendant with its options. */
export const record: pulumi.ResourceTransformation = (args) => {
  declared.push({
    type: args.type,
    name: args.name,
    inputs: args.props as Record<string, unknown>,
    parent: args.opts.parent,
    opts: args.opts,
    resource: args.resource,
  });
  return undefined;
};

export function promiseOf<T>(o: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) =>
    pulumi.output(o).apply((v) => {
      resolve(v as T);
      return v;
    }),
  );
}

/** Resolves every input of a declared resource (Outputs included) to plain values. */
export async function resolvedInputs(d: Declared): Promise<Record<string, unknown>> {
  return (await promiseOf(pulumi.output(d.inputs))) as Record<string, unknown>;
}

export async function urnName(r: pulumi.Resource | undefined): Promise<string | undefined> {
  if (!r) return undefined;
  const urn = await promiseOf(r.urn);
  return urn.split("::").pop();
}

export function byType(type: string): Declared[] {
  return declared.filter((d) => d.type === type);
}

/** The resolved inputs of every declared resource of `type`, keyed by their `name` input. */
export async function inputsByName(type: string): Promise<Map<string, Record<string, unknown>>> {
  const all = await Promise.all(byType(type).map(resolvedInputs));
  return new Map(all.map((inputs) => [String(inputs.name), inputs]));
}

/** docs/security.md's privilege rows: name → [user, capabilities, read-only rootfs, tmpfs]. */
export function securityRows(): Map<string, string[]> {
  const doc = readFileSync(join(__dirname, "..", "..", "docs", "security.md"), "utf8");
  const rows = [...doc.matchAll(/^\| `([^`]+)`\s*\| `([^`]+)`\s*\|([^|]+)\|\s*(yes|no)\s*\|([^|]+)\|/gm)];
  return new Map(rows.map(([, name, user, caps, ro, tmpfs]) => [name!, [user!, caps!.trim(), ro!, tmpfs!.trim()]]));
}

/** The rows of a swarm's node agents (Swarm services, `<domain>-node-…`), not containers. */
export const SWARM_ROW_PREFIX = "<domain>-";
