// Runs graphql-http's GraphQL-over-HTTP server audit against a running server.
//
//   node http-audit.mjs http://127.0.0.1:PORT/graphql [header:value ...]
//
// Prints one JSON line per audit: {id, name, status, reason}. Extra headers are
// added to every request (the router's CSRF prevention wants a preflight-forcing
// header on GET, as any non-browser client of Apollo-compatible routers sends).
import { auditServer } from "graphql-http";

const [url, ...headerArgs] = process.argv.slice(2);
const extra = Object.fromEntries(
  headerArgs.map((arg) => [arg.slice(0, arg.indexOf(":")), arg.slice(arg.indexOf(":") + 1)]),
);

function fetchWithHeaders(input, init = {}) {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  return fetch(input, { ...init, headers });
}

const results = await auditServer({ url, fetchFn: fetchWithHeaders });
for (const result of results) {
  const { id, name, status } = result;
  const reason = result.status === "ok" ? "" : result.reason;
  console.log(JSON.stringify({ id, name, status, reason }));
}
