"""Schema governance: what a platform team checks before a schema change ships.

- `lint_model.py`: the schema as the linter reads it (types, fields, arguments, enum
  values with their coordinates and source positions), from a subgraph's SDL or a
  supergraph's API schema.
- `lint_rules.py`: the design rules, each with its id, default severity, meaning and
  an example (docs/lint.md is generated from them).
- `lint_config.py`: the lint configuration file (severities, options, ignores).
- `lint.py`: runs the rules over a schema and reports violations.

Pure: no I/O but what the CLI (`supergraph lint`) hands in.
"""
