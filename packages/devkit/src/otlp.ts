/** Sends a trace of three spans, a counter and a log record with the OpenTelemetry JS SDK. */
import { context, trace } from "@opentelemetry/api";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import type { AgentOptions } from "node:https";

export const VERIFY_SERVICE = "scaibu-verify";
/** Counter `scaibu.verify.checks`, in Prometheus `scaibu_verify_checks_total`. */
export const VERIFY_COUNTER = "scaibu.verify.checks";

export interface Endpoint {
  /** OTLP/HTTP base URL, e.g. http://127.0.0.1:4318 or https://scaibu.otel. */
  url: string;
  headers?: Record<string, string>;
  agent?: AgentOptions;
}

export interface Sent {
  traceId: string;
  spans: number;
}

/** Sends one trace (a root with two children), one counter point and one log record. */
export async function sendTelemetry(to: Endpoint, run: string, via: string): Promise<Sent> {
  const common = { headers: to.headers, httpAgentOptions: to.agent };
  const resource = resourceFromAttributes({ "service.name": VERIFY_SERVICE, "scaibu.verify.run": run });
  const tracer = new TracerProvider({
    resource,
    spanProcessors: [
      new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ ...common, url: `${to.url}/v1/traces` }) }),
    ],
  });
  const meters = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ ...common, url: `${to.url}/v1/metrics` }),
        exportIntervalMillis: 60_000,
      }),
    ],
  });
  const loggers = new LoggerProvider({
    resource,
    processors: [
      new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ ...common, url: `${to.url}/v1/logs` }) }),
    ],
  });

  const t = tracer.getTracer("scaibu-verify");
  const root = t.startSpan(`verify ${via}`);
  const ctx = trace.setSpan(context.active(), root);
  for (const step of ["write", "read"]) t.startSpan(`verify ${via} ${step}`, {}, ctx).end();
  meters.getMeter("scaibu-verify").createCounter(VERIFY_COUNTER).add(1, { run, via });
  loggers.getLogger("scaibu-verify").emit({
    severityNumber: SeverityNumber.INFO,
    severityText: "INFO",
    body: `scaibu verify ${run} via ${via}`,
    context: ctx,
  });
  root.end();
  const traceId = root.spanContext().traceId;
  await Promise.all([tracer.forceFlush(), meters.forceFlush(), loggers.forceFlush()]);
  await Promise.all([tracer.shutdown(), meters.shutdown(), loggers.shutdown()]);
  return { traceId, spans: 3 };
}

/**
 * Sends `traces` traces of `spansPerTrace` spans each (batched, as an app would) and returns
 * their ids once the collector has accepted every batch.
 */
export async function sendTraces(to: Endpoint, service: string, traces: number, spansPerTrace: number) {
  const exporter = new OTLPTraceExporter({
    headers: to.headers,
    httpAgentOptions: to.agent,
    url: `${to.url}/v1/traces`,
  });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": service }),
    spanProcessors: [new BatchSpanProcessor({ exporter, maxExportBatchSize: 512, maxQueueSize: 100_000 })],
  });
  const tracer = provider.getTracer("scaibu-faults");
  const ids: string[] = [];
  for (let i = 0; i < traces; i++) {
    const root = tracer.startSpan(`trace ${i}`);
    const ctx = trace.setSpan(context.active(), root);
    for (let j = 1; j < spansPerTrace; j++) tracer.startSpan(`span ${i}.${j}`, {}, ctx).end();
    root.end();
    ids.push(root.spanContext().traceId);
  }
  await provider.forceFlush();
  await provider.shutdown();
  return ids;
}

/**
 * Exports one cumulative counter, incremented by one before each of `points` exports `gapMs`
 * apart; shutting the SDK down exports once more. Returns every export as the sample Prometheus
 * should hold: its time in ms and the counter's value.
 */
export async function sendCounterPoints(to: Endpoint, service: string, name: string, points: number, gapMs: number) {
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ headers: to.headers, httpAgentOptions: to.agent, url: `${to.url}/v1/metrics` }),
    exportIntervalMillis: 3_600_000,
  });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ "service.name": service }),
    readers: [reader],
  });
  const counter = provider.getMeter("scaibu-faults").createCounter(name);
  const samples: { time: number; value: number }[] = [];
  for (let i = 1; i <= points; i++) {
    counter.add(1);
    samples.push({ time: Date.now(), value: i });
    await reader.forceFlush();
    await new Promise((r) => setTimeout(r, gapMs));
  }
  samples.push({ time: Date.now(), value: points });
  await provider.shutdown();
  return samples;
}

/** Sends `records` log records (batched, as an app would), each with a `run` attribute and its index. */
export async function sendLogs(to: Endpoint, service: string, run: string, records: number): Promise<void> {
  const exporter = new OTLPLogExporter({ headers: to.headers, httpAgentOptions: to.agent, url: `${to.url}/v1/logs` });
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ "service.name": service }),
    processors: [new BatchLogRecordProcessor({ exporter, maxExportBatchSize: 512, maxQueueSize: 100_000 })],
  });
  const logger = provider.getLogger("scaibu-faults");
  for (let i = 0; i < records; i++) {
    logger.emit({
      severityNumber: SeverityNumber.INFO,
      severityText: "INFO",
      body: `record ${i}`,
      attributes: { run, i },
    });
  }
  await provider.forceFlush();
  await provider.shutdown();
}
