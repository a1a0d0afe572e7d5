// Cold query planning time of @apollo/query-planner (the planner inside @apollo/gateway), for bench/planning.py.
//
// stdin: {"supergraph": SDL, "operations": {"name": "query text"}, "iterations": N}
// stdout: {"name": {"median_ms": .., "min_ms": .., "iterations": N}}
// The planner is built once per supergraph (as a gateway does); each iteration
// plans the operation from a freshly parsed document, so no plan is reused.
import { parse } from "graphql";
import { Supergraph, operationFromDocument } from "@apollo/federation-internals";
import { QueryPlanner } from "@apollo/query-planner";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const supergraph = Supergraph.build(input.supergraph);
const planner = new QueryPlanner(supergraph);
const api = supergraph.apiSchema();
const out = {};
for (const [name, text] of Object.entries(input.operations)) {
  const times = [];
  for (let i = 0; i < input.iterations; i++) {
    const operation = operationFromDocument(api, parse(text));
    const start = process.hrtime.bigint();
    planner.buildQueryPlan(operation);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  out[name] = { median_ms: times[Math.floor(times.length / 2)], min_ms: times[0], iterations: times.length };
}
process.stdout.write(JSON.stringify(out) + "\n");
