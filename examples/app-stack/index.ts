/**
 * A consumer of scaibu-observability: one instrumented app container (./app) that sends OTLP to
 * the stack's collector over the observability network and is served by the stack's Traefik at
 * https://<domain>.<host>. Everything it needs comes from the observability stack's outputs.
 *
 *   config observabilityStack  the stack to read (default: organization/scaibu-observability/dev,
 *                              i.e. the `dev` stack of a local file backend)
 *   config image               the app image (default scaibu-example/app-demo:0.1.0; ./app/build.sh)
 *   config host                one of the observability stack's `consumerHosts` (default app)
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
// The observability stack's own label generator: the route is written exactly as its services' are.
import { traefikLabels } from "@scaibu/observability-routing";

interface Routing {
  network: string;
  label: { key: string; value: string };
  hosts: Record<string, string>;
  httpsPort: number;
}

const config = new pulumi.Config();
const observability = new pulumi.StackReference(
  config.get("observabilityStack") ?? "organization/scaibu-observability/dev",
);
const image = config.get("image") ?? "scaibu-example/app-demo:0.1.0";
const hostName = config.get("host") ?? "app";

const otlp = observability.requireOutput("otlp") as pulumi.Output<{ internalHttp: string }>;
const routing = observability.requireOutput("routing") as pulumi.Output<Routing>;

const host = routing.apply((r) => {
  const h = r.hosts[hostName];
  if (!h) {
    throw new Error(
      `config host = "${hostName}": not one of the observability stack's consumerHosts ` +
        `(${Object.keys(r.hosts).join(", ") || "none"}); add it there (consumerHosts: ["${hostName}"]) and run its up`,
    );
  }
  return h;
});

const appImage = new docker.RemoteImage("app-image", { name: image, keepLocally: true });

const app = new docker.Container(
  "app",
  {
    name: `${pulumi.getStack()}-app`,
    image: appImage.imageId,
    networksAdvanced: [{ name: routing.network }],
    envs: [
      pulumi.interpolate`OTEL_EXPORTER_OTLP_ENDPOINT=${otlp.internalHttp}`,
      "OTEL_SERVICE_NAME=app-demo",
      `OTEL_RESOURCE_ATTRIBUTES=deployment.environment=${pulumi.getStack()}`,
    ],
    labels: pulumi.all([routing, host]).apply(([r, h]) =>
      Object.entries({
        ...traefikLabels({ name: `consumer-${hostName}`, host: h, port: 8080 }, r.network),
        [r.label.key]: r.label.value, // lets the observability stack's Traefik route it
      }).map(([label, value]) => ({ label, value })),
    ),
    healthcheck: {
      tests: ["CMD", "/app", "-health"],
      interval: "10s",
      timeout: "2s",
      retries: 3,
      startPeriod: "10s",
      startInterval: "1s",
    },
    wait: true,
    restart: "unless-stopped",
    memory: 64,
    memorySwap: 64,
    logDriver: "json-file",
    logOpts: { "max-size": "10m", "max-file": "3" },
  },
  { deleteBeforeReplace: true }, // the name is fixed
);

export const containerName = app.name;
export const url = pulumi
  .all([routing, host])
  .apply(([r, h]) => (r.httpsPort === 443 ? `https://${h}` : `https://${h}:${r.httpsPort}`));
