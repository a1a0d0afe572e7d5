"""What every domain subgraph shares: database, migrations, seeding, schema, app.

A domain package (`subgraphs/<name>/`) declares its models, migrations, seed function
and Strawberry schema, and bundles them as a `Domain` (see `domain.py`); everything
else -- engine and session set-up, the migration table, `_entities` handling, the
per-request context with loaders, `/graphql`, `/health`, `/metrics` -- lives here.
"""
