/**
 * The `scaibu` provider plugin (started by ./pulumi-resource-scaibu): one resource type, the
 * network guard (./guard-provider.ts). It is served by the SDK's provider server
 * (`@pulumi/pulumi/provider`) and imports nothing else of the SDK, so it starts in about a third of
 * the time the dynamic provider it replaced took (that one loads the whole SDK, npm's arborist
 * included: docs/benchmark.md).
 */
import { main } from "@pulumi/pulumi/provider";
import { guardProvider } from "./guard-provider";

void main(guardProvider, process.argv.slice(2));
