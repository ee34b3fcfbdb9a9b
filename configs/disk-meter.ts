/**
 * The disk meter: how full each data volume is, as Prometheus metrics, so the budget alerts
 * (configs/disk-rules.ts), `npm run status` and the Grafana dashboard can compare it with its
 * share. Loki and Jaeger report no size of their store (Loki v3.7 has no gauge for its chunks or
 * index; Jaeger's badger gauges count only .sst/.vlog files), so one measurement covers all: `du`.
 *
 * It runs the Prometheus image the stack already pulls (busybox: `du`, `httpd`, `wget`;
 * prometheus/prometheus@v3.14.0 Dockerfile `FROM quay.io/prometheus/busybox`), mounts every data
 * volume read-only, and serves a text file over HTTP inside the network. uid 0 with
 * CAP_DAC_READ_SEARCH alone (each volume belongs to its service's uid); read-only rootfs (its
 * script is its command line), a small tmpfs for the file (configs/privileges.ts).
 */
import type { ServiceKey } from "./catalog";
import type { Budgeted } from "./disk-budget";
import type { HealthcheckSpec } from "./types";

/** Its container name part: `<domain>.disk-usage`. */
export const DISK_METER_HOST = "disk-usage";
export const DISK_METER_JOB = "disk-usage";
export const DISK_METER_PORT = 9108;
/** du and httpd of busybox: a few MiB (page cache of what du reads is the kernel's). */
export const DISK_METER_MEMORY_MB = 64;
/** Where the volumes are mounted (`/volumes/<host>-<role>`) and where the metrics file is served from. */
export const DISK_METER_VOLUMES_DIR = "/volumes";
export const DISK_METER_WWW = "/www";

export const USED_METRIC = "scaibu_volume_used_bytes";
export const BUDGET_METRIC = "scaibu_volume_budget_bytes";
export const LAST_RUN_METRIC = "scaibu_volume_meter_last_run_timestamp_seconds";

export interface MeteredVolume {
  /** Docker volume name, e.g. `scaibu-loki-data` (the `volume` label). */
  name: string;
  /** Catalog key of the service that writes it (the `service` label). */
  service: ServiceKey;
  /** What it holds (`data`, `queue`): the service's volume of that role. */
  role: string;
  /** Directory under DISK_METER_VOLUMES_DIR it is mounted at. */
  dir: string;
  /** Its share of the disk budget, when it has one. */
  budgetBytes?: number;
  budgetKey?: Budgeted;
}

export interface DiskMeterInput {
  volumes: MeteredVolume[];
  intervalSeconds: number;
}

/** Where a volume is mounted in the meter. */
export function meterPath(v: Pick<MeteredVolume, "dir">): string {
  return `${DISK_METER_VOLUMES_DIR}/${v.dir}`;
}

const labels = (v: MeteredVolume) => `{volume="${v.name}",service="${v.service}"}`;

/**
 * The meter's command line: `sh -c <script>`. The script writes the help lines at once (so the
 * health check passes before a first `du` of a large volume ends), then measures every volume
 * each interval into a temporary file it renames over the served one (a scrape never sees half a
 * file). `trap` makes sh, as PID 1, end on `docker stop`.
 */
export function diskMeterCommand(input: DiskMeterInput): string[] {
  for (const v of input.volumes) {
    if (!/^[a-z0-9][a-z0-9_.-]*$/.test(v.dir) || !/^[a-zA-Z0-9_.-]+$/.test(v.name)) {
      throw new Error(`disk meter: volume ${v.name} (${v.dir}) is not a plain name`);
    }
  }
  const head = [
    `# HELP ${USED_METRIC} Bytes a data volume of the stack holds (du -sk).`,
    `# TYPE ${USED_METRIC} gauge`,
  ];
  const budgets = input.volumes.filter((v) => v.budgetBytes !== undefined);
  const budgetLines = [
    `# HELP ${BUDGET_METRIC} Share of storage.budgetGb given to the volume.`,
    `# TYPE ${BUDGET_METRIC} gauge`,
    ...budgets.map((v) => `${BUDGET_METRIC}${labels(v)} ${v.budgetBytes}`),
    `# HELP ${LAST_RUN_METRIC} When the volumes were last measured.`,
    `# TYPE ${LAST_RUN_METRIC} gauge`,
  ];
  const echo = (line: string) => {
    // Single-quoted for sh: a quote inside would end the string and break the script.
    if (line.includes("'")) throw new Error(`disk meter line must not hold a single quote: ${line}`);
    return `echo '${line}'`;
  };
  const file = `${DISK_METER_WWW}/metrics`;
  const measure = input.volumes.map(
    (v) =>
      `kb=$(du -sk ${meterPath(v)} 2>/dev/null | cut -f1); ` +
      `echo "${USED_METRIC}${labels(v).replace(/"/g, '\\"')} $((\${kb:-0} * 1024))"`,
  );
  const script = [
    "trap 'exit 0' TERM INT",
    `{ ${[...head, ...budgetLines].map(echo).join("; ")}; } > ${file}`,
    `httpd -f -p ${DISK_METER_PORT} -h ${DISK_METER_WWW} &`,
    "while :; do",
    `  { ${[...head.map(echo), ...measure, ...budgetLines.map(echo), `echo "${LAST_RUN_METRIC} $(date +%s)"`].join("; ")}; } > ${file}.tmp && mv ${file}.tmp ${file}`,
    `  sleep ${input.intervalSeconds} & wait $!`,
    "done",
  ].join("\n");
  return [script];
}

/** The meter's entrypoint: the image's shell (the Prometheus image's ENTRYPOINT is /bin/prometheus). */
export const DISK_METER_ENTRYPOINT = ["/bin/sh", "-c"];

export const diskMeterHealthcheck: HealthcheckSpec = {
  test: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${DISK_METER_PORT}/metrics`],
  startPeriod: "10s",
};
