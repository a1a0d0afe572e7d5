// Apollo Client (Node) against a router, printing one JSON line per event; a line
// `{"done": ...}` ends the output.
//
//   node --experimental-websocket apollo-client.mjs MODE URL QUERY VARIABLES_JSON [COUNT [TOKEN]]
//   node apollo-client.mjs defer:HANDLER URL QUERIES_JSON VARIABLES_JSON
//
// MODE:
//   subscribe-http  HttpLink: `multipart/mixed;subscriptionSpec=1.0` (Apollo's multipart
//                   subscriptions); prints {"result": ...} per event, stops after COUNT.
//   subscribe-ws    GraphQLWsLink (the graphql-ws client, graphql-transport-ws); same output.
//   defer:HANDLER   HttpLink with Apollo Client's incremental HANDLER, `20220824`
//                   (Defer20220824Handler, Accept `deferSpec=20220824`) or
//                   `graphql17Alpha9` (GraphQL17Alpha9Handler, Accept
//                   `incrementalSpec=v0.2`): for each query of the
//                   JSON list in turn (one Node start for many), a watched query prints
//                   each raw part the link reads ({"query": i, "part": ...}) and each
//                   merged result the client hands the application ({"query": i,
//                   "result": ..., "state": ...}), then {"query": i, "end": ...};
//                   {"done": ...} after the last. A mutation (text starting with
//                   `mutation`) runs with client.mutate: its parts, then one result.
//
// TOKEN: sent as `Authorization: Bearer TOKEN` (HttpLink's headers; for GraphQLWsLink in
// the connection_init payload, where the router reads it).
//
// Every request goes through the real client stack (links, cache with fetchPolicy
// no-cache so results are exactly what the client merged, not a cache read).
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { Defer20220824Handler, GraphQL17Alpha9Handler } from '@apollo/client/incremental';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { createClient } from 'graphql-ws';
import { tap } from 'rxjs';

const [modeText, url, query, variablesJson, countText, token] = process.argv.slice(2);
const [mode, handlerName = '20220824'] = modeText.split(':');
const handlers = { 20220824: Defer20220824Handler, graphql17Alpha9: GraphQL17Alpha9Handler };
if (!(handlerName in handlers)) throw new Error(`unknown incremental handler ${handlerName}`);
const authorization = token ? { Authorization: `Bearer ${token}` } : undefined;
let current = 0; // the index of the deferred query running
const variables = JSON.parse(variablesJson);
const count = Number(countText ?? '1');
const print = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

// Each raw result the transport link produced, before the client merges it.
const parts = new ApolloLink((operation, forward) =>
  forward(operation).pipe(tap((part) => print({ query: current, part }))),
);

let wsClient;
let transport;
if (mode === 'subscribe-ws') {
  wsClient = createClient({ url, lazy: true, retryAttempts: 0, connectionParams: authorization });
  transport = new GraphQLWsLink(wsClient);
} else {
  transport = new HttpLink({ uri: url, headers: authorization });
}

const client = new ApolloClient({
  link: mode === 'defer' ? ApolloLink.from([parts, transport]) : transport,
  cache: new InMemoryCache(),
  incrementalHandler: new handlers[handlerName](),
  defaultOptions: { watchQuery: { fetchPolicy: 'no-cache' }, query: { fetchPolicy: 'no-cache' } },
});


function subscribe() {
  return new Promise((resolve) => {
    let seen = 0;
    const subscription = client.subscribe({ query: gql(query), variables }).subscribe({
      next(result) {
        print({ result: { data: result.data, ...(result.error ? { error: String(result.error) } : {}) } });
        seen += 1;
        if (seen >= count) {
          subscription.unsubscribe(); // aborts the HTTP request / sends `complete`
          resolve({ done: 'completed', seen });
        }
      },
      error(error) {
        resolve({ done: 'error', error: String(error), seen });
      },
      complete() {
        resolve({ done: 'server-completed', seen });
      },
    });
  });
}

// A mutation: client.mutate (the link still prints each part); the application gets
// the merged result once, when the last part is in.
async function mutated(text) {
  try {
    const result = await client.mutate({ mutation: gql(text), variables, fetchPolicy: 'no-cache' });
    print({ query: current, result: result.data, state: 'complete' });
    return { query: current, end: 'completed' };
  } catch (error) {
    return { query: current, end: 'error', error: String(error) };
  }
}

function deferred(text) {
  if (/^\s*mutation\b/.test(text)) return mutated(text);
  return new Promise((resolve) => {
    const observable = client.watchQuery({ query: gql(text), variables });
    const subscription = observable.subscribe({
      next(result) {
        const error = result.error ? { error: String(result.error) } : {};
        print({ query: current, result: result.data, state: result.dataState, ...error });
        if (result.dataState === 'complete' || result.error) {
          subscription.unsubscribe();
          resolve({ query: current, end: result.error ? 'error' : 'completed' });
        }
      },
      error(error) {
        resolve({ query: current, end: 'error', error: String(error) });
      },
    });
  });
}

const timer = setTimeout(() => {
  print({ done: 'timeout' });
  process.exit(2);
}, 30_000);
try {
  if (mode === 'defer') {
    for (const text of JSON.parse(query)) {
      print(await deferred(text));
      current += 1;
    }
    print({ done: 'completed' });
  } else {
    print(await subscribe());
  }
} catch (error) {
  print({ done: 'error', error: String(error) });
}
clearTimeout(timer);
client.stop();
if (wsClient) await wsClient.dispose();
