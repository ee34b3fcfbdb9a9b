"""A local OTLP/HTTP receiver for the tests: records every request, decoded with the OTLP protos."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

_MESSAGES = {
    "/v1/traces": (ExportTraceServiceRequest, ExportTraceServiceResponse),
    "/v1/metrics": (ExportMetricsServiceRequest, ExportMetricsServiceResponse),
    "/v1/logs": (ExportLogsServiceRequest, ExportLogsServiceResponse),
}


@dataclass
class Received:
    path: str
    headers: Dict[str, str]
    message: Any


@dataclass
class Receiver:
    status: int = 200
    requests: List[Received] = field(default_factory=list)

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                kinds = _MESSAGES.get(self.path)
                if kinds is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                request, response = kinds
                receiver.requests.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, request.FromString(body))
                )
                payload = response().SerializeToString()
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def of(self, path: str) -> List[Any]:
        return [r.message for r in self.requests if r.path == path]

    def spans(self) -> List[Any]:
        return [s for m in self.of("/v1/traces") for rs in m.resource_spans for ss in rs.scope_spans for s in ss.spans]

    def log_records(self) -> List[Any]:
        return [
            r for m in self.of("/v1/logs") for rl in m.resource_logs for sl in rl.scope_logs for r in sl.log_records
        ]

    def metrics(self) -> List[Any]:
        return [
            x
            for m in self.of("/v1/metrics")
            for rm in m.resource_metrics
            for sm in rm.scope_metrics
            for x in sm.metrics
        ]

    def resources(self) -> List[Any]:
        out = []
        for m in self.requests:
            for name in ("resource_spans", "resource_logs", "resource_metrics"):
                out += [r.resource for r in getattr(m.message, name, [])]
        return out


def attrs(kvs: Any) -> Dict[str, Any]:
    """OTLP KeyValue list → plain dict."""
    out: Dict[str, Any] = {}
    for kv in kvs:
        v = kv.value
        out[kv.key] = getattr(v, v.WhichOneof("value")) if v.WhichOneof("value") else None
    return out
