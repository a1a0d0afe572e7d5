"""The request pipeline: a GraphQL request in, its response out; nothing here knows HTTP.

One stage per module, in the order a request flows (each with its own error type):

request.py       GraphQLRequest: the pipeline's input
decode.py        a JSON payload (POST body, GET parameters) -> GraphQLRequest + documentId  (BadRequest)
persisted/       persisted queries: APQ, the manifest, the safelist -> the query text
parse.py         text -> AST within the limits (length, tokens, depth, aliases, fields)  (ParseRefused)
validate.py      AST -> valid `Document` (cached per text)  (ValidationFailed)
plan.py          -> PreparedOperation: plan, shaper, introspection (cached)  (PlanRefused)
authorize.py     claims -> the operation they may see  (Unauthorized)
variables.py     raw values -> the values to run with  (VariablesInvalid)
execute.py       introspection, then the plan (executor/)  (IntrospectionRefused)
shape.py         the client's data, on the event loop or the compute worker
defer.py         a query with @defer: its parts, each sent as its fetches land
respond.py       -> GraphQLResponse; failures -> unavailable / internal error
response.py      GraphQLResponse (one body) | StreamedResponse (parts): `Response`

and what runs them:

router.py        Router: sequences parse..respond for one supergraph, owns the caches
options.py       RouterOptions: what the stages read (built from router.yaml by the edge)
caches.py        cache weights and defaults; CacheStats, what metrics read of every cache
compile.py       compile jobs (parse, validate, plan) and what compile processes share
compute.py       ComputeJobs: those jobs off the event loop, bounded, shared when identical
compute_process.py  the same in child processes (`python -m supergraph.pipeline.compute_process`)
fresh.py         fresh (uncached) operations: admitted in turn per client, below cached ones
subgraphs.py     the subgraph transport from SubgraphSettings (the edge names no transport)

The edge (http/) runs decode and persisted queries, authenticates, then
`Router.execute`; executor/ only executes plans.
"""
