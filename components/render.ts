/**
 * Every config file, command line and environment the stack's containers run with, rendered
 * from the validated settings. The program deploys exactly this, and scripts/validate-configs.sh
 * hands exactly this to the real validators.
 */
import { hostsFor, type Hosts, type ServiceKey, SERVICE_KEYS } from "../configs/catalog";
import { grafanaEnv, grafanaFiles } from "../configs/grafana";
import { jaegerCommand, jaegerFiles } from "../configs/jaeger";
import { lokiCommand, lokiFiles } from "../configs/loki";
import { otelCollectorCommand, otelCollectorFiles } from "../configs/otel-collector";
import { prometheusCommand, prometheusFiles } from "../configs/prometheus";
import { socketProxyEndpoint, socketProxyEnv } from "../configs/socket-proxy";
import { traefikCommand, traefikFiles } from "../configs/traefik";
import type { ConfigFile } from "../configs/types";
import { externalUrl } from "../configs/urls";
import { ROUTE_LABEL, STACK_LABEL } from "./routing";
import { isGuarded, type Settings } from "./settings";

export interface Rendered {
  files: ConfigFile[];
  /** Replaces the image CMD; empty keeps it. */
  command: string[];
  env: Record<string, string>;
}

export type RenderedStack = Partial<Record<ServiceKey, Rendered>>;

/** Renders every enabled service. `stackLabel` is `<project>/<stack>`. */
export function renderAll(s: Settings, stackLabel: string): RenderedStack {
  const hosts = hostsFor(s.domain);
  const enabled = SERVICE_KEYS.filter((k) => s.services[k].enabled);
  const enabledHosts = Object.fromEntries(enabled.map((k) => [k, hosts[k]])) as Partial<Hosts>;
  const external = { externalPort: s.ports.https };
  const dockerEndpoint = socketProxyEndpoint(hosts.socketProxy);
  // What the collector's host_metrics and docker_stats collect: alert rules and dashboards follow.
  const hostRules = {
    host: s.services.otelCollector.enabled && s.hostMetrics.enabled,
    containers: s.services.otelCollector.enabled && s.hostMetrics.containers,
    stackLabel,
    stackContainers: enabled.map((k) => hosts[k]),
  };
  const render: Record<ServiceKey, () => Rendered> = {
    prometheus: () => {
      const input = {
        ...s.prometheus,
        ...external,
        hosts: enabledHosts,
        externalHost: hosts.prometheus,
        dockerNetwork: s.networks.observability.name,
        dockerEndpoint,
        hostRules,
      };
      return { files: prometheusFiles(input), command: prometheusCommand(input), env: {} };
    },
    loki: () => ({ files: lokiFiles(s.loki), command: lokiCommand(), env: {} }),
    jaeger: () => ({ files: jaegerFiles(s.jaeger), command: jaegerCommand(), env: {} }),
    grafana: () => {
      const input = {
        ...external,
        hosts,
        externalHost: hosts.grafana,
        jaegerUrl: externalUrl(hosts.jaeger, s.ports.https),
        adminUser: s.grafana.adminUser,
        hostMetrics: hostRules,
      };
      return { files: grafanaFiles(input), command: [], env: grafanaEnv(input) };
    },
    otelCollector: () => {
      const input = {
        hosts,
        dockerLogs: s.collectDockerLogs,
        resourceAttributes: s.resourceAttributes,
        stackName: stackLabel,
        tokenOnRouted: isGuarded(s, "otelCollector"),
        tokenOnHost: s.auth.otlpTokenOnHost,
        ...s.collector,
        hostMetrics: s.hostMetrics,
        dockerEndpoint,
        stackLabelKey: STACK_LABEL,
      };
      return { files: otelCollectorFiles(input), command: otelCollectorCommand(), env: {} };
    },
    socketProxy: () => ({ files: [], command: [], env: socketProxyEnv() }),
    traefik: () => {
      const input = {
        networkName: s.networks.observability.name,
        dockerEndpoint,
        constraintLabel: { key: STACK_LABEL, value: stackLabel },
        consumerLabel: ROUTE_LABEL,
      };
      return { files: traefikFiles(input), command: traefikCommand(), env: {} };
    },
  };
  return Object.fromEntries(enabled.map((k) => [k, render[k]()])) as RenderedStack;
}
