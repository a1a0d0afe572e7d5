// @graphql-hive/gateway for bench/ (gateway key `hive-rust`): as gateway.config.mjs,
// with the Hive Router runtime (Rust query planner) set in the config instead of
// only by `--hive-router-runtime`: that flag falls back to the JavaScript planner
// with a warning our `logging: "error"` hides, while this import fails loudly.
import { defineConfig } from "@graphql-hive/gateway";
import { unifiedGraphHandler } from "@graphql-hive/router-runtime";
import { gatewayConfig as base } from "./gateway.config.mjs";

export const gatewayConfig = defineConfig({
  ...base,
  unifiedGraphHandler,
});
