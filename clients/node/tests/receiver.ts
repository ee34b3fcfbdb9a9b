/** A local OTLP/HTTP receiver for the tests: records every request (the JS exporters send OTLP/JSON). */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

interface KeyValue {
  key: string;
  value: Record<string, unknown>;
}
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown[]>;
}
type Item = Record<string, unknown> & { attributes?: KeyValue[] };

export class Receiver {
  status = 200;
  readonly requests: Received[] = [];
  private server?: Server;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        this.requests.push({
          path: req.url ?? "",
          headers: req.headers,
          body: JSON.parse(Buffer.concat(chunks).toString()),
        });
        res.writeHead(this.status, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((ok) => this.server!.listen(0, "127.0.0.1", ok));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((ok) => this.server!.close(() => ok()));
  }

  private items(path: string, resource: string, scope: string, leaf: string): Item[] {
    return this.requests
      .filter((r) => r.path === path)
      .flatMap((r) => r.body[resource] as Item[])
      .flatMap((rs) => rs[scope] as Item[])
      .flatMap((ss) => ss[leaf] as Item[]);
  }

  spans = () => this.items("/v1/traces", "resourceSpans", "scopeSpans", "spans");
  logRecords = () => this.items("/v1/logs", "resourceLogs", "scopeLogs", "logRecords");
  metrics = () => this.items("/v1/metrics", "resourceMetrics", "scopeMetrics", "metrics");
  resources = (): Item[] =>
    this.requests.flatMap((r) =>
      Object.values(r.body).flatMap((list) => (list as { resource: Item }[]).map((x) => x.resource)),
    );
}

/** OTLP/JSON KeyValue list → plain object. */
export function attrs(kvs: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((kvs ?? []).map((kv) => [kv.key, Object.values(kv.value)[0]]));
}
