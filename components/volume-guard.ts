import { execFile } from "node:child_process";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { STACK_LABEL } from "./routing";

const run = promisify(execFile);

/**
 * Labels of a Docker volume, or undefined when there is none of that name. Asks the `docker` CLI,
 * which follows DOCKER_HOST and contexts like the provider does (`docker:host` is passed through).
 */
async function volumeLabels(name: string): Promise<Record<string, string> | undefined> {
  const host = new pulumi.Config("docker").get("host");
  const env = host ? { ...process.env, DOCKER_HOST: host } : process.env;
  try {
    const { stdout } = await run("docker", ["volume", "inspect", "--format", "{{json .Labels}}", name], { env });
    return (JSON.parse(stdout) as Record<string, string> | null) ?? {};
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") {
      pulumi.log.warn(`docker CLI not found: cannot check that volume ${name} is not another stack's`);
      return undefined;
    }
    if (/no such volume/i.test(e.stderr ?? "")) return undefined;
    throw err;
  }
}

/**
 * A before-create hook for data volumes. Docker's volume create hands back an existing volume of
 * the same name, so a second stack with the same `instanceName` would silently adopt (and later
 * delete) the first one's data. Adopting is right only for this stack's own kept volume
 * (`keepDataVolumes`, then destroy and up again): the owner label says which.
 */
export function volumeOwnerGuard(stackLabel: string): pulumi.ResourceHookFunction {
  return async ({ newInputs }) => {
    const name = String(newInputs?.name);
    const labels = await volumeLabels(name);
    if (labels === undefined) return;
    const owner = labels[STACK_LABEL];
    if (owner === stackLabel) return;
    throw new Error(
      `Docker volume ${name} already exists and belongs to ${owner ? `stack ${owner}` : "no stack of this program"}, ` +
        `not to ${stackLabel}. Refusing to adopt its data: give this stack its own ` +
        `scaibu-observability:instanceName, or remove the volume if its data is not wanted.`,
    );
  };
}
