/**
 * ObservabilityClient: the seed's section 3.1 API on the OpenTelemetry JS SDK. The SDK does the
 * work (batching, OTLP encoding, retries with backoff); this class wires the three signals to one
 * resource and one endpoint, and keeps telemetry failures out of the application: a failed export
 * is counted and reported through the SDK's diag logger, never thrown.
 */
import { context, type Attributes, type Counter, type Histogram, type Meter, type Tracer } from "@opentelemetry/api";
import { SeverityNumber, type Logger } from "@opentelemetry/api-logs";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import type { Resource } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { ConfigError, resolveSettings, type Settings, type StackOutputs } from "./settings.js";

export const VERSION = "0.1.0";
const SCOPE = "@scaibu/observability-client";
/** Counter name when `incrementCounter` is given none (Prometheus: app_events_total). */
export const DEFAULT_COUNTER = "app.events";
/** Histogram name when `recordHistogram` is given none (Prometheus: app_duration_milliseconds). */
export const DEFAULT_HISTOGRAM = "app.duration";

export type Signal = "traces" | "metrics" | "logs";

export interface ObservabilityClientOptions {
  /** service.name; otherwise OTEL_SERVICE_NAME, otherwise the SDK's unknown_service:node. */
  serviceName?: string;
  /** OTLP/HTTP base URL, e.g. http://127.0.0.1:4318. Wins over everything else. */
  endpoint?: string;
  /** The stack outputs; otherwise the JSON file named by SCAIBU_STACK_OUTPUTS. */
  outputs?: StackOutputs;
  /** Which of the stack's endpoints: host (default), internal or https (with the stack's CA and token). */
  route?: string;
  headers?: Record<string, string>;
  resourceAttributes?: Attributes;
  /** How often metrics are exported (default 10 s). */
  exportIntervalMs?: number;
  /** Per-export timeout, retries included (default 10 s). */
  timeoutMs?: number;
}

interface Exporter<T> {
  export(items: T, done: (result: ExportResult) => void): void;
}

/** Counts failed exports per signal; the SDK has already retried them and logged why. */
function counted<T, E extends Exporter<T>>(exporter: E, signal: Signal, failures: Record<Signal, number>): E {
  const original = exporter.export.bind(exporter);
  exporter.export = (items: T, done: (result: ExportResult) => void) => {
    try {
      original(items, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) failures[signal]++;
        done(result);
      });
    } catch (error) {
      failures[signal]++;
      done({ code: ExportResultCode.FAILED, error: error as Error });
    }
  };
  return exporter;
}

function positive(key: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new ConfigError(`${key}=${value}: must be a number of ms > 0`);
  return value;
}

export class ObservabilityClient {
  readonly settings: Settings;
  readonly resource: Resource;
  readonly tracer: Tracer;
  readonly meter: Meter;
  /** Failed exports per signal (after the SDK's retries). */
  readonly exportFailures: Record<Signal, number> = { traces: 0, metrics: 0, logs: 0 };
  private readonly tracerProvider: TracerProvider;
  private readonly meterProvider: MeterProvider;
  private readonly loggerProvider: LoggerProvider;
  private readonly logger: Logger;
  /** Instruments are created once per name and unit, then reused. */
  private readonly counters = new Map<string, Counter>();
  private readonly histograms = new Map<string, Histogram>();
  private closing?: Promise<void>;

  constructor(options: ObservabilityClientOptions = {}) {
    const interval = positive("exportIntervalMs", options.exportIntervalMs, 10_000);
    const timeoutMillis = positive("timeoutMs", options.timeoutMs, 10_000);
    this.settings = resolveSettings(options);
    // Without a context manager, startActiveSpan would not make its span current and logs would
    // carry no trace id. An application that installed its own keeps it (this returns false).
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

    this.resource = defaultResource()
      .merge(detectResources({ detectors: [envDetector] }))
      .merge(
        resourceFromAttributes({
          ...options.resourceAttributes,
          ...(options.serviceName ? { "service.name": options.serviceName } : {}),
        }),
      );

    const s = this.settings;
    const config = (path: string) => ({
      timeoutMillis,
      ...(s.endpoint ? { url: `${s.endpoint}/v1/${path}` } : {}),
      ...(s.headers ? { headers: s.headers } : {}),
      ...(s.ca ? { httpAgentOptions: { ca: s.ca } } : {}),
    });
    const f = this.exportFailures;
    this.tracerProvider = new TracerProvider({
      resource: this.resource,
      spanProcessors: [
        new BatchSpanProcessor({ exporter: counted(new OTLPTraceExporter(config("traces")), "traces", f) }),
      ],
    });
    this.meterProvider = new MeterProvider({
      resource: this.resource,
      readers: [
        new PeriodicExportingMetricReader({
          exporter: counted(new OTLPMetricExporter(config("metrics")), "metrics", f),
          exportIntervalMillis: interval,
          exportTimeoutMillis: Math.min(timeoutMillis, interval),
        }),
      ],
    });
    this.loggerProvider = new LoggerProvider({
      resource: this.resource,
      processors: [new BatchLogRecordProcessor({ exporter: counted(new OTLPLogExporter(config("logs")), "logs", f) })],
    });
    this.tracer = this.tracerProvider.getTracer(SCOPE, VERSION);
    this.meter = this.meterProvider.getMeter(SCOPE, VERSION);
    this.logger = this.loggerProvider.getLogger(SCOPE, VERSION);
  }

  /** Writes a log record; it carries the trace and span id of the span that is current. */
  log(severity: SeverityNumber, message: string, attributes?: Attributes): void {
    this.logger.emit({
      severityNumber: severity,
      severityText: SeverityNumber[severity].replace(/\d+$/, ""),
      body: message,
      attributes,
      context: context.active(),
    });
  }

  logDebug(message: string, attributes?: Attributes): void {
    this.log(SeverityNumber.DEBUG, message, attributes);
  }

  logInfo(message: string, attributes?: Attributes): void {
    this.log(SeverityNumber.INFO, message, attributes);
  }

  logWarning(message: string, attributes?: Attributes): void {
    this.log(SeverityNumber.WARN, message, attributes);
  }

  logError(message: string, attributes?: Attributes): void {
    this.log(SeverityNumber.ERROR, message, attributes);
  }

  incrementCounter(value = 1, attributes?: Attributes, name = DEFAULT_COUNTER, unit = ""): void {
    const key = `${name}\0${unit}`;
    let counter = this.counters.get(key);
    if (!counter) this.counters.set(key, (counter = this.meter.createCounter(name, { unit })));
    counter.add(value, attributes);
  }

  recordHistogram(value: number, attributes?: Attributes, name = DEFAULT_HISTOGRAM, unit = "ms"): void {
    const key = `${name}\0${unit}`;
    let histogram = this.histograms.get(key);
    if (!histogram) this.histograms.set(key, (histogram = this.meter.createHistogram(name, { unit })));
    histogram.record(value, attributes);
  }

  async forceFlush(): Promise<void> {
    await Promise.all([
      this.tracerProvider.forceFlush(),
      this.meterProvider.forceFlush(),
      this.loggerProvider.forceFlush(),
    ]);
  }

  /** Flushes and stops all three signals. Safe to call twice; never rejects. */
  shutdown(): Promise<void> {
    this.closing ??= Promise.allSettled([
      this.tracerProvider.shutdown(),
      this.meterProvider.shutdown(),
      this.loggerProvider.shutdown(),
    ]).then(() => undefined);
    return this.closing;
  }
}
