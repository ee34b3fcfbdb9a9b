/**
 * The seed's API tables (§4.1-4.3) as calls, each with the method and status the pinned release
 * answers (docs/upstream.md). Paths are relative to the service's https URL.
 */
export interface ApiCall {
  service: "prometheus" | "loki" | "jaeger";
  method: "GET" | "POST";
  path: string;
  expect: number;
  body?: string;
  contentType?: string;
  /** Why the call is listed but not made. */
  notCalled?: string;
}

const now = () => Math.floor(Date.now() / 1000);
const form = "application/x-www-form-urlencoded";

/** The LogQL `npm run verify` reads its own log record back with. */
export function logReadQuery(service: string, run: string): string {
  return `{service_name="${service}"} |= "${run}"`;
}

export function apiCalls(run: string, traceId: string): ApiCall[] {
  const end = now();
  const start = end - 600;
  const p = "/api/v1";
  const l = "/loki/api/v1";
  const sel = encodeURIComponent('{service_name="scaibu-verify"}');
  const nothing = encodeURIComponent('{__name__="scaibu_verify_matches_nothing"}');
  return [
    { service: "prometheus", method: "GET", path: `${p}/query?query=up`, expect: 200 },
    { service: "prometheus", method: "POST", path: `${p}/query`, body: "query=up", contentType: form, expect: 200 },
    {
      service: "prometheus",
      method: "GET",
      path: `${p}/query_range?query=up&start=${start}&end=${end}&step=15`,
      expect: 200,
    },
    { service: "prometheus", method: "GET", path: `${p}/targets`, expect: 200 },
    { service: "prometheus", method: "GET", path: `${p}/rules`, expect: 200 },
    { service: "prometheus", method: "GET", path: `${p}/alerts`, expect: 200 },
    { service: "prometheus", method: "GET", path: `${p}/series?match[]=up`, expect: 200 },
    { service: "prometheus", method: "GET", path: `${p}/labels`, expect: 200 },
    { service: "prometheus", method: "GET", path: `${p}/label/job/values`, expect: 200 },
    { service: "prometheus", method: "GET", path: `${p}/targets/metadata`, expect: 200 },
    { service: "prometheus", method: "GET", path: `${p}/status/buildinfo`, expect: 200 },
    { service: "prometheus", method: "GET", path: `${p}/status/tsdb`, expect: 200 },
    { service: "prometheus", method: "GET", path: `${p}/status/config`, expect: 200 },
    { service: "prometheus", method: "GET", path: `${p}/status/flags`, expect: 200 },
    {
      service: "prometheus",
      method: "POST",
      path: `${p}/admin/tsdb/snapshot`,
      expect: 200,
      notCalled: "it would write a snapshot into the data volume",
    },
    // A matcher that selects nothing: the call is real, the data stays.
    { service: "prometheus", method: "POST", path: `${p}/admin/tsdb/delete_series?match[]=${nothing}`, expect: 204 },
    { service: "prometheus", method: "POST", path: `${p}/admin/tsdb/clean_tombstones`, expect: 204 },
    {
      service: "loki",
      method: "POST",
      path: `${l}/push`,
      contentType: "application/json",
      body: JSON.stringify({
        streams: [{ stream: { service_name: "scaibu-verify" }, values: [[`${Date.now()}000000`, `push ${run}`]] }],
      }),
      expect: 204,
    },
    {
      service: "loki",
      method: "GET",
      path: `${l}/query?query=${encodeURIComponent(`count_over_time(${decodeURIComponent(sel)}[5m])`)}`,
      expect: 200,
    },
    { service: "loki", method: "GET", path: `${l}/query?query=${sel}`, expect: 400 }, // log selectors are range-only
    { service: "loki", method: "GET", path: `${l}/query_range?query=${sel}&start=${start}&end=${end}`, expect: 200 },
    { service: "loki", method: "GET", path: `${l}/labels`, expect: 200 },
    { service: "loki", method: "GET", path: `${l}/label/service_name/values`, expect: 200 },
    { service: "loki", method: "GET", path: `${l}/series?match[]=${sel}`, expect: 200 },
    { service: "loki", method: "GET", path: `${l}/index/stats?query=${sel}&start=${start}&end=${end}`, expect: 200 },
    { service: "loki", method: "GET", path: `${l}/rules`, expect: 200 },
    { service: "loki", method: "GET", path: `${l}/status/buildinfo`, expect: 200 },
    { service: "loki", method: "GET", path: "/ready", expect: 200 },
    { service: "loki", method: "POST", path: "/flush", expect: 204 },
    { service: "loki", method: "GET", path: `${l}/tail`, expect: 0, notCalled: "WebSocket only" },
    { service: "loki", method: "POST", path: `${l}/delete`, expect: 204, notCalled: "it would delete logs" },
    { service: "jaeger", method: "GET", path: `/api/traces/${traceId}`, expect: 200 },
    { service: "jaeger", method: "GET", path: `/api/traces?service=scaibu-verify&lookback=1h&limit=5`, expect: 200 },
    { service: "jaeger", method: "GET", path: "/api/services", expect: 200 },
    { service: "jaeger", method: "GET", path: `/api/dependencies?endTs=${end * 1000}&lookback=3600000`, expect: 200 },
  ];
}
