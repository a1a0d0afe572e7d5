// Reference composition for the differential tests in tests/compose.
//
// stdin: either a JSON list of subgraphs [{name, url, sdl}] (one composition),
// or an object {"case id": [{name, url, sdl}, ...], ...} (many compositions in
// one Node process, so the Python tests start Node once).
// stdout: for one composition {"supergraph": SDL} or {"errors": [{message, code}]};
// for many, an object with the same keys as the input and those results as values.
//
// With --load-in-gateway, stdin is {"id": supergraph SDL, ...} instead, and each
// SDL is loaded by @apollo/gateway (no subgraph is contacted); stdout is
// {"id": {"ok": true} | {"ok": false, "error": message}}.
import { parse } from "graphql";
import { ApolloGateway } from "@apollo/gateway";
import { composeServices } from "@theguild/federation-composition";

function composeOne(subgraphs) {
  let services;
  try {
    services = subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) }));
  } catch (e) {
    return { errors: [{ message: String(e.message), code: "PARSE_ERROR" }] };
  }
  try {
    const result = composeServices(services);
    if (result.errors && result.errors.length > 0) {
      return {
        errors: result.errors.map((e) => ({
          message: e.message,
          code: (e.extensions && e.extensions.code) || null,
        })),
      };
    }
    return { supergraph: result.supergraphSdl };
  } catch (e) {
    return { errors: [{ message: String(e && e.message), code: "CRASH" }] };
  }
}

async function loadInGateway(supergraphSdl) {
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const gateway = new ApolloGateway({ supergraphSdl, logger: silent });
  try {
    await gateway.load();
    return { ok: true };
  } catch (e) {
    return { ok: false, error: String(e && e.message) };
  } finally {
    await gateway.stop().catch(() => {});
  }
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));
let output;
if (process.argv.includes("--load-in-gateway")) {
  output = {};
  for (const [id, sdl] of Object.entries(input)) output[id] = await loadInGateway(sdl);
} else if (Array.isArray(input)) {
  output = composeOne(input);
} else {
  output = {};
  for (const [id, subgraphs] of Object.entries(input)) output[id] = composeOne(subgraphs);
}
process.stdout.write(JSON.stringify(output));
