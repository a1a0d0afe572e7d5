// @graphql-hive/gateway for the differential tests of streamed responses
// (tests/*/test_hive_gateway.py): @defer on (off by default in Hive Gateway) and
// subscriptions to the subgraphs over graphql-transport-ws at their own URL, as our
// router does; nothing else changed from its defaults.
import { defineConfig } from '@graphql-hive/gateway';

export const gatewayConfig = defineConfig({
  deferStream: true,
  transportEntries: {
    '*.http': { options: { subscriptions: { kind: 'ws' } } },
  },
  logging: 'error',
});
