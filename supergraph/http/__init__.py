"""The router's HTTP edge (Starlette): GraphQL over HTTP, GraphiQL, health, metrics.

app.py        create_app(): routes and the request -> Router -> response glue
config.py     router.yaml: load and validate
metrics.py    Prometheus metrics (one registry per app)
graphiql.py   the GraphiQL page
negotiate.py  Accept negotiation and status codes
"""
