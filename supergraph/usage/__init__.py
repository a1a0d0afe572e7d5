"""Usage reporting: which types, fields, arguments and enum values clients use.

- `extract.py`: an operation's schema coordinates (once per cached document).
- `recorder.py`: counts per operation and client, in memory, bounded and sampled,
  flushed off the request path.
- `store.py`: the counts by hour in SQLite or PostgreSQL, and the questions
  `supergraph check`, `supergraph usage` and `supergraph deprecations` ask of them.
"""
