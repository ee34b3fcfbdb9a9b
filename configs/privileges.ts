/**
 * The least privilege each container runs with: one table, read by the Service component (every
 * container gets `cap_drop: ALL`, `no-new-privileges` and this user), by docs/security.md (a unit
 * test compares the two) and by the e2e security suite (which reads the same facts back from
 * `docker inspect` and from inside the collector's namespaces).
 *
 * Read-only root filesystems: the docker provider uploads config files with one archive
 * extracted at `/` (terraform-provider-docker resource_docker_container_funcs.go, `uploads`), and
 * the engine refuses any extraction into a read-only rootfs ("container rootfs is marked
 * read-only", moby daemon/archive_unix.go checkWritablePath). So only a container without
 * uploads has a read-only rootfs; the others run as a user that owns nothing in the image, which
 * leaves the writable layer unwritable to it (the e2e suite proves it for the collector).
 */
import type { Settings } from "../settings/schema";
import type { ServiceKey } from "./catalog";
import { MASKED_HOST_DIRS, OTEL_HOSTFS } from "./otel-collector";
import { DISK_METER_WWW } from "./disk-meter";

/** Linux capabilities, spelt as the engine stores and returns them (`CAP_…`: another spelling is a diff after every refresh). Typed: a misspelling is a type error. */
export type Capability = "CAP_DAC_READ_SEARCH";

export interface Privileges {
  /** `uid:gid` the container's processes (and its health check) run as. */
  user: string;
  /** Capabilities kept (all others are dropped). Docker gives them to uid 0 only. */
  capabilities: readonly Capability[];
  /** Supplementary groups. */
  groups: readonly string[];
  /** Paths mounted as an empty, read-only tmpfs, hiding what is below them. */
  masks: readonly string[];
  /** Paths mounted as a small writable tmpfs (scratch space the program needs). */
  scratch: readonly string[];
  /** IPC namespace: `none` leaves no /dev/shm to write to (the Go programs need none). */
  ipcNone: boolean;
  /** One line for docs/security.md. */
  why: string;
}

/** The collector's own uid, shared with no other container of the stack (see `collector`). */
export const COLLECTOR_UID = 10101;

/**
 * What the collector does not see of the host's `/` (read-only at /hostfs): its runtime and
 * temporary directories, each under an empty read-only tmpfs. host_metrics reads /proc, /sys and
 * statfs of the filesystems, none of which is under them (their mount points are excluded).
 */
export const HOSTFS_MASKS = MASKED_HOST_DIRS.map((p) => `${OTEL_HOSTFS}${p}`);

/** A service of the catalog, the collector's log agent (configs/otel-logs.ts), the disk meter (configs/disk-meter.ts) or a swarm's node agents and proxies (configs/fleet.ts). */
export type PrivilegedKey = ServiceKey | "otelLogs" | "diskMeter" | "nodeMetrics" | "nodeLogs" | "nodeProxy";

export function privilegesFor(key: PrivilegedKey, s: Settings): Privileges {
  const none = { capabilities: [], groups: [], masks: [], scratch: [], ipcNone: false } as const;
  switch (key) {
    case "traefik":
      return {
        ...none,
        user: "65534:65534",
        why: "reads its uploaded config and certificate; binds 80/443 inside its network namespace, which Docker opens to every user (net.ipv4.ip_unprivileged_port_start=0, moby daemon/oci_linux.go)",
      };
    case "otelCollector": {
      // In a swarm the node agents read the hosts; the gateway mounts nothing of its own.
      const host = s.hostMetrics.enabled && s.fleet.mode !== "swarm";
      return {
        ...none,
        user: `${COLLECTOR_UID}:${COLLECTOR_UID}`,
        // The image has no /tmp; with host metrics, the host's runtime and temporary directories
        // (its sockets) are masked. A read-only, empty /tmp of its own leaves it nothing to write
        // but its queue volume.
        masks: [...(host ? HOSTFS_MASKS : []), "/tmp"],
        ipcNone: true,
        why:
          "faces untrusted OTLP: a uid of its own (no other process of the stack shares it, so /proc/<pid> of the others stays closed to it), no capability, no group" +
          (host ? `; the host's / read-only at ${OTEL_HOSTFS} with ${HOSTFS_MASKS.join(", ")} masked` : "") +
          "; writes only its queue volume",
      };
    }
    case "otelLogs":
      return {
        ...none,
        user: "0:0",
        // Listing /var/lib/docker/containers/* (root:root 0710) and reading the logs (0640) needs
        // DAC_READ_SEARCH, which Docker gives to uid 0 only: read and search, never write.
        capabilities: ["CAP_DAC_READ_SEARCH"],
        ipcNone: true,
        why: "reads Docker's json logs (root:root 0640 in 0710 directories): uid 0 with DAC_READ_SEARCH alone; listens on no port, mounts only the log directory read-only, read-only rootfs (no uploads)",
      };
    // A swarm's node agents (configs/fleet.ts): Swarm tasks, whose config and certificate are
    // mounted files, so their rootfs is read-only. Swarm has no IPC mode for tasks (no `ipc: none`).
    case "nodeMetrics": {
      const host = s.hostMetrics.enabled;
      return {
        ...none,
        user: `${COLLECTOR_UID}:${COLLECTOR_UID}`,
        masks: [...(host ? HOSTFS_MASKS : []), "/tmp"],
        why:
          "a swarm node's host metrics and its containers': the collector's uid with no capability" +
          (host ? `; the node's / read-only at ${OTEL_HOSTFS} with ${HOSTFS_MASKS.join(", ")} masked` : "") +
          "; read-only rootfs; reads its node's Docker API only through that node's proxy; sends only to the gateway, with its client certificate",
      };
    }
    case "nodeProxy":
      return {
        ...none,
        user: "0:0",
        why: "a swarm node's Docker API for its metrics agent alone: root without any capability (the socket is root-owned 0660), the socket its one mount, read-only rootfs; docker_stats' reads only, 403 otherwise, on an internal overlay that only the metrics agents join",
      };
    case "nodeLogs":
      return {
        ...none,
        user: "0:0",
        capabilities: ["CAP_DAC_READ_SEARCH"],
        masks: ["/tmp"],
        why: "a swarm node's container logs: uid 0 with DAC_READ_SEARCH alone, mounts only the log directory read-only; read-only rootfs; sends only to the gateway, with its client certificate",
      };
    case "diskMeter":
      return {
        ...none,
        user: "0:0",
        // Each data volume belongs to its service's uid (0750): `du` of all of them needs to search
        // and stat what it does not own, DAC_READ_SEARCH, which Docker gives to uid 0 only.
        capabilities: ["CAP_DAC_READ_SEARCH"],
        scratch: [DISK_METER_WWW],
        ipcNone: true,
        why: `measures the data volumes (du), mounted read-only: uid 0 with DAC_READ_SEARCH alone, read-only rootfs (no uploads), writes only its metrics file on a tmpfs at ${DISK_METER_WWW}; serves it inside the network`,
      };
    case "loki":
      return { ...none, user: "10001:10001", why: "the image's user; writes only its data volume" };
    case "prometheus":
      return { ...none, user: "65534:65534", why: "the image's user (nobody); writes only its data volume" };
    case "jaeger":
      return { ...none, user: "10001:10001", why: "the image's user; writes only its data volume (badger)" };
    case "alertmanager":
      return {
        ...none,
        user: "65534:65534",
        why: "the image's user (nobody); writes only its data volume (silences, notification log)",
      };
    case "grafana":
      return {
        ...none,
        user: "472:0",
        why: "the image's user; writes its data volume (database, plugins)",
      };
    case "socketProxy":
      return {
        ...none,
        user: "0:0",
        // HAProxy runs on the uploaded filter in the foreground with no pidfile
        // (configs/socket-proxy.ts): it writes nothing, so no scratch space. The upload makes the
        // rootfs writable (an upload cannot go into a read-only one), as for every uploaded config.
        why: "root without any capability: the Docker socket is root-owned 0660 and its group differs per host; writes nothing",
      };
  }
}
