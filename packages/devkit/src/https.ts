/**
 * HTTPS to the stack's hosts with its own CA, each `<domain>.<service>` pinned to the bind address
 * (no /etc/hosts entry needed). Node's https module; nothing hand-written below HTTP.
 */
import { request, type AgentOptions } from "node:https";
import type { LookupFunction } from "node:net";

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface Target {
  ca: string;
  /** Address the stack's hosts resolve to (the bind address). */
  address: string;
  /** Hostnames to pin, e.g. scaibu.prometheus. */
  hosts: string[];
}

export function agentOptions(t: Target): AgentOptions {
  const family = t.address.includes(":") ? 6 : 4;
  const lookup: LookupFunction = (hostname, options, callback) => {
    if (!t.hosts.includes(hostname)) return callback(new Error(`not a host of this stack: ${hostname}`), "", 0);
    if (options.all)
      return (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address: t.address, family },
      ]);
    callback(null, t.address, family);
  };
  return { ca: t.ca, lookup };
}

export function fetchHttps(
  t: Target,
  url: string,
  init: { method?: string; auth?: { user: string; password: string }; body?: string; contentType?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (init.auth)
    headers.authorization = `Basic ${Buffer.from(`${init.auth.user}:${init.auth.password}`).toString("base64")}`;
  if (init.contentType) headers["content-type"] = init.contentType;
  return new Promise((resolve, reject) => {
    const req = request(url, { ...agentOptions(t), method: init.method ?? "GET", headers, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }),
      );
    });
    req.on("timeout", () => req.destroy(new Error(`timeout: ${url}`)));
    req.on("error", reject);
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}
