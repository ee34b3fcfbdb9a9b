export {
  DEFAULT_COUNTER,
  DEFAULT_HISTOGRAM,
  ObservabilityClient,
  VERSION,
  type ObservabilityClientOptions,
  type Signal,
} from "./client.js";
export {
  ConfigError,
  OUTPUTS_ENV,
  ROUTE_ENV,
  ROUTES,
  type Route,
  type Settings,
  type StackOutputs,
} from "./settings.js";
