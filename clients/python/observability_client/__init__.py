"""The seed's application client for scaibu-observability, on the OpenTelemetry Python SDK."""

from .client import DEFAULT_COUNTER, DEFAULT_HISTOGRAM, ObservabilityClient, __version__
from .settings import OUTPUTS_ENV, ROUTE_ENV, ConfigError, Settings

__all__ = [
    "DEFAULT_COUNTER",
    "DEFAULT_HISTOGRAM",
    "OUTPUTS_ENV",
    "ROUTE_ENV",
    "ConfigError",
    "ObservabilityClient",
    "Settings",
    "__version__",
]
