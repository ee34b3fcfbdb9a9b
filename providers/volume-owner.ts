import * as pulumi from "@pulumi/pulumi";
import { STACK_LABEL } from "@scaibu/observability-routing";
import { dockerGet } from "./docker-api";

/** Checks a data volume's name before the volume is declared; rejects to stop the program. */
export type VolumeCheck = (dockerName: string) => Promise<void>;

interface VolumeInspect {
  Name: string;
  Labels?: Record<string, string> | null;
}

/** Labels of a Docker volume, or undefined when there is none of that name. */
async function volumeLabels(endpoint: string, name: string): Promise<Record<string, string> | undefined> {
  const v = await dockerGet<VolumeInspect>(endpoint, `/volumes/${encodeURIComponent(name)}`);
  return v && (v.Labels ?? {});
}

/** Names of the Docker volumes that carry this stack's label. */
export async function stackVolumes(endpoint: string, stackLabel: string): Promise<string[]> {
  const list = await dockerGet<{ Volumes?: VolumeInspect[] | null }>(endpoint, "/volumes", {
    filters: { label: [`${STACK_LABEL}=${stackLabel}`] },
  });
  return (list?.Volumes ?? []).map((v) => v.Name).sort();
}

/**
 * Docker's volume create hands back an existing volume of the same name, so a second stack with
 * the same `instanceName` would silently adopt (and on destroy delete) the first one's data. The
 * check runs while the program runs, so `preview` already fails. Adopting is right for this
 * stack's own kept volume (`keepDataVolumes`, destroy, up) and, when asked, for the volumes of
 * the stack it was renamed from (`adoptVolumesFrom`): the owner label says which.
 */
export function dockerVolumeOwnerCheck(endpoint: string, stackLabel: string, adoptFrom?: string): VolumeCheck {
  return async (name) => {
    let labels: Record<string, string> | undefined;
    try {
      labels = await volumeLabels(endpoint, name);
    } catch (err) {
      throw new pulumi.RunError(`cannot check who owns Docker volume ${name}: ${(err as Error).message}`);
    }
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
