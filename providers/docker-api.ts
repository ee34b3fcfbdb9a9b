/**
 * Calls to the Docker API of the engine the docker provider manages: `docker:host`
 * when set, else DOCKER_HOST, else the local socket (the provider's own order). Through
 * docker-modem, dockerode's transport (unix, tcp, TLS with DOCKER_CERT_PATH, ssh), so no `docker`
 * CLI is needed. An engine that cannot be reached is an error, never "nothing there".
 */

/** The endpoint the docker provider uses: `docker:host` (passed in), else DOCKER_HOST, else the local socket. */
export function dockerEndpoint(configuredHost?: string): string {
  return configuredHost || process.env.DOCKER_HOST || "unix:///var/run/docker.sock";
}

/**
 * GET `path` of the Docker API at `endpoint`: the parsed body, or undefined on 404. Throws, naming
 * the endpoint, when the engine cannot be reached or answers anything else.
 */
export function dockerGet<T>(
  endpoint: string,
  path: string,
  query: Record<string, unknown> = {},
): Promise<T | undefined> {
  return dockerCall<T>(endpoint, "GET", path, query);
}

/** POST `body` (JSON) to `path` with `query`: the parsed answer, or undefined on 404; throws as dockerGet does. */
export function dockerPost<T>(
  endpoint: string,
  path: string,
  body: object,
  query: Record<string, unknown> = {},
): Promise<T | undefined> {
  return dockerCall<T>(endpoint, "POST", path, body, query);
}

function dockerCall<T>(
  endpoint: string,
  method: "GET" | "POST",
  path: string,
  options: object,
  query: Record<string, unknown> = {},
): Promise<T | undefined> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Modem = require("docker-modem") as typeof import("docker-modem");
  const before = process.env.DOCKER_HOST;
  // docker-modem reads the endpoint (and TLS files) from the environment, as the docker CLI does.
  process.env.DOCKER_HOST = endpoint;
  let modem: InstanceType<typeof Modem>;
  try {
    modem = new Modem();
  } finally {
    if (before === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = before;
  }
  // 304: a container stop or start that finds it so already.
  const statusCodes = { 200: true, 201: true, 204: true, 304: true, 404: "not found", 500: "server error" };
  return new Promise<T | undefined>((resolve, reject) => {
    modem.dial(
      // GET: the `?` makes docker-modem write `options` as the query string (objects such as
      // `filters` as JSON). POST: `options` is the JSON body, sent even when it is `{}`.
      method === "GET"
        ? { path: `${path}?`, method, statusCodes, options }
        : Object.keys(query).length
          ? // The `?` makes docker-modem write `_query` as the query string; `_body` stays the body.
            { path: `${path}?`, method, statusCodes, options: { _body: options, _query: query }, allowEmpty: true }
          : { path, method, statusCodes, options: { _body: options }, allowEmpty: true },
      (err, data) => {
        if (err && (err as { statusCode?: number }).statusCode === 404) resolve(undefined);
        else if (err)
          reject(new Error(`the Docker engine at ${endpoint} could not be asked for ${path}: ${err.message}`));
        else resolve(data as T);
      },
    );
  });
}
