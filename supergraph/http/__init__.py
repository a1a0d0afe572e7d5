"""The router's HTTP edge (Starlette): GraphQL over HTTP, GraphiQL, health, metrics.

A thin adapter from ASGI to the request pipeline (supergraph/pipeline/): it reads
router.yaml, turns HTTP into a `GraphQLRequest` and a `Response` back into HTTP.

app.py           create_app(): routes, middleware; /graphql straight to the endpoint
endpoint.py      POST/GET /graphql as a plain ASGI app: request -> pipeline -> response
streams.py       streamed responses: subscriptions (SSE, multipart) and @defer parts
request.py       the request headers, read once from the ASGI scope
protocol.py      uvicorn's httptools protocol: one write per response, head limits, deadlines
listener.py      RouterServer: uvicorn's server that stops accepting at max_connections
edge_limits.py   EdgeLimits: limits.http1_* and server.http.* of router.yaml
server.py        build_app(): a serving app from a supergraph SDL and a RouterConfig
reload.py        --hot-reload: watch the files, swap in a new app, old requests finish
workers.py       --workers N: one socket, N worker processes, their supervision
config.py        router.yaml: the sections (Apollo Router's keys) and their validation
config_aliases.py our former key names, moved to Apollo's with a warning
config_schema.py router.yaml's JSON Schema (`supergraph config schema`)
config_values.py typed readers whose errors name the key
jwt_config.py    authentication.router.jwt (Apollo's shape) into auth/'s settings
envsubst.py      `${env.NAME}` expansion in config values
negotiate.py     Accept negotiation (406) and status codes
csrf.py          CSRF prevention (Apollo's preflight rule)
body.py          request body with a size cap (413)
persisted.py     PersistedQueries from the config (memory or Redis, manifest, safelist)
masking.py       subgraph error redaction (include_subgraph_errors)
graphiql.py      the GraphiQL page; its files from the package (graphiql_assets/), a CDN, a folder
metrics.py       Prometheus metrics (one registry per app; summed over workers)
"""
