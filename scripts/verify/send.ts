/** Sends a trace of three spans, a counter and a log record with the OpenTelemetry JS SDK. */
import { context, trace } from "@opentelemetry/api";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
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
