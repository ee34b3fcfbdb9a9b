/** What the tools read from the stack outputs: the domain, with and without Traefik's URLs. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { domainOf, type StackOutputs } from "./outputs";

const outputs = (urls: Record<string, string>, etcHosts: string) =>
  ({ urls, etcHosts, otlp: { http: "" }, caCertPem: "", operator: { user: "", password: "" } }) as StackOutputs;

describe("domainOf", () => {
  it("reads the domain from the URLs", () => {
    assert.equal(domainOf(outputs({ prometheus: "https://acme.prometheus" }, "127.0.0.1 acme.prometheus")), "acme");
  });

  it("reads it from the etcHosts line when Traefik is off and there are no URLs", () => {
    assert.equal(domainOf(outputs({}, "127.0.0.1 sw.prometheus sw.loki sw.jaeger sw.otel")), "sw");
  });
});
