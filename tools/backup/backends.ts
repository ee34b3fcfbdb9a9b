/**
 * How each backend is backed up consistently, from upstream at the pinned versions (docs/backup.md
 * has the table with its sources):
 *   - Prometheus: the TSDB snapshot API (`POST /api/v1/admin/tsdb/snapshot`, behind
 *     `--web.enable-admin-api`; web/api/v1/api.go at v3.14.0), online: hard links of every block
 *     plus the head written as one more block, under `<data>/snapshots/<name>`; no WAL is needed to
 *     restore it (docs/storage.md "Backups", tsdb/db.go). The snapshot is removed once copied.
 *     Without the admin API: stopped, like the others.
 *   - Loki: no upstream procedure (grafana/loki#8005). `/flush` (pkg/loki/modules.go at v3.7.6:
 *     ingester, GET/POST, asynchronous), then stopped for the copy: the WAL, the TSDB shipper's
 *     active index and the chunks are then consistent on disk, and the WAL is replayed on start.
 *   - Jaeger (badger): badger holds an exclusive flock on its directories while open
 *     (badger v4.9.2 dir_unix.go); Jaeger exposes no badger backup (v2.20.0). Stopped for the copy;
 *     badger's Close flushes its memtables.
 *   - Grafana: "shut down your Grafana service before backing up the SQLite database" (Grafana
 *     docs, back-up-grafana); the image has no sqlite3 for an online backup. Stopped for the copy.
 *   - Alertmanager: silences and the notification log are written on shutdown
 *     (silence/maintenance.go, nflog.go at v0.35.0). Stopped for the copy.
 * While a backend is stopped, the collector's durable queue holds what arrives for it.
 */
import { ALERTMANAGER_DATA_DIR } from "../../configs/alertmanager";
import { GRAFANA_DATA_DIR } from "../../configs/grafana";
import { JAEGER_DATA_DIR } from "../../configs/jaeger";
import { LOKI_DATA_DIR } from "../../configs/loki";
import { PROMETHEUS_DATA_DIR } from "../../configs/prometheus";
import type { Method } from "./archive";

export interface BackendSpec {
  /** Where its data volume is mounted in its container. */
  dataDir: string;
  /** Its preferred method (Prometheus falls back to a stopped copy without the admin API). */
  method: Method;
  /** HTTP call before the copy, through Traefik (operator credentials). */
  prepare?: { method: "POST"; path: string };
}

export const BACKENDS = {
  prometheus: { dataDir: PROMETHEUS_DATA_DIR, method: "tsdb-snapshot" },
  loki: { dataDir: LOKI_DATA_DIR, method: "stopped-copy", prepare: { method: "POST", path: "/flush" } },
  jaeger: { dataDir: JAEGER_DATA_DIR, method: "stopped-copy" },
  grafana: { dataDir: GRAFANA_DATA_DIR, method: "stopped-copy" },
  alertmanager: { dataDir: ALERTMANAGER_DATA_DIR, method: "stopped-copy" },
} as const satisfies Record<string, BackendSpec>;

export type Backend = keyof typeof BACKENDS;
export const BACKEND_KEYS = Object.keys(BACKENDS) as Backend[];

/** Whether a backup's image may be restored into a stack running `target`: same or newer version. */
export function restorable(backup: string, target: string): { ok: true } | { ok: false; why: string } {
  if (backup === target) return { ok: true };
  const v = (ref: string) => {
    const m = /:v?(\d+)\.(\d+)\.(\d+)(?:[^/]*)$/.exec(ref);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
  };
  const [a, b] = [v(backup), v(target)];
  if (!a || !b)
    return {
      ok: false,
      why: `cannot compare ${backup} with ${target}: restore into the image the backup was taken on`,
    };
  for (let i = 0; i < 3; i++) {
    if (b[i]! > a[i]!) return { ok: true };
    if (b[i]! < a[i]!)
      return {
        ok: false,
        why: `${target} is older than ${backup}: data written by a newer release may not be readable by an older one (docs/upgrading.md)`,
      };
  }
  return { ok: true };
}
