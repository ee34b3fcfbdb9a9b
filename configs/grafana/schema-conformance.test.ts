/**
 * The dashboard model (configs/grafana/dashboard.ts) speaks Grafana's own vocabulary: each key it
 * declares is a key of the matching type in @grafana/schema 13.2.3 (the dashboard types of
 * Grafana 13.2). Checked by tsc (the static tier): a key misspelled in the model, and so in every
 * builder, is a type error here. Why the model and not Grafana's types themselves: the model is
 * narrower (typed targets, a unit union, no index signatures), and @grafana/schema's string enums
 * and `Record<string, unknown>` targets would accept less and check less (docs/upstream.md).
 * Known gap, on Grafana's side: `VariableModel` lacks `definition`, which Grafana writes and reads.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type * as G from "@grafana/schema";
import type { Dashboard, GridPos, Panel, TemplateVariable } from "./dashboard";

/** `true` when every key of A is a key of B (of either, for a union); else the keys that are not. */
type AnyKey<B> = B extends unknown ? keyof B : never;
type KeysOf<A, B> = [Exclude<keyof A, AnyKey<B>>] extends [never] ? true : Exclude<keyof A, AnyKey<B>>;
type Defaults = NonNullable<Panel["fieldConfig"]>["defaults"];

const checks = {
  dashboard: true satisfies KeysOf<Dashboard, G.Dashboard>,
  panel: true satisfies KeysOf<Panel, G.Panel | G.RowPanel>,
  gridPos: true satisfies KeysOf<GridPos, G.GridPos>,
  fieldDefaults: true satisfies KeysOf<Defaults, G.FieldConfig>,
  variable: true satisfies KeysOf<Omit<TemplateVariable, "definition">, G.VariableModel>,
};

// The check is real: a misspelled key is reported by tsc.
// @ts-expect-error `gridPoss` is not a key of Grafana's Panel
const broken: true = true satisfies KeysOf<Panel & { gridPoss: GridPos }, G.Panel | G.RowPanel>;

describe("dashboard model against @grafana/schema", () => {
  it("is checked by tsc (this file compiles only if every key is Grafana's)", () => {
    assert.deepEqual(Object.values(checks), [true, true, true, true, true]);
    assert.equal(broken, true);
  });
});
