/**
 * A Docker engine on another machine (DOCKER_HOST=ssh://… or tcp://…, or docker:host): every
 * port the stack publishes binds on *that* machine's bindAddress. With the default loopback, the
 * stack is then reachable only from the remote host itself, or through an ssh tunnel, and the
 * etcHosts output points at this machine's loopback unless publicAddress says where it is.
 */
import { isIP } from "node:net";
import type { Settings } from "./schema";

/** Whether `endpoint` is an engine on another machine. */
export function isRemoteEngine(endpoint: string): boolean {
  const url = /^([a-z]+):\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^/:]*)/i.exec(endpoint);
  if (!url || url[1] === "unix" || url[1] === "npipe") return false;
  const host = url[2]!.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost") return false;
  return !(isIP(host) === 4 ? host.startsWith("127.") : host === "::1");
}

const LOOPBACK = /^(127\.|::1$)/;

/** The warning `preview` prints for a remote engine, or undefined when there is none to print. */
export function remoteEngineWarning(endpoint: string, s: Settings): string | undefined {
  if (!isRemoteEngine(endpoint)) return undefined;
  const where = `the Docker engine at ${endpoint} is on another machine: the stack's ports bind on its ${s.bindAddress}`;
  if (LOOPBACK.test(s.bindAddress)) {
    return (
      `${where}, reachable only from that machine or through an ssh tunnel ` +
      `(ssh -L ${s.ports.https}:${s.bindAddress}:${s.ports.https} -L ${s.ports.otlpHttp}:${s.bindAddress}:${s.ports.otlpHttp} <host>); ` +
      `or set scaibu-observability:bindAddress to an address of that machine and publicAddress to where clients reach it (README "Remote Docker host")`
    );
  }
  if (s.publicAddress === undefined) {
    return `${where}; the etcHosts and otlp outputs name ${s.bindAddress}: set scaibu-observability:publicAddress if clients reach that machine at another address`;
  }
  return undefined;
}
