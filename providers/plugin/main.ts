/**
 * The `scaibu` provider plugin (started by ./pulumi-resource-scaibu): three resource types, the
 * network guard (./guard-provider.ts), the docker_stats resync (./resync-provider.ts) and the
 * container/service handover of a swarm's backends (./handover-provider.ts), routed
 * by the type in each resource's URN. It is served by the SDK's provider server
 * (`@pulumi/pulumi/provider`) and imports nothing else of the SDK, so it starts in about a third of
 * the time the dynamic provider it replaced took (that one loads the whole SDK, npm's arborist
 * included: docs/benchmark.md).
 */
import { main } from "@pulumi/pulumi/provider";
import { routeByType } from "./route";

void main(routeByType(), process.argv.slice(2));
