// Persisted operations over graphql-transport-ws with the graphql-ws client, printing
// one JSON line per attempt and per result; `{"done": ...}` ends the output.
//
//   node --experimental-websocket graphql-ws-persisted.mjs URL MODE QUERY VARIABLES_JSON COUNT [CLIENT_NAME]
//
// MODE:
//   apq          automatic persisted queries as Apollo's persisted-query link does them:
//                the hash alone first; on PERSISTED_QUERY_NOT_FOUND the query with its
//                hash (registering it); `{"attempt": "hash"|"query", ...}` says which.
//   id:DOCUMENT  the persisted query list's id, as `documentId` (QUERY unused).
//   query        the query text alone (free-form).
// graphql-ws requires a string `query` in every subscribe message: without the text it
// is '' (graphql-ws's own recipe for persisted queries), which the router reads as none.
// CLIENT_NAME goes in the connection_init payload as `apollographql-client-name`.
import { createHash } from 'node:crypto';
import { errorsOf, print, wsClient } from './graphql-ws-kit.mjs';

const [url, mode, query, variablesJson, countText, clientName] = process.argv.slice(2);
const variables = JSON.parse(variablesJson);
const count = Number(countText);

const client = wsClient(
  url,
  clientName ? { 'apollographql-client-name': clientName } : undefined,
);

const persistedQuery = {
  version: 1,
  sha256Hash: createHash('sha256').update(query).digest('hex'),
};

// The results of one subscribe; a thrown array is the `error` message's GraphQL errors.
async function run(payload) {
  let seen = 0;
  const subscription = client.iterate(payload);
  for await (const result of subscription) {
    print({ result });
    seen += 1;
    if (seen >= count) {
      await subscription.return();
      break;
    }
  }
  return seen;
}

const notFound = (errors) =>
  Array.isArray(errors) &&
  errors.some((error) => error?.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND');

try {
  let seen;
  if (mode === 'apq') {
    try {
      print({ attempt: 'hash' });
      seen = await run({ query: '', variables, extensions: { persistedQuery } });
    } catch (errors) {
      if (!notFound(errors)) throw errors;
      print({ attempt: 'query', after: errors });
      seen = await run({ query, variables, extensions: { persistedQuery } });
    }
  } else if (mode.startsWith('id:')) {
    seen = await run({ query: '', documentId: mode.slice(3), variables });
  } else {
    seen = await run({ query, variables });
  }
  print({ done: 'completed', seen });
} catch (error) {
  print({ done: 'error', errors: errorsOf(error) });
}
await client.dispose();
