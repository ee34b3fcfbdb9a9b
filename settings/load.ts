import * as pulumi from "@pulumi/pulumi";
import { inputJsonSchema, parseSettings, Settings, SettingsError } from "./schema";

/**
 * Pulumi config values arrive as strings; objects, numbers and booleans as JSON. Whether a key
 * is text comes from the schema: JSON-parsing a string key would turn "1234" into a number.
 */
function decode(key: string, value: string): unknown {
  if (inputJsonSchema().properties?.[key]?.type === "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value; // not JSON: let the schema say what it should have been
  }
}

/**
 * Reads every key of this project's namespace (so a misspelt key is reported, not ignored)
 * and validates it; a bad value stops the program before any resource is registered.
 * Secret keys (`pulumi config set --secret`) are declared as such in the schema, which keeps
 * their values as Pulumi secrets (configs/schema.ts `secretString`).
 */
export function loadSettings(): Settings {
  const project = pulumi.getProject();
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (!fullKey.startsWith(`${project}:`)) continue;
    const key = fullKey.slice(project.length + 1);
    raw[key] = decode(key, value);
  }
  try {
    return parseSettings(raw, project);
  } catch (err) {
    // RunError prints the message alone, without a stack trace, and fails preview.
    if (err instanceof SettingsError) throw new pulumi.RunError(err.message);
    throw err;
  }
}
