/**
 * The e2e tier: one throwaway stack on a real Docker engine (tests/e2e/fixture.ts), and the
 * suites by topic, run in this order over it. The order matters where a suite needs what an
 * earlier one left: deploy starts the checks that only wait, the preview-only suites run while
 * they wait, the suites that stop or replace containers come after the ones that read them, and
 * teardown comes last. Needs: a Docker engine, the pulumi CLI and plugins on PATH, and the
 * scaibu-e2e/*:local images (scripts/test.sh provides all three).
 */
import { after, before, describe } from "node:test";
import { setUp, tearDown } from "./fixture";
import { deploySuite } from "./suites/deploy";
import { previewsSuite } from "./suites/previews";
import { securitySuite } from "./suites/security";
import { telemetrySuite } from "./suites/telemetry";
import { alertingSuite } from "./suites/alerting";
import { hostMetricsSuite } from "./suites/host-metrics";
import { resilienceSuite } from "./suites/resilience";
import { driftSuite } from "./suites/drift";
import { identitySuite } from "./suites/identity";
import { day2Suite } from "./suites/day2";
import { consumerSuite } from "./suites/consumer";
import { teardownSuite } from "./suites/teardown";

describe("scaibu-observability on a real Docker engine", { timeout: 40 * 60 * 1000 }, () => {
  before(setUp);
  after(tearDown);
  deploySuite();
  previewsSuite();
  securitySuite();
  telemetrySuite();
  hostMetricsSuite();
  alertingSuite();
  resilienceSuite();
  driftSuite();
  identitySuite();
  day2Suite();
  consumerSuite();
  teardownSuite();
});
