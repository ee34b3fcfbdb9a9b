/**
 * Identity of everything that holds state the user cannot get back: data volumes, networks other
 * projects attach to, the CA (every client trusts it) and generated passwords. A change to any
 * of these logical names or identity inputs makes Pulumi delete and re-create the object.
 *
 * `identity-baseline.json` was written from the program before the identity refactor and is never
 * regenerated: every entry must still be reachable in today's graph, by name or through an alias,
 * with the same identity inputs (or be listed in `INTENDED` with the reason it changed).
 * `identity-current.json` is today's exact list: a new stateful resource must be added on purpose
 * (UPDATE_IDENTITY=1 rewrites it).
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { declared, installMocks, promiseOf, record, resolvedInputs } from "./harness";

installMocks({ keepDataVolumes: true });

import { loadSettings } from "../../settings/load";
import { ObservabilityStack } from "../../components/stack";

export interface Identity {
  type: string;
  name: string;
  /** Former logical names this resource still answers to (Pulumi aliases). */
  aliases?: string[];
  /** The inputs whose change replaces the object. */
  identity: Record<string, unknown>;
}

/** Inputs that force replacement, per stateful type (provider schemas: ForceNew / RequiresReplace). */
const IDENTITY_INPUTS: Record<string, string[]> = {
  "docker:index/volume:Volume": ["name", "driver"],
  "docker:index/network:Network": ["name", "driver", "ipamConfigs"],
  "tls:index/privateKey:PrivateKey": ["algorithm", "ecdsaCurve"],
  "tls:index/selfSignedCert:SelfSignedCert": ["subject", "isCaCertificate"],
  "random:index/randomPassword:RandomPassword": ["length", "special"],
};

/**
 * Baseline identities that changed on purpose, with why. Default network names now carry the
 * per-deployment `instanceName`, so two stacks on one host do not collide (a stack that names its
 * networks in config, like Pulumi.dev.yaml, keeps them).
 */
const INTENDED: Record<string, { why: string; identity: Record<string, unknown> }> = Object.fromEntries(
  ["observability", "data", "messaging", "cicd", "temporal"].map((role) => [
    `observability-networks-${role}`,
    {
      why: "default network names carry instanceName; the observability network states its gateway",
      identity: {
        name: `scaibu-${role}-network`,
        driver: "bridge",
        // The gateway is spelt out: the engine fills it in, and a refresh then saw a diff.
        ...(role === "observability" ? { ipamConfigs: [{ subnet: "172.28.0.0/16", gateway: "172.28.0.1" }] } : {}),
      },
    },
  ]),
);

const BASELINE = join(__dirname, "identity-baseline.json");
const CURRENT = join(__dirname, "identity-current.json");
let current: Identity[] = [];

before(async () => {
  const stack = new ObservabilityStack(
    "observability",
    { settings: loadSettings(), stackLabel: "scaibu-observability/unit" },
    { transformations: [record] },
  );
  await promiseOf(stack.urn);
  for (const d of declared) {
    const keys = IDENTITY_INPUTS[d.type];
    if (!keys) continue;
    const inputs = await resolvedInputs(d);
    const aliases = (d.opts.aliases ?? []).map((a) => String((a as { name?: unknown }).name ?? a));
    current.push({
      type: d.type,
      name: d.name,
      ...(aliases.length ? { aliases } : {}),
      identity: Object.fromEntries(keys.filter((k) => inputs[k] !== undefined).map((k) => [k, inputs[k]])),
    });
  }
  current = current.sort((a, b) => `${a.type} ${a.name}`.localeCompare(`${b.type} ${b.name}`));
  if (process.env.UPDATE_IDENTITY === "1") writeFileSync(CURRENT, JSON.stringify(current, null, 2) + "\n");
});

describe("stateful resource identities", () => {
  it("match the checked-in list exactly", () => {
    const expected = JSON.parse(readFileSync(CURRENT, "utf8")) as Identity[];
    assert.deepEqual(current, expected);
  });

  it("keep every identity of the pre-refactor baseline", () => {
    const baseline = JSON.parse(readFileSync(BASELINE, "utf8")) as Identity[];
    for (const old of baseline) {
      const now = current.find((c) => c.type === old.type && (c.name === old.name || c.aliases?.includes(old.name)));
      assert.ok(now, `${old.type} ${old.name} is gone: its state would be deleted and re-created`);
      const expected = INTENDED[old.name]?.identity ?? old.identity;
      assert.deepEqual(now.identity, expected, `${old.type} ${old.name}: identity inputs changed`);
    }
  });
});
