export * from "./https";
export * from "./local-stack";
export * from "./otlp";
export * from "./logql";
export * from "./fake-docker";
