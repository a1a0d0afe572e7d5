// Apollo's own composition (@apollo/composition), for features where Apollo is the
// reference (demand control's @cost/@listSize, tests/compose/test_cost_directives.py).
//
// stdin: {"case id": [{name, url, sdl}, ...], ...}; stdout: {"case id": {"supergraph": SDL}
// or {"errors": [{message, code}, ...]}} (one Node process for every case).
import { parse } from "graphql";
import { composeServices } from "@apollo/composition";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const output = {};
for (const [id, subgraphs] of Object.entries(input)) {
  try {
    const result = composeServices(
      subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })),
    );
    output[id] = result.errors && result.errors.length
      ? {
          errors: result.errors.map((e) => ({
            message: e.message,
            code: (e.extensions && e.extensions.code) || null,
          })),
        }
      : { supergraph: result.supergraphSdl };
  } catch (e) {
    output[id] = { errors: [{ message: String(e && e.stack ? e.stack : e), code: "CRASH" }] };
  }
}
process.stdout.write(JSON.stringify(output));
