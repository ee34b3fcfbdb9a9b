/**
 * README's configuration table and the settings schema agree both ways: every key a user can set
 * is documented, and every documented key is accepted. Table cells name keys in backticks,
 * several per cell with " / "; `<svc>`, `<role>`, `<name>` stand for one segment, and `.*` or a
 * trailing placeholder for everything below it.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { inputJsonSchema } from "./schema";

interface Node {
  type?: string | string[];
  properties?: Record<string, Node>;
  additionalProperties?: Node | boolean;
  anyOf?: Node[];
}

/** Every leaf key of the schema: objects are walked, a record's values are `<*>`, arrays and scalars are leaves. */
function leaves(node: Node, path: string[] = []): string[] {
  const props = node.properties ?? node.anyOf?.find((n) => n.properties)?.properties;
  if (props) return Object.entries(props).flatMap(([k, n]) => leaves(n, [...path, k]));
  if (typeof node.additionalProperties === "object") return leaves(node.additionalProperties, [...path, "<*>"]);
  return [path.join(".")];
}

function documented(): string[] {
  const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
  const table = readme.slice(readme.indexOf("| key "), readme.indexOf("### Identity"));
  return [...table.matchAll(/^\| ([^|]+)\|/gm)]
    .map(([, cell]) => cell!)
    .filter((cell) => cell.includes("`"))
    .flatMap((cell) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
}

/** Whether README pattern `p` stands for schema leaf `leaf`. */
function covers(p: string, leaf: string): boolean {
  const ps = p.split("."),
    ls = leaf.split(".");
  for (let i = 0; i < ps.length; i++) {
    const seg = ps[i]!;
    const last = i === ps.length - 1;
    if (seg === "*") return ls.length > i;
    if (ls[i] === undefined) return false;
    const placeholder = /^<\w+>$/.test(seg);
    if (!placeholder && seg !== ls[i]) return false;
    if (last) return ls.length === ps.length || (placeholder && ls.length > i);
  }
  return false;
}

describe("README configuration table", () => {
  // A map key (`resourceAttributes`) is documented as itself: its entries are free-form names.
  const keys = leaves(inputJsonSchema() as Node).map((k) => k.replace(/(\.<\*>)+$/, ""));
  const docs = documented();

  it("finds both sides (the check is not vacuous)", () => {
    assert.ok(keys.length > 60, `${keys.length} schema keys`);
    assert.ok(docs.length > 40, `${docs.length} documented patterns`);
  });

  it("documents every key the program accepts", () => {
    assert.deepEqual(
      keys.filter((k) => !docs.some((p) => covers(p, k))),
      [],
    );
  });

  it("accepts every key it documents", () => {
    assert.deepEqual(
      docs.filter((p) => !keys.some((k) => covers(p, k))),
      [],
    );
  });
});
