/** `https://host` or `https://host:port` when the public HTTPS port is not 443. */
export function externalUrl(host: string, port?: number): string {
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new Error(`externalPort must be a TCP port, got ${port}`);
  }
  return port === undefined || port === 443 ? `https://${host}` : `https://${host}:${port}`;
}
