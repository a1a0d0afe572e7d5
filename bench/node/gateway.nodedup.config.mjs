// @graphql-hive/gateway for bench/ (gateway key `hive-nodedup`): as gateway.config.mjs,
// but without the HTTP executor's default de-duplication of identical in-flight
// subgraph queries, to compare the routers' own work when every request is sent.
import { defineConfig } from "@graphql-hive/gateway";
import { gatewayConfig as base } from "./gateway.config.mjs";

export const gatewayConfig = defineConfig({
  ...base,
  transportEntries: {
    "*": { options: { deduplicateInflightRequests: false } },
  },
});
