/** What the benches that deploy a throwaway stack share: the toolchain before, the teardown after. */
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { repo } from "@scaibu/observability-devkit";
import { run } from "./exec";

/** A current engine, the Pulumi CLI on PATH and the local images. */
export async function prepareToolchain(): Promise<void> {
  await run("bash", [join(repo, "toolchain/docker-engine.sh")], { passStderr: true });
  const toolbin = (await run("bash", [join(repo, "toolchain/ensure-pulumi.sh")], { passStderr: true })).trim();
  process.env.PATH = `${toolbin}:${process.env.PATH}`;
  await run("bash", [join(repo, "toolchain/images/build-all.sh")], { passStderr: true });
}

/** The path of telemetrygen, built from its Go module when not cached. */
export async function ensureTelemetrygen(): Promise<string> {
  return (await run("bash", [join(repo, "toolchain/ensure-go-tool.sh"), "telemetrygen"], { passStderr: true })).trim();
}

/** Destroys the throwaway stack (a failure is reported, not thrown) and removes its state directory. */
export async function destroyThrowaway(
  stack: Stack | undefined,
  state: string,
  progress: (m: string) => void,
): Promise<void> {
  if (stack) {
    progress("destroying");
    await stack.destroy({ onOutput: () => undefined }).catch((e: unknown) => progress(`destroy: ${String(e)}`));
    await stack.workspace.removeStack(stack.name).catch(() => undefined);
  }
  rmSync(state, { recursive: true, force: true });
}
