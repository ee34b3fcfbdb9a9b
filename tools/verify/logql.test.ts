/** Every LogQL expression `npm run verify` sends parses with Loki's grammar (packages/devkit logql). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { logqlErrors, VERIFY_SERVICE } from "@scaibu/observability-devkit";
import { apiCalls, logReadQuery } from "./api-tables";

describe("verify's LogQL", () => {
  const fromCalls = apiCalls("run1", "0123456789abcdef0123456789abcdef")
    .filter((c) => c.service === "loki")
    .flatMap((c) => [...new URL(`http://x${c.path}`).searchParams].filter(([k]) => ["query", "match[]"].includes(k)))
    .map(([, v]) => v);
  const exprs = [logReadQuery(VERIFY_SERVICE, "run1"), ...fromCalls];

  it("finds the queries (the check is not vacuous)", () => {
    assert.ok(exprs.length >= 4, exprs.join("\n"));
  });

  it("parses every one", () => {
    assert.deepEqual(logqlErrors(exprs), []);
  });
});
