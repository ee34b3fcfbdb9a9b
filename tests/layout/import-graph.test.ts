/**
 * The layers stay apart: the program never imports the tools, the tests or the scripts; tools and
 * tests never import each other (what they share is packages/devkit); the consumer example uses
 * only published-style packages, never the program's folders. Imports are read with the
 * TypeScript compiler's own pre-processor, so `import`, `export … from`, `import()` and
 * `require()` all count.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import ts from "typescript";

const repo = resolve(__dirname, "..", "..");
const PROGRAM = ["index.ts", "pulumi-main.js", "components/", "configs/", "settings/", "contract/", "providers/"];
/** A test beside the code it tests (configs/x.test.ts) is part of that code's folder, not of tests/. */
const isBesideTest = (f: string) => f.endsWith(".test.ts") && !f.startsWith("tests/");
const layer = (f: string): "program" | "tools" | "tests" | "examples" | "scripts" | "package" | "other" => {
  if (f.startsWith("package:")) return "package";
  if (f.startsWith("tests/")) return "tests";
  if (PROGRAM.some((p) => f === p || f.startsWith(p))) return "program";
  if (f.startsWith("tools/")) return "tools";
  if (f.startsWith("examples/")) return "examples";
  if (f.startsWith("scripts/")) return "scripts";
  return "other";
};

const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts", "*.js"], {
  cwd: repo,
  encoding: "utf8",
})
  .split("\n")
  .filter((f) => f && !f.includes("node_modules/") && existsSync(join(repo, f)));

/** Every import of `file`: a repository path for a relative one, `package:<name>` otherwise. */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(join(repo, file), "utf8"), true, true);
  return importedFiles.map(({ fileName }) =>
    fileName.startsWith(".") ? relative(repo, resolve(dirname(join(repo, file)), fileName)) : `package:${fileName}`,
  );
}

const edges = files.flatMap((from) => importsOf(from).map((to) => ({ from, to })));
const violations = (rule: (from: string, to: string) => boolean) =>
  edges.filter(({ from, to }) => rule(from, to)).map(({ from, to }) => `${from} -> ${to}`);

describe("import graph", () => {
  it("reads imports (the check itself finds edges)", () => {
    assert.ok(edges.some(({ from, to }) => from === "index.ts" && to === "components/stack"));
    assert.ok(edges.some(({ to }) => to === "package:@scaibu/observability-devkit"));
  });

  it("the program imports no script, tool, test or dev kit", () => {
    assert.deepEqual(
      violations(
        (from, to) =>
          layer(from) === "program" &&
          !isBesideTest(from) &&
          (["scripts", "tools", "tests", "examples"].includes(layer(to)) ||
            to === "package:@scaibu/observability-devkit"),
      ),
      [],
    );
  });

  it("tools and tests do not import each other", () => {
    assert.deepEqual(
      violations((from, to) => {
        const [a, b] = [layer(from), layer(to)];
        return (a === "tools" && b === "tests") || (a === "tests" && b === "tools");
      }),
      [],
    );
  });

  it("the consumer example imports none of the program's folders", () => {
    assert.deepEqual(
      violations((from, to) => layer(from) === "examples" && !["examples", "package"].includes(layer(to))),
      [],
    );
  });
});
