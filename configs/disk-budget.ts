/**
 * The disk budget: one number (`storage.budgetGb`, GiB) split among the backends that grow, by
 * weights (`storage.shares`), and turned into what each backend can enforce:
 *   - Prometheus: size-based retention in prometheus.yml (`storage.tsdb.retention.size`, base-2
 *     units; prometheus/prometheus@v3.14.0 config/config.go TSDBRetentionConfig), at 85 % of its
 *     share, since compaction holds source and result blocks at once (docs/storage.md "Operational
 *     aspects"). It counts the WAL and head chunks too (tsdb/db.go BeyondSizeRetention);
 *   - the collector's queue: `file_storage` `max_size`, a hard cap per bbolt file (contrib
 *     extension/storage/filestorage@v0.161.0 config.go `MaxSize`, client.go bboltOptions); a full
 *     file refuses new batches, which the exporter counts as enqueue failures;
 *   - Loki and Jaeger have no size limit upstream (Loki v3.7: retention by time only, compactor;
 *     Jaeger v2.20 badger: `ttl.spans` only): their share is watched by the disk meter
 *     (configs/disk-meter.ts) and alerts fire at 80 % and 95 % of it (configs/disk-rules.ts).
 * Grafana and Alertmanager keep megabytes and are left out of the split.
 */
import { z } from "zod";

export const GIB = 1024 ** 3;
export const MIB = 1024 ** 2;

/** Backends that share the budget, keyed by their catalog key (the collector: its queue). */
export const BUDGETED = ["prometheus", "loki", "jaeger", "otelCollector"] as const;
export type Budgeted = (typeof BUDGETED)[number];

const weight = z.number().int().min(1).max(100);

/** The `storage` config key. */
export const storageSettings = z
  .strictObject({
    /** Disk the stack's data volumes may use together, in GiB (2^30 bytes). */
    budgetGb: z.number().min(0.1).max(1_000_000).default(20),
    /** Relative weights of the split (normalised over the backends that keep data). */
    shares: z
      .strictObject({
        prometheus: weight.default(45),
        loki: weight.default(30),
        jaeger: weight.default(20),
        otelCollector: weight.default(5),
      })
      .prefault({}),
    /** Run the disk meter (configs/disk-meter.ts): volume sizes as metrics, and the budget alerts. */
    meter: z.boolean().default(true),
    /** Seconds between two measurements of every volume (`du`). */
    meterIntervalSeconds: z.number().int().min(10).max(3600).default(60),
  })
  .prefault({});

export type StorageSettings = z.output<typeof storageSettings>;

/** The budgeted backends that keep data on a volume under these settings. */
export function keepsData(s: {
  services: Record<Budgeted, { enabled: boolean }>;
  jaeger: { storage: string };
  collector: { persistentQueue: boolean };
}): Budgeted[] {
  return BUDGETED.filter(
    (k) =>
      s.services[k].enabled &&
      (k !== "jaeger" || s.jaeger.storage === "badger") &&
      (k !== "otelCollector" || s.collector.persistentQueue),
  );
}

/** Bytes of the budget each backend that keeps data gets (the others get nothing). */
export function diskShares(
  storage: StorageSettings,
  keepsData: readonly Budgeted[],
): Partial<Record<Budgeted, number>> {
  const total = keepsData.reduce((sum, k) => sum + storage.shares[k], 0);
  const budget = storage.budgetGb * GIB;
  return Object.fromEntries(keepsData.map((k) => [k, Math.floor((budget * storage.shares[k]) / total)]));
}

/** Prometheus' size retention for a share: 85 % of it, in whole MiB (Prometheus' "MB" is 2^20). */
export function prometheusRetentionSize(shareBytes: number): string {
  return `${Math.max(1, Math.floor((shareBytes * 0.85) / MIB))}MB`;
}

/** Bytes of a Prometheus size (`10GB`, base 2 as Prometheus reads it: alecthomas/units ParseBase2Bytes). */
export function base2Bytes(size: string): number {
  const m = /^(\d+)(B|KB|MB|GB|TB|PB|EB)$/.exec(size);
  if (!m) throw new Error(`not a size: ${size}`);
  return Number(m[1]) * 1024 ** ["B", "KB", "MB", "GB", "TB", "PB", "EB"].indexOf(m[2]!);
}

/**
 * The collector queue's share as bbolt's `max_size`, per file: one file per exporter that uses
 * the queue, and online compaction writes a second copy beside it before the swap.
 */
export function queueFileMaxBytes(shareBytes: number, exporters: number): number {
  return Math.floor(shareBytes / (exporters * 2));
}
