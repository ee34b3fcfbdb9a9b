import { execFile } from "node:child_process";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { STACK_LABEL } from "@scaibu/observability-routing";

const run = promisify(execFile);

/** Checks a data volume's name before the volume is declared; rejects to stop the program. */
export type VolumeCheck = (dockerName: string) => Promise<void>;

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
    if (/no such volume/i.test(e.stderr ?? "")) return undefined;
    pulumi.log.warn(
      `cannot check who owns Docker volume ${name} (${e.code === "ENOENT" ? "no docker CLI" : e.message})`,
    );
    return undefined;
  }
}

/**
 * Docker's volume create hands back an existing volume of the same name, so a second stack with
 * the same `instanceName` would silently adopt (and on destroy delete) the first one's data. The
 * check runs while the program runs, so `preview` already fails. Adopting is right for this
 * stack's own kept volume (`keepDataVolumes`, destroy, up) and, when asked, for the volumes of
 * the stack it was renamed from (`adoptVolumesFrom`): the owner label says which.
 */
export function dockerVolumeOwnerCheck(stackLabel: string, adoptFrom?: string): VolumeCheck {
  return async (name) => {
    const labels = await volumeLabels(name);
    if (labels === undefined) return;
    const owner = labels[STACK_LABEL];
    if (owner === stackLabel || (adoptFrom !== undefined && owner === adoptFrom)) return;
    throw new pulumi.RunError(
      `Docker volume ${name} already exists and belongs to ${owner ? `stack ${owner}` : "no stack of this program"}, ` +
        `not to ${stackLabel}. Refusing to adopt its data: give this stack its own ` +
        `scaibu-observability:instanceName, or, if this stack was renamed from ${owner ?? "it"}, set ` +
        `scaibu-observability:adoptVolumesFrom to ${owner ? JSON.stringify(owner) : "its owner"}.`,
    );
  };
}
