"""ObservabilityClient: the seed's section 3.1 API on the OpenTelemetry Python SDK.

The SDK does the work: batching, OTLP/protobuf encoding, retries with backoff. This class only
wires the three signals to one resource and one endpoint, and keeps telemetry failures out of
the application: a failed export is logged and counted, never raised.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections import Counter
from typing import Any, Dict, Mapping, Optional

from opentelemetry import context as otel_context
from opentelemetry._logs import SeverityNumber
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, LogRecordExportResult
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricExportResult, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExportResult

from . import settings as _settings

__version__ = "0.1.0"
SCOPE = "observability_client"
#: Counter name when `increment_counter` is called without one (Prometheus: app_events_total).
DEFAULT_COUNTER = "app.events"
#: Histogram name when `record_histogram` is called without one (Prometheus: app_duration_milliseconds).
DEFAULT_HISTOGRAM = "app.duration"

_log = logging.getLogger(__name__)


def _counting(base: type, signal: str, failure: Any) -> type:
    """An exporter that records failed exports in `failures[signal]` and never raises."""

    class Counting(base):  # type: ignore[misc, valid-type]
        def __init__(self, failures: Counter, lock: threading.Lock, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self._failures, self._lock = failures, lock

        def export(self, batch: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                result = super().export(batch, *args, **kwargs)
            except Exception as e:  # noqa: BLE001 - telemetry must not break the application
                _log.warning("observability_client: %s export raised %r; dropped", signal, e)
                result = failure
            if result != result.__class__.SUCCESS:
                with self._lock:
                    self._failures[signal] += 1
            return result

    Counting.__name__ = f"Counting{base.__name__}"
    return Counting


_SpanExporter = _counting(OTLPSpanExporter, "traces", SpanExportResult.FAILURE)
_MetricExporter = _counting(OTLPMetricExporter, "metrics", MetricExportResult.FAILURE)
_LogExporter = _counting(OTLPLogExporter, "logs", LogRecordExportResult.FAILURE)


class ObservabilityClient:
    """Logs, metrics and traces for one service, sent over OTLP/HTTP.

    Where it sends: `endpoint` if given; else the standard OTEL_EXPORTER_OTLP_* variables; else
    the stack outputs (`outputs`, or the JSON file named by SCAIBU_STACK_OUTPUTS) with `route`
    host (default), internal or https (which also uses the stack's CA and ingest token); else
    http://localhost:4318.
    """

    def __init__(
        self,
        service_name: Optional[str] = None,
        endpoint: Optional[str] = None,
        *,
        outputs: Optional[Mapping[str, Any]] = None,
        route: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        resource_attributes: Optional[Mapping[str, Any]] = None,
        export_interval_s: float = 10.0,
        timeout_s: float = 10.0,
    ) -> None:
        if export_interval_s <= 0:
            raise _settings.ConfigError(f"export_interval_s={export_interval_s!r}: must be > 0 seconds")
        if timeout_s <= 0:
            raise _settings.ConfigError(f"timeout_s={timeout_s!r}: must be > 0 seconds")
        self.settings = _settings.resolve(endpoint=endpoint, outputs=outputs, route=route, headers=headers)
        attrs: Dict[str, Any] = dict(resource_attributes or {})
        if service_name:
            attrs[SERVICE_NAME] = service_name
        # Resource.create also reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
        self.resource = Resource.create(attrs)

        #: Failed exports per signal ("traces", "metrics", "logs"); the data was retried first.
        self.export_failures: Counter = Counter()
        lock = threading.Lock()

        def exporter(cls: type, path: str) -> Any:
            s = self.settings
            kwargs: Dict[str, Any] = {"timeout": timeout_s}
            if s.endpoint:
                kwargs["endpoint"] = f"{s.endpoint}/v1/{path}"
            if s.headers:
                kwargs["headers"] = dict(s.headers)
            if s.certificate_file:
                kwargs["certificate_file"] = s.certificate_file
            return cls(self.export_failures, lock, **kwargs)

        self._tracer_provider = TracerProvider(resource=self.resource)
        self._tracer_provider.add_span_processor(BatchSpanProcessor(exporter(_SpanExporter, "traces")))
        self._meter_provider = MeterProvider(
            resource=self.resource,
            metric_readers=[
                PeriodicExportingMetricReader(
                    exporter(_MetricExporter, "metrics"), export_interval_millis=export_interval_s * 1000
                )
            ],
        )
        self._logger_provider = LoggerProvider(resource=self.resource)
        self._logger_provider.add_log_record_processor(BatchLogRecordProcessor(exporter(_LogExporter, "logs")))

        self.tracer = self._tracer_provider.get_tracer(SCOPE, __version__)
        self.meter = self._meter_provider.get_meter(SCOPE, __version__)
        self._logger = self._logger_provider.get_logger(SCOPE, __version__)
        self._instruments: Dict[tuple, Any] = {}
        self._closed = False
        atexit.register(self.shutdown)

    # Logs: each record carries the trace and span id of the span current when it is written.
    def log(self, severity: SeverityNumber, message: str, attributes: Optional[Mapping[str, Any]] = None) -> None:
        self._logger.emit(
            context=otel_context.get_current(),
            severity_number=severity,
            severity_text=severity.name.rstrip("0123456789"),
            body=message,
            attributes=dict(attributes or {}),
        )

    def log_debug(self, message: str, attributes: Optional[Mapping[str, Any]] = None) -> None:
        self.log(SeverityNumber.DEBUG, message, attributes)

    def log_info(self, message: str, attributes: Optional[Mapping[str, Any]] = None) -> None:
        self.log(SeverityNumber.INFO, message, attributes)

    def log_warning(self, message: str, attributes: Optional[Mapping[str, Any]] = None) -> None:
        self.log(SeverityNumber.WARN, message, attributes)

    def log_error(self, message: str, attributes: Optional[Mapping[str, Any]] = None) -> None:
        self.log(SeverityNumber.ERROR, message, attributes)

    # Metrics: instruments are created once per name and reused.
    def _instrument(self, kind: str, name: str, unit: str, description: str) -> Any:
        key = (kind, name, unit)
        if key not in self._instruments:
            create = self.meter.create_counter if kind == "counter" else self.meter.create_histogram
            self._instruments[key] = create(name, unit=unit, description=description)
        return self._instruments[key]

    def increment_counter(
        self,
        value: float = 1,
        attributes: Optional[Mapping[str, Any]] = None,
        name: str = DEFAULT_COUNTER,
        unit: str = "",
        description: str = "",
    ) -> None:
        self._instrument("counter", name, unit, description).add(value, dict(attributes or {}))

    def record_histogram(
        self,
        value: float,
        attributes: Optional[Mapping[str, Any]] = None,
        name: str = DEFAULT_HISTOGRAM,
        unit: str = "ms",
        description: str = "",
    ) -> None:
        self._instrument("histogram", name, unit, description).record(value, dict(attributes or {}))

    def force_flush(self, timeout_s: float = 30.0) -> bool:
        ms = int(timeout_s * 1000)
        results = [
            self._tracer_provider.force_flush(ms),
            self._meter_provider.force_flush(ms),
            self._logger_provider.force_flush(ms),
        ]
        return all(r is not False for r in results)

    def shutdown(self) -> None:
        """Flushes and stops all three signals. Safe to call twice; also runs at interpreter exit."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.shutdown)
        for provider in (self._tracer_provider, self._meter_provider, self._logger_provider):
            try:
                provider.shutdown()
            except Exception as e:  # noqa: BLE001 - shutdown must not raise into the application
                _log.warning("observability_client: shutdown of %s failed: %r", type(provider).__name__, e)

    def __enter__(self) -> "ObservabilityClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
