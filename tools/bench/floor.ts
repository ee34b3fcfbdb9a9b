/**
 * The engine's floor: `pulumi preview` of an empty Node program (no resources, no providers), run
 * with the same CLI, language host, node_modules and backend kind as the stack. A no-op preview of
 * the stack can never be faster than this; the benchmark reports the stack's preview and up as
 * multiples of it, measured minutes apart in the same run.
 */
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { localStack } from "@scaibu/observability-devkit";

export async function floorStack(dir: string, repo: string): Promise<Stack> {
  const work = join(dir, "program");
  mkdirSync(join(dir, "state"), { recursive: true });
  mkdirSync(work, { recursive: true });
  writeFileSync(
    join(work, "Pulumi.yaml"),
    "name: floor\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n",
  );
  writeFileSync(join(work, "package.json"), JSON.stringify({ name: "floor", main: "index.js" }));
  writeFileSync(join(work, "index.js"), "module.exports = {};\n");
  symlinkSync(join(repo, "node_modules"), join(work, "node_modules"));
  const stack = await localStack("floor", join(dir, "state"), work);
  await stack.up(); // one empty update, so later previews compare against a real checkpoint
  return stack;
}
