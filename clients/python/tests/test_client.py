"""The client against a local OTLP receiver: what arrives, with which ids and attributes."""

from __future__ import annotations

import json
import socket

import pytest

from observability_client import ConfigError, ObservabilityClient
from receiver import attrs


def make(receiver, **kw):
    # A long export interval: only force_flush or shutdown may send the metrics.
    return ObservabilityClient("py-test", receiver.url, export_interval_s=3600, timeout_s=2, **kw)


def test_logs_carry_the_current_trace_and_span_id(receiver):
    client = make(receiver)
    with client.tracer.start_as_current_span("login_flow") as span:
        client.log_info("User login", {"user": "admin"})
        ids = span.get_span_context()
    client.log_warning("outside any span")
    client.shutdown()

    inside, outside = receiver.log_records()
    assert inside.trace_id.hex() == format(ids.trace_id, "032x")
    assert inside.span_id.hex() == format(ids.span_id, "016x")
    assert inside.body.string_value == "User login"
    assert inside.severity_text == "INFO"
    assert attrs(inside.attributes) == {"user": "admin"}
    assert outside.trace_id == b"" and outside.severity_text == "WARN"
    [span_msg] = receiver.spans()
    assert span_msg.name == "login_flow" and span_msg.trace_id.hex() == format(ids.trace_id, "032x")


def test_counter_and_histogram_keep_their_attributes(receiver):
    client = make(receiver)
    client.increment_counter(1, {"route": "/login"})
    client.increment_counter(2, {"route": "/login"})
    client.increment_counter(5, {"route": "/logout"}, name="logouts")
    client.record_histogram(12.5, {"route": "/login"})
    client.shutdown()

    by_name = {m.name: m for m in receiver.metrics()}
    assert set(by_name) == {"app.events", "logouts", "app.duration"}
    points = {attrs(p.attributes)["route"]: p.as_double or p.as_int for p in by_name["app.events"].sum.data_points}
    assert points == {"/login": 3}
    assert by_name["app.events"].sum.is_monotonic
    [h] = by_name["app.duration"].histogram.data_points
    assert h.count == 1 and h.sum == 12.5 and by_name["app.duration"].unit == "ms"
    for resource in receiver.resources():
        assert attrs(resource.attributes)["service.name"] == "py-test"


def test_shutdown_flushes_everything_and_is_idempotent(receiver):
    client = make(receiver)
    for i in range(50):
        with client.tracer.start_as_current_span(f"span {i}"):
            client.log_error(f"log {i}")
    client.increment_counter()
    assert receiver.requests == [], "batching: nothing is sent before a flush"
    client.shutdown()
    client.shutdown()
    assert len(receiver.spans()) == 50
    assert len(receiver.log_records()) == 50
    assert [m.name for m in receiver.metrics()] == ["app.events"]


def test_network_errors_never_raise_and_are_counted():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    client = ObservabilityClient("py-test", dead, export_interval_s=3600, timeout_s=1)
    with client.tracer.start_as_current_span("lost"):
        client.log_info("lost")
    client.increment_counter()
    client.shutdown()
    assert client.export_failures == {"traces": 1, "metrics": 1, "logs": 1}


def test_a_4xx_from_the_collector_is_counted_not_raised(receiver):
    receiver.status = 400
    client = make(receiver)
    client.log_info("rejected")
    client.shutdown()
    assert client.export_failures["logs"] == 1


OUTPUTS = {
    "otlp": {
        "http": "http://127.0.0.1:4318",
        "grpc": "127.0.0.1:4317",
        "internalHttp": "http://scaibu.otel:4318",
        "internalGrpc": "scaibu.otel:4317",
        "https": "https://scaibu.otel",
    },
    "caCertPem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    "otlpToken": "s3cret",
}


def test_stack_outputs_pick_the_route_ca_and_token(tmp_path, monkeypatch):
    for k in ("OTEL_EXPORTER_OTLP_ENDPOINT", "SCAIBU_OTLP_ROUTE"):
        monkeypatch.delenv(k, raising=False)
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(OUTPUTS))
    monkeypatch.setenv("SCAIBU_STACK_OUTPUTS", str(path))

    host = ObservabilityClient("x")
    assert host.settings.endpoint == "http://127.0.0.1:4318" and host.settings.source == "stack outputs"
    assert host.settings.certificate_file is None
    assert host.settings.headers == {"Authorization": "Bearer s3cret"}
    host.shutdown()

    https = ObservabilityClient("x", route="https")
    assert https.settings.endpoint == "https://scaibu.otel"
    with open(https.settings.certificate_file, encoding="utf-8") as f:
        assert f.read() == OUTPUTS["caCertPem"]
    https.shutdown()

    monkeypatch.setenv("SCAIBU_OTLP_ROUTE", "internal")
    internal = ObservabilityClient("x")
    assert internal.settings.endpoint == "http://scaibu.otel:4318"
    internal.shutdown()


def test_otel_environment_comes_before_the_stack_outputs(receiver, monkeypatch):
    monkeypatch.setenv("SCAIBU_STACK_OUTPUTS", "/nonexistent/never-read.json")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-team=platform")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "from-env")
    client = ObservabilityClient(export_interval_s=3600, timeout_s=2)
    assert client.settings.source == "environment"
    client.log_info("via env")
    client.shutdown()
    [req] = receiver.requests
    assert req.headers["x-team"] == "platform"
    assert attrs(req.message.resource_logs[0].resource.attributes)["service.name"] == "from-env"


@pytest.mark.parametrize(
    "kwargs, env, named",
    [
        ({"route": "ftp"}, {}, "route='ftp'"),
        ({}, {"SCAIBU_OTLP_ROUTE": "public"}, "SCAIBU_OTLP_ROUTE='public'"),
        ({"endpoint": "localhost:4318"}, {}, "endpoint='localhost:4318'"),
        ({"export_interval_s": 0}, {}, "export_interval_s=0"),
        ({"route": "https", "outputs": {"otlp": {"http": "http://h:4318"}}}, {}, "otlp.https"),
        ({}, {"SCAIBU_STACK_OUTPUTS": "/nonexistent.json"}, "SCAIBU_STACK_OUTPUTS='/nonexistent.json'"),
    ],
)
def test_config_mistakes_name_the_key_and_value(kwargs, env, named, monkeypatch):
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ConfigError) as e:
        ObservabilityClient("x", **kwargs)
    assert named in str(e.value)
