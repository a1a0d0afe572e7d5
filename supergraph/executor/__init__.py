"""Execution stage: run a `QueryPlan` against subgraphs and shape the response (the request
pipeline that decides what to run is supergraph/pipeline/).

transport.py        SubgraphTransport protocol, SubgraphRequest, transport errors
http1_transport.py  Http1Transport: pooled keep-alive HTTP/1.1 on asyncio protocols (serve's default)
http_transport.py   HttpTransport: one pooled keep-alive aiohttp session (http_client: aiohttp)
httpx_transport.py  HttpxTransport: the same on httpx, kept for measurement
mock_transport.py   MockTransport (a function) and SchemaTransport (graphql-core) for tests
dedup.py            DeduplicatingTransport: identical in-flight queries share one request
entity_cache/       CachingTransport: subgraph answers cached (Redis or memory), partial hits,
                    invalidation (docs/entity-cache.md)
request_id_transport.py  with_request_ids: `x-request-id` on every subgraph request (below dedup)
tracing_transport.py     with_tracing: the client span and trace context of each request
errors.py           GraphQL error dicts and the error codes
typeinfo.py         PossibleTypes: does a __typename satisfy a type condition?
paths.py            the objects at a Flatten path (and their response paths)
representations.py  `requires` selections -> entity representations; fetch rewrites
merge.py            deep merge of subgraph data
execute.py          PlanExecutor: the plan walker, entity fetches, timeouts, error paths
shaping.py          ResponseShaper: merged data -> exactly the client's selection set
introspection.py    `__schema` / `__type` answered from the API schema
cache.py            WeightedCache: bounded by bytes and entries, W-TinyLFU admission (documents,
                    plans, APQ); `memoize` for functions keyed by client text
footprint.py        the bytes an object graph keeps alive (a cache entry's weight)
lru.py              a plain LRU by entry count (representation builders: schema-derived keys)
"""
