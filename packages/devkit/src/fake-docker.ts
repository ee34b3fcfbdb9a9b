/**
 * A stand-in Docker engine for the pure tests: an HTTP server on a unix socket that answers the
 * API paths it is given (anything else: 404 `{"message":"not found"}`; `failing(status, message)`
 * answers with an error, as dockerd does off a swarm with 503), so the code under test
 * talks to it exactly as to dockerd, through docker-modem, without an engine or a CLI.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface FakeDocker {
  /** `unix:///…/docker.sock`, for dockerGet and DOCKER_HOST. */
  endpoint: string;
  /** Paths asked for, in order (with their query strings). */
  asked: string[];
  /** Each request's method, path and body, in order. */
  requests: { method: string; path: string; body: string }[];
  close(): Promise<void>;
}

const STATUS = Symbol("fake-docker status");

/** An answer that is an error: `status` with `{"message": message}`. */
export function failing(status: number, message: string): object {
  return { [STATUS]: status, message };
}

export async function fakeDocker(routes: Record<string, unknown>): Promise<FakeDocker> {
  const dir = mkdtempSync(join(tmpdir(), "scaibu-fake-docker-"));
  const socket = join(dir, "docker.sock");
  const asked: string[] = [];
  const requests: FakeDocker["requests"] = [];
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://docker");
    asked.push(`${url.pathname}${url.search ? `?${url.searchParams.toString()}` : ""}`);
    const path = decodeURIComponent(url.pathname);
    let body = "";
    for await (const chunk of req) body += String(chunk);
    requests.push({ method: req.method ?? "", path, body });
    const answer = routes[path];
    res.setHeader("Content-Type", "application/json");
    if (answer === undefined) {
      res.statusCode = 404;
      res.end(JSON.stringify({ message: `not found: ${path}` }));
    } else {
      const status = (answer as { [STATUS]?: number })[STATUS];
      if (status !== undefined) res.statusCode = status;
      res.end(JSON.stringify(answer));
    }
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  // Never what keeps a test process alive: the program may still be asking when a test ends.
  server.unref();
  return {
    endpoint: `unix://${socket}`,
    asked,
    requests,
    close: () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        }),
      ),
  };
}
