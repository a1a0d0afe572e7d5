// Apollo Gateway (the peer our router is compared against) on a static supergraph.
//
//   node tests/node/gateway.mjs --supergraph PATH [--port 0] [--host 127.0.0.1] [--expose-plans]
//
// Serves POST /graphql (GraphQL over HTTP, JSON body) and GET /health
// ({"status":"UP"} once the gateway has loaded the supergraph). Port 0 picks a
// free port. When ready it prints ONE line on stdout:
//   GATEWAY READY http://HOST:PORT
// and logs everything else to stderr. SIGTERM / SIGINT stop it cleanly (exit 0).
//
// With --expose-plans, a request carrying the header
// `Apollo-Query-Plan-Experimental: 1` gets Apollo's query plan in
// `extensions.__queryPlanExperimental` (pretty text; add the header
// `Apollo-Query-Plan-Experimental-Format: internal` for the JSON plan).
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer, HeaderMap } from "@apollo/server";

const { values } = parseArgs({
  options: {
    supergraph: { type: "string" },
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    "expose-plans": { type: "boolean", default: false },
  },
});
if (!values.supergraph) {
  process.stderr.write("usage: gateway.mjs --supergraph PATH [--port N] [--host H] [--expose-plans]\n");
  process.exit(2);
}

const quietLogger = {
  debug() {},
  info() {},
  warn(message) {
    process.stderr.write(`[gateway warn] ${message}\n`);
  },
  error(message) {
    process.stderr.write(`[gateway error] ${message}\n`);
  },
};

const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(values.supergraph, "utf8"),
  __exposeQueryPlanExperimental: values["expose-plans"],
  logger: quietLogger,
});
const apollo = new ApolloServer({
  gateway,
  logger: quietLogger,
  includeStacktraceInErrorResponses: false,
  introspection: true,
  // The conformance kit posts JSON; no browser is involved.
  csrfPrevention: false,
});
await apollo.start();
let serving = true;

function send(res, status, headers, body) {
  res.writeHead(status, headers);
  res.end(body);
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

async function handleGraphQL(req, res, url) {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
  }
  let body;
  if (req.method === "POST") {
    const text = await readBody(req);
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      send(res, 400, { "content-type": "application/json" }, JSON.stringify({ errors: [{ message: "Body is not valid JSON" }] }));
      return;
    }
  }
  const response = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method, headers, search: url.search, body },
    context: async () => ({}),
  });
  const outHeaders = {};
  for (const [key, value] of response.headers) outHeaders[key] = value;
  if (response.body.kind === "complete") {
    send(res, response.status ?? 200, outHeaders, response.body.string);
    return;
  }
  res.writeHead(response.status ?? 200, outHeaders);
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (url.pathname === "/health") {
    const status = serving ? 200 : 503;
    send(res, status, { "content-type": "application/json" }, JSON.stringify({ status: serving ? "UP" : "DOWN" }));
    return;
  }
  if (url.pathname !== "/graphql") {
    send(res, 404, { "content-type": "text/plain" }, "not found");
    return;
  }
  handleGraphQL(req, res, url).catch((error) => {
    process.stderr.write(`[gateway error] ${error && error.stack ? error.stack : error}\n`);
    if (!res.headersSent) send(res, 500, { "content-type": "application/json" }, JSON.stringify({ errors: [{ message: "gateway script failed" }] }));
    else res.end();
  });
});
server.keepAliveTimeout = 5000;

server.listen(Number(values.port), values.host, () => {
  const { port } = server.address();
  process.stdout.write(`GATEWAY READY http://${values.host}:${port}\n`);
});

async function shutdown() {
  if (!serving) return;
  serving = false;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(() => resolve()));
  await apollo.stop();
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);

// No orphans: if whoever started us dies without stopping us (a killed test
// run), we are re-parented; then stop.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) shutdown();
}, 1000).unref();
