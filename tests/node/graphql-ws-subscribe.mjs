// Subscribe through a router with the graphql-ws client (graphql-transport-ws) and
// print each result as one JSON line; `{"done": ...}` ends the output.
//
//   node --experimental-websocket graphql-ws-subscribe.mjs URL QUERY VARIABLES_JSON COUNT [TOKEN]
//
// Stops after COUNT results (disposing the subscription: the client sends `complete`),
// or when the server completes or errors it. Node 20 has WebSocket behind
// --experimental-websocket (22 without), so no `ws` package is needed.
import { errorsOf, print, wsClient } from './graphql-ws-kit.mjs';

const [url, query, variablesJson, countText, token] = process.argv.slice(2);
const count = Number(countText);

const client = wsClient(url, token ? { Authorization: `Bearer ${token}` } : undefined, {
  on: { closed: (event) => print({ closed: { code: event.code, reason: event.reason } }) },
});

let seen = 0;
const subscription = client.iterate({ query, variables: JSON.parse(variablesJson) });
try {
  for await (const result of subscription) {
    print({ result });
    seen += 1;
    if (seen >= count) {
      await subscription.return();
      break;
    }
  }
  print({ done: 'completed', seen });
} catch (error) {
  print({ done: 'error', errors: errorsOf(error), seen });
}
await client.dispose();
