"""The schema registry: every published supergraph, with its subgraphs, author and time.

- `store.py`: the versions in SQLite (development) or PostgreSQL (production).
- `publish.py`: compose the subgraphs and store the result as a new version.
- `server.py`: the read-only HTTP API routers poll (`GET /graphs/{graph}/supergraph`
  with an ETag), with the history and the diff between versions.

The router side (`supergraph serve --supergraph-url`) is supergraph/http/remote_supergraph.py.
"""
