// @graphql-hive/gateway configuration for bench/: propagate the client's
// x-user-id header to every subgraph (as the other gateways are configured to).
import { defineConfig } from "@graphql-hive/gateway";

export const gatewayConfig = defineConfig({
  propagateHeaders: {
    fromClientToSubgraphs({ request }) {
      const userId = request.headers.get("x-user-id");
      return userId ? { "x-user-id": userId } : {};
    },
  },
  logging: "error",
});
