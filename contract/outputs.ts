/**
 * The stack outputs are a public contract: other stacks read them with StackReference. This is
 * their shape, as a schema (`optional`: absent when the service behind it is off);
 * docs/outputs.schema.json is generated from it and the README's
 * outputs table is checked against it (tests/unit/outputs-contract.test.ts). Changing a key or a
 * shape here is a breaking change for consumers.
 */
import { z } from "zod";

const creds = z.strictObject({ user: z.string(), password: z.string() });
const url = z.string().regex(/^https:\/\//);

/** Every output, with whether it leaves as a secret. */
export const OUTPUTS = {
  urls: { secret: false, schema: z.record(z.string(), url) },
  otlp: {
    secret: false,
    optional: true,
    schema: z.strictObject({
      grpc: z.string(),
      http: z.string(),
      internalGrpc: z.string(),
      internalHttp: z.string(),
      https: url.optional(),
    }),
  },
  networks: { secret: false, schema: z.record(z.string(), z.strictObject({ name: z.string(), id: z.string() })) },
  caCertPem: { secret: false, schema: z.string().startsWith("-----BEGIN CERTIFICATE-----") },
  etcHosts: { secret: false, schema: z.string() },
  grafanaAdmin: { secret: true, optional: true, schema: creds },
  operator: { secret: true, schema: creds },
  otlpToken: { secret: true, optional: true, schema: z.string().min(1) },
  traefikDashboard: { secret: true, optional: true, schema: creds.extend({ url }) },
  routing: {
    secret: false,
    optional: true,
    schema: z.strictObject({
      network: z.string(),
      label: z.strictObject({ key: z.string(), value: z.string() }),
      entrypoint: z.string(),
      hosts: z.record(z.string(), z.string()),
      httpsPort: z.number().int(),
    }),
  },
  /** fleet.mode swarm: the overlay apps on any node join to send OTLP to `otlp.internal*`, and the agents' services. */
  fleet: {
    secret: false,
    optional: true,
    schema: z.strictObject({ network: z.string(), agents: z.array(z.string()) }),
  },
} as const;

export type OutputName = keyof typeof OUTPUTS;

/** The JSON schema of all outputs (secret ones marked `"secret": true`). */
export function outputsJsonSchema(): unknown {
  return {
    $comment: "Generated from components/outputs.ts; the stack outputs of scaibu-observability (a public contract).",
    type: "object",
    properties: Object.fromEntries(
      Object.entries(OUTPUTS).map(([name, o]) => [name, { ...z.toJSONSchema(o.schema), secret: o.secret }]),
    ),
  };
}
