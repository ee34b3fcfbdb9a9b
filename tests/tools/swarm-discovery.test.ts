/**
 * The swarm's two scrape jobs through Prometheus' own dockerswarm discovery and relabelling
 * (`promtool check service-discovery`, built with the moby discovery: toolchain/promtool.sh), against
 * a small stand-in for the Swarm API that lists tasks the way an engine does, including a task the
 * scheduler has not placed yet. What the jobs keep, and the labels they give, come from the real code.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import {
  AGENT_METRICS_PORT,
  nodeAgentsScrapeConfig,
  swarmServicesScrapeConfig,
  type FleetScrapeInput,
} from "../../configs/fleet";
import { toYaml } from "../../configs/yaml";
import { findPromtool, writeTree } from "../support/config-files";

const FLEET = "scaibu-fleet-network";
const AGENT = "scaibu-node-metrics";

const node = (id: string, hostname: string, labels: Record<string, string>) => ({
  ID: id,
  Spec: { Role: "worker", Availability: "active", Labels: labels },
  Description: { Hostname: hostname, Platform: { Architecture: "x86_64", OS: "linux" }, Engine: {} },
  Status: { State: "ready", Addr: `10.213.0.${id.slice(1)}` },
});
const service = (id: string, name: string, labels: Record<string, string>) => ({
  ID: id,
  Spec: { Name: name, Labels: labels, TaskTemplate: { ContainerSpec: { Image: "app" } }, Mode: { Replicated: {} } },
  Endpoint: {},
});
/** A task as /tasks lists it: `nodeId` empty until the scheduler places it; its overlay address comes first. */
const task = (id: string, serviceId: string, nodeId: string, state: string, ip: string, network = "fleet") => ({
  ID: id,
  ServiceID: serviceId,
  NodeID: nodeId,
  Slot: 1,
  DesiredState: "running",
  Status: { State: state, PortStatus: {} },
  Spec: { ContainerSpec: {} },
  NetworksAttachments: [{ Network: { ID: network }, Addresses: [`${ip}/24`] }],
});

const API = {
  networks: [
    { ID: "fleet", Name: FLEET, Scope: "swarm" },
    { ID: "other", Name: "someone-elses-network", Scope: "swarm" },
  ],
  nodes: [node("n2", "node-2", { "scaibu.zone": "b" }), node("n3", "node-3", {})],
  services: [
    service("app", "shop", { "prometheus.io/scrape": "true", "prometheus.io/port": "9464" }),
    service("quiet", "quiet", {}),
    service("agent", AGENT, {}),
  ],
  tasks: [
    task("placed", "app", "n2", "running", "10.0.9.6"),
    task("unplaced", "app", "", "pending", "10.0.9.5"),
    task("elsewhere", "app", "n3", "running", "10.7.0.4", "other"),
    task("not-opted-in", "quiet", "n2", "running", "10.0.9.7"),
    task("agent-2", "agent", "n2", "running", "10.0.9.8"),
    task("agent-new", "agent", "", "pending", "10.0.9.9"),
  ],
};

/** /tasks with its `service` filter applied by name, as the engine does (every task here is desired running). */
function tasksFiltered(filters: string | null) {
  const names = Object.keys((JSON.parse(filters ?? "{}") as { service?: Record<string, boolean> }).service ?? {});
  if (!names.length) return API.tasks;
  const ids = API.services.filter((s) => names.includes(s.Spec.Name)).map((s) => s.ID);
  return API.tasks.filter((t) => ids.includes(t.ServiceID));
}

type Target = { labels: Record<string, string> };

describe("the swarm's scrape jobs through Prometheus' dockerswarm discovery", () => {
  const promtool = findPromtool();
  const taskQueries: URLSearchParams[] = [];
  let server: Server;
  let input: FleetScrapeInput;

  before(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url!, "http://api");
      const list = url.pathname.split("/").pop()!;
      res.setHeader("Api-Version", "1.52");
      if (list === "_ping") {
        res.end("OK");
        return;
      }
      let body = (API as Record<string, unknown[]>)[list];
      if (list === "tasks") {
        taskQueries.push(url.searchParams);
        body = tasksFiltered(url.searchParams.get("filters"));
      }
      res.statusCode = body ? 200 : 404;
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify(body ?? { message: `no ${url.pathname}` }));
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const { port } = server.address() as AddressInfo;
    input = { services: [AGENT], network: FLEET, dockerEndpoint: `tcp://127.0.0.1:${port}` };
  });
  after(() => server.close());

  /** The targets `promtool check service-discovery` reports for `job`, after relabelling (dropped ones gone). */
  async function discover(job: { job_name: string }): Promise<Target[]> {
    const root = writeTree([]);
    const file = join(root, "prometheus.yml");
    writeFileSync(file, toYaml({ scrape_configs: [job] }));
    const { stdout } = await promisify(execFile)(promtool.path, [
      "check",
      "service-discovery",
      "--timeout=2s",
      file,
      job.job_name,
    ]);
    return (JSON.parse(stdout) as Target[]).filter((t) => Object.keys(t.labels).length > 0);
  }

  it("scrapes an opted-in app's placed task on the fleet network at its port, under its node and the node's labels", async () => {
    const targets = await discover(swarmServicesScrapeConfig(input));
    // Not the task with no node yet, nor one on another network, nor a service that did not opt in.
    assert.deepEqual(
      targets.map((t) => t.labels.__address__),
      ["10.0.9.6:9464"],
    );
    const [t] = targets;
    assert.equal(t!.labels.job, "swarm-services");
    assert.equal(t!.labels.service, "shop");
    assert.equal(t!.labels.host_name, "node-2");
    assert.equal(t!.labels.task_slot, "1");
    assert.equal(t!.labels.node_label_scaibu_zone, "b");
  });

  it("scrapes each placed agent task under its node, and asks the engine for the agents' running tasks alone", async () => {
    const targets = await discover(nodeAgentsScrapeConfig(input));
    // Not the agent task a node that just joined has not started yet: it comes at the next refresh.
    assert.deepEqual(
      targets.map((t) => [t.labels.__address__, t.labels.instance, t.labels.host_name, t.labels.service]),
      [[`10.0.9.8:${AGENT_METRICS_PORT}`, "node-2", "node-2", AGENT]],
    );
    assert.equal(targets[0]!.labels.node_label_scaibu_zone, "b");
    const filters = taskQueries.map((q) => JSON.parse(q.get("filters")!) as Record<string, Record<string, boolean>>);
    assert.ok(
      filters.some((f) => f.service?.[AGENT] === true && f["desired-state"]?.running === true),
      JSON.stringify(filters),
    );
  });
});
