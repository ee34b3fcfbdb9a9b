/**
 * A small typed model of the Grafana dashboard JSON this stack provisions (the subset we use),
 * plus helpers that lay panels out on the 24-column grid deterministically.
 */
import { CATALOG } from "../catalog";

export interface DatasourceRef {
  type: "prometheus" | "loki" | "jaeger";
  uid: string;
}

export interface Target {
  refId: string;
  datasource: DatasourceRef;
  expr: string;
  legendFormat: string;
  range: boolean;
  instant: boolean;
  format?: "time_series" | "table";
  /** Show exemplars (spanmetrics attaches trace_id exemplars to the calls counter). */
  exemplar?: boolean;
}

export type Unit = "reqps" | "percentunit" | "ms" | "short" | "bytes" | "Bps" | "none";

/** A link on every series of a panel; `${__field.labels.<label>}` takes the clicked series' label. */
export interface DataLink {
  title: string;
  url: string;
  targetBlank: boolean;
}

export interface GridPos {
  h: number;
  w: number;
  x: number;
  y: number;
}

export interface Panel {
  id: number;
  type: "timeseries" | "stat" | "row";
  title: string;
  description?: string;
  gridPos: GridPos;
  datasource?: DatasourceRef;
  targets?: Target[];
  fieldConfig?: {
    defaults: {
      unit: Unit;
      min?: number;
      max?: number;
      decimals?: number;
      thresholds?: { mode: "absolute"; steps: { color: string; value: number | null }[] };
      mappings?: { type: "value"; options: Record<string, { text: string; color: string }> }[];
      color?: { mode: "thresholds" | "palette-classic" };
      links?: DataLink[];
    };
    overrides: never[];
  };
  options?: Record<string, unknown>;
  collapsed?: boolean;
  panels?: Panel[];
}

export interface TemplateVariable {
  name: string;
  label: string;
  type: "query";
  datasource: DatasourceRef;
  query: { qryType: 1; query: string; refId: string };
  definition: string;
  refresh: 2;
  includeAll: boolean;
  multi: boolean;
  allValue: string;
  current: { selected: boolean; text: string[]; value: string[] };
  sort: 1;
}

export interface Dashboard {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  timezone: "browser" | "utc";
  editable: boolean;
  graphTooltip: 0 | 1 | 2;
  refresh: string;
  schemaVersion: number;
  time: { from: string; to: string };
  templating: { list: TemplateVariable[] };
  annotations: { list: never[] };
  links: never[];
  panels: Panel[];
}

export const PROMETHEUS_REF: DatasourceRef = { type: "prometheus", uid: CATALOG.prometheus.datasourceUid };

/** Grafana's schema version for the JSON written here; Grafana migrates older versions on load. */
export const DASHBOARD_SCHEMA_VERSION = 39;

export function promTarget(refId: string, expr: string, legendFormat: string): Target {
  return { refId, datasource: PROMETHEUS_REF, expr, legendFormat, range: true, instant: false };
}

export function promVariable(name: string, label: string, query: string): TemplateVariable {
  return {
    name,
    label,
    type: "query",
    datasource: PROMETHEUS_REF,
    query: { qryType: 1, query, refId: "PrometheusVariableQueryEditor-VariableQuery" },
    definition: query,
    refresh: 2,
    includeAll: true,
    multi: true,
    allValue: ".*",
    current: { selected: true, text: ["All"], value: ["$__all"] },
    sort: 1,
  };
}

export interface PanelSpec {
  title: string;
  description: string;
  unit: Unit;
  targets: Target[];
  type?: "timeseries" | "stat";
  width?: number;
  height?: number;
  min?: number;
  max?: number;
  thresholds?: { color: string; value: number | null }[];
  mappings?: Record<string, { text: string; color: string }>;
  links?: DataLink[];
}

/** Lays out rows of panels left-to-right, top-to-bottom; ids are assigned in order (stable). */
export class Layout {
  private readonly panels: Panel[] = [];
  private x = 0;
  private y = 0;
  private rowHeight = 0;
  private nextId = 1;

  row(title: string): this {
    this.newLine();
    this.panels.push({
      id: this.nextId++,
      type: "row",
      title,
      collapsed: false,
      panels: [],
      gridPos: { h: 1, w: 24, x: 0, y: this.y },
    });
    this.y += 1;
    return this;
  }

  panel(spec: PanelSpec): this {
    const w = spec.width ?? 12;
    const h = spec.height ?? 8;
    if (this.x + w > 24) this.newLine();
    const type = spec.type ?? "timeseries";
    this.panels.push({
      id: this.nextId++,
      type,
      title: spec.title,
      description: spec.description,
      gridPos: { h, w, x: this.x, y: this.y },
      datasource: PROMETHEUS_REF,
      targets: spec.targets,
      fieldConfig: {
        defaults: {
          unit: spec.unit,
          ...(spec.min !== undefined ? { min: spec.min } : {}),
          ...(spec.max !== undefined ? { max: spec.max } : {}),
          ...(spec.thresholds ? { thresholds: { mode: "absolute" as const, steps: spec.thresholds } } : {}),
          ...(spec.mappings ? { mappings: [{ type: "value" as const, options: spec.mappings }] } : {}),
          color: { mode: type === "stat" ? ("thresholds" as const) : ("palette-classic" as const) },
          ...(spec.links ? { links: spec.links } : {}),
        },
        overrides: [],
      },
      options:
        type === "stat"
          ? {
              reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false },
              colorMode: "background",
              graphMode: "none",
              textMode: "value_and_name",
            }
          : {
              legend: { displayMode: "table", placement: "bottom", showLegend: true, calcs: ["mean", "max"] },
              tooltip: { mode: "multi", sort: "desc" },
            },
    });
    this.x += w;
    this.rowHeight = Math.max(this.rowHeight, h);
    return this;
  }

  build(): Panel[] {
    return this.panels;
  }

  private newLine(): void {
    if (this.x > 0) {
      this.y += this.rowHeight;
      this.x = 0;
      this.rowHeight = 0;
    }
  }
}

/** What differs between the stack's dashboards; the rest of the JSON is the same for all. */
export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  panels: Panel[];
  /** Default: the last 3 hours. */
  time?: { from: string; to: string };
  variables?: TemplateVariable[];
}

/** A read-only dashboard refreshing every 30 s, with a shared crosshair, in the browser's timezone. */
export function dashboard(spec: DashboardSpec): Dashboard {
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: spec.tags,
    timezone: "browser",
    editable: false,
    graphTooltip: 1,
    refresh: "30s",
    schemaVersion: DASHBOARD_SCHEMA_VERSION,
    time: spec.time ?? { from: "now-3h", to: "now" },
    templating: { list: spec.variables ?? [] },
    annotations: { list: [] },
    links: [],
    panels: spec.panels,
  };
}

/**
 * Serialises a dashboard with stable key order (object literal order) and a trailing newline.
 * Compact, not indented: the dashboards are most of Grafana's uploads, and the docker provider's
 * Check and Diff of a container cost time in proportion to its uploads on every preview.
 */
export function dashboardJson(d: Dashboard): string {
  return JSON.stringify(d) + "\n";
}
