"""Where the client sends: explicit arguments, then the standard OTEL_* variables, then the
stack's outputs, then the SDK's default (http://localhost:4318).

The OTEL_* variables are read by the OpenTelemetry SDK itself: when one of them names an
endpoint, this module passes nothing, so the SDK's own rules (per-signal variables, headers,
certificate) apply unchanged.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from typing import Any, Mapping, Optional

#: `pulumi stack output --json --show-secrets > outputs.json`, then point this at the file.
OUTPUTS_ENV = "SCAIBU_STACK_OUTPUTS"
#: Which of the stack's OTLP endpoints to use: host (default), internal or https.
ROUTE_ENV = "SCAIBU_OTLP_ROUTE"
ROUTES = ("host", "internal", "https")

_ENDPOINT_ENVS = (
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
    "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
)


class ConfigError(ValueError):
    """A setting the client cannot use; the message names the key, the value and what is allowed."""


@dataclass(frozen=True)
class Settings:
    #: OTLP/HTTP base URL (without /v1/...); None lets the SDK read OTEL_* or use its default.
    endpoint: Optional[str]
    headers: Optional[Mapping[str, str]] = None
    certificate_file: Optional[str] = None
    #: Where the endpoint came from: argument, environment, stack outputs or default.
    source: str = "default"
    route: Optional[str] = None


def load_outputs(env: Mapping[str, str]) -> Optional[Mapping[str, Any]]:
    path = env.get(OUTPUTS_ENV)
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise ConfigError(f"{OUTPUTS_ENV}={path!r}: cannot read the stack outputs JSON ({e})") from e
    if not isinstance(data, dict) or not isinstance(data.get("otlp"), dict):
        raise ConfigError(
            f"{OUTPUTS_ENV}={path!r}: not the outputs of scaibu-observability "
            "(expected `pulumi stack output --json --show-secrets`, with an `otlp` object)"
        )
    return data


def _ca_file(pem: str) -> str:
    # The SDK takes a CA bundle as a file path; the stack hands out the PEM itself.
    f = tempfile.NamedTemporaryFile("w", prefix="scaibu-ca-", suffix=".pem", delete=False)
    with f:
        f.write(pem)
    return f.name


def _from_outputs(outputs: Mapping[str, Any], route: str) -> Settings:
    otlp = outputs.get("otlp") or {}
    key = {"host": "http", "internal": "internalHttp", "https": "https"}[route]
    endpoint = otlp.get(key)
    if not endpoint:
        raise ConfigError(
            f"route={route!r}: the stack outputs have no otlp.{key} "
            f"(this stack offers: {', '.join(sorted(k for k, v in otlp.items() if v)) or 'none'})"
        )
    token = outputs.get("otlpToken")
    headers = {"Authorization": f"Bearer {token}"} if token else None
    ca = outputs.get("caCertPem") if route == "https" else None
    return Settings(
        endpoint=str(endpoint).rstrip("/"),
        headers=headers,
        certificate_file=_ca_file(ca) if ca else None,
        source="stack outputs",
        route=route,
    )


def resolve(
    endpoint: Optional[str] = None,
    outputs: Optional[Mapping[str, Any]] = None,
    route: Optional[str] = None,
    headers: Optional[Mapping[str, str]] = None,
    env: Optional[Mapping[str, str]] = None,
) -> Settings:
    env = os.environ if env is None else env
    chosen = route or env.get(ROUTE_ENV) or "host"
    if chosen not in ROUTES:
        key = "route" if route else ROUTE_ENV
        raise ConfigError(f"{key}={chosen!r}: must be one of {', '.join(ROUTES)}")
    if endpoint:
        if not endpoint.startswith(("http://", "https://")):
            raise ConfigError(f"endpoint={endpoint!r}: must be an http:// or https:// URL (OTLP/HTTP)")
        return Settings(endpoint=endpoint.rstrip("/"), headers=headers, source="argument")
    if any(env.get(k) for k in _ENDPOINT_ENVS):
        return Settings(endpoint=None, headers=headers, source="environment")
    outputs = outputs if outputs is not None else load_outputs(env)
    if outputs is not None:
        s = _from_outputs(outputs, chosen)
        merged = {**(s.headers or {}), **(headers or {})} or None
        return Settings(s.endpoint, merged, s.certificate_file, s.source, s.route)
    return Settings(endpoint=None, headers=headers, source="default")
