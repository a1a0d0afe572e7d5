// What the graphql-ws client scripts (graphql-ws-subscribe.mjs, graphql-ws-persisted.mjs)
// share: their output, one JSON line a value, and how they make their client.
import { createClient } from 'graphql-ws';

export const print = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

// Connects on the first subscribe and never retries: a test reads the first failure.
export const wsClient = (url, connectionParams, options = {}) =>
  createClient({ url, lazy: true, retryAttempts: 0, connectionParams, ...options });

// A failed subscription's GraphQL errors: graphql-ws throws the `error` message's array,
// or a CloseEvent / Error, reported as one error with its reason.
export const errorsOf = (error) =>
  Array.isArray(error) ? error : [{ message: String(error?.reason ?? error) }];
