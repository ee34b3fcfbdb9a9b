/**
 * An app's telemetry (the OpenTelemetry SDKs, packages/devkit) to `<url>`: the swarm tier runs it
 * inside the network namespace of a task on another node, so it crosses the overlay as that
 * task's would. Prints what it sent as JSON.
 *   node -r @scaibu/observability-loader tests/swarm/send.ts <OTLP/HTTP base URL> <run>
 */
import { sendTelemetry } from "@scaibu/observability-devkit";

const [url, run] = process.argv.slice(2);
if (!url || !run) throw new Error("usage: send.ts <url> <run>");
sendTelemetry({ url }, run, "swarm").then((sent) => process.stdout.write(JSON.stringify(sent)));
