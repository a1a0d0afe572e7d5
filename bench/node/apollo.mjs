// @apollo/gateway + @apollo/server (standalone HTTP) on a static supergraph, for bench/.
//
//   node bench/node/apollo.mjs --supergraph PATH --port N
//
// Propagates the client's x-user-id header to every subgraph (as the other
// gateways in the benchmark are configured to), prints `GATEWAY READY` when
// listening, exits on SIGTERM.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ApolloGateway, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";

const { values } = parseArgs({
  options: {
    supergraph: { type: "string" },
    port: { type: "string", default: "4000" },
  },
});

const quiet = {
  debug() {},
  info() {},
  warn(m) { process.stderr.write(`[apollo warn] ${m}\n`); },
  error(m) { process.stderr.write(`[apollo error] ${m}\n`); },
};

class Propagating extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    if (context.userId) request.http.headers.set("x-user-id", context.userId);
  }
}

const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(values.supergraph, "utf8"),
  logger: quiet,
  buildService: ({ url }) => new Propagating({ url }),
});
const server = new ApolloServer({ gateway, logger: quiet, csrfPrevention: false });
await startStandaloneServer(server, {
  listen: { host: "127.0.0.1", port: Number(values.port) },
  context: async ({ req }) => ({ userId: req.headers["x-user-id"] }),
});
process.stdout.write("GATEWAY READY\n");
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
