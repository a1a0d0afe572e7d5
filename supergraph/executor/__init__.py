"""Execution stage: run a `QueryPlan` against subgraphs and shape the response.

transport.py        SubgraphTransport protocol, request/response types
http_transport.py   one pooled keep-alive aiohttp session for every subgraph
mock_transport.py   in-process transports for tests
errors.py           GraphQL error dicts and the fetch error codes
paths.py            collect objects at a Flatten path
representations.py  `requires` selections -> entity representations, rewrites
merge.py            deep merge of subgraph data
execute.py          the plan walker
shaping.py          merged data -> exactly the client's selection set
introspection.py    `__schema` / `__type` answered from the API schema
pipeline.py         parse -> validate -> coerce -> plan -> execute -> shape
"""
