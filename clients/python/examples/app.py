"""A tiny app on the client: one trace of two spans, a log inside it, a counter and a histogram.

    pulumi stack output --json --show-secrets > outputs.json
    SCAIBU_STACK_OUTPUTS=outputs.json python examples/app.py [run-id]

Prints what it sent as JSON, so a test can read it back from Jaeger, Prometheus and Loki.
"""

import json
import sys
import time

from observability_client import ObservabilityClient

run = sys.argv[1] if len(sys.argv) > 1 else str(int(time.time()))
client = ObservabilityClient(service_name="client-demo-python")
with client.tracer.start_as_current_span("login_flow") as root:
    with client.tracer.start_as_current_span("check_password"):
        client.log_info("User login", {"user": "admin", "run": run})
    client.increment_counter(1, {"route": "/login", "run": run})
    client.record_histogram(12.5, {"route": "/login", "run": run})
    trace_id = format(root.get_span_context().trace_id, "032x")
client.shutdown()
print(json.dumps({"traceId": trace_id, "spans": 2, "run": run, "sentTo": client.settings.endpoint,
                  "exportFailures": dict(client.export_failures)}))
sys.exit(1 if sum(client.export_failures.values()) else 0)
