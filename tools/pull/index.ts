/**
 * Pulls the images a stack will run, before `pulumi up`, with progress: one line per image with
 * its size and the time it took (docker's own progress while it pulls). The first `up` of a new
 * machine otherwise spends minutes in silence inside the docker provider. Images already present
 * are not pulled again.
 *   node -r @scaibu/observability-loader tools/pull/index.ts [--stack NAME]   (scripts/up.sh runs it)
 */
import { execFileSync, spawnSync } from "node:child_process";
import { CATALOG, SERVICE_KEYS, type ServiceKey } from "../../configs/catalog";

type Services = Partial<Record<ServiceKey, { enabled?: boolean; image?: string }>>;

/** The stack's `services` key: images and switches (no secret is read). */
function configuredServices(stack?: string): Services {
  const args = ["config", "--json", ...(stack ? ["--stack", stack] : [])];
  const all = JSON.parse(execFileSync("pulumi", args, { encoding: "utf8" })) as Record<
    string,
    { value?: string; objectValue?: unknown }
  >;
  const entry = all["scaibu-observability:services"];
  if (!entry) return {};
  return (entry.objectValue ?? JSON.parse(entry.value ?? "{}")) as Services;
}

const argv = process.argv.slice(2);
const stack = argv.includes("--stack") ? argv[argv.indexOf("--stack") + 1] : undefined;
const services = configuredServices(stack);
const images = [
  ...new Set(
    SERVICE_KEYS.filter((k) => services[k]?.enabled !== false).map((k) => services[k]?.image ?? CATALOG[k].image),
  ),
];
const present = (image: string) =>
  spawnSync("docker", ["image", "inspect", "--format", "{{.Size}}", image], { encoding: "utf8" });

let failed = 0;
for (const [i, image] of images.entries()) {
  const tag = `[pull ${i + 1}/${images.length}]`;
  const have = present(image);
  if (have.status === 0) {
    console.error(`${tag} ${image}: present (${mb(Number(have.stdout))})`);
    continue;
  }
  console.error(`${tag} ${image}: pulling`);
  const t0 = Date.now();
  const r = spawnSync("docker", ["pull", image], { stdio: ["ignore", "inherit", "inherit"] });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`${tag} ${image}: FAILED after ${secs} s (pulumi up will try again and report the registry's error)`);
    failed++;
    continue;
  }
  console.error(`${tag} ${image}: ${mb(Number(present(image).stdout))} in ${secs} s`);
}
if (failed) console.error(`${failed} image(s) could not be pulled`);

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}
