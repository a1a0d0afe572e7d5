"""Conformance kit: scenario supergraphs served by Python subgraphs, run through
Apollo Gateway and our router, with responses compared.

Modules, one concept each:

- ``scenario``: the scenario format (``Scenario``, ``Subgraph``, ``Operation``).
- ``subgraph_server``: a generic federation subgraph (graphql-core) over real HTTP.
- ``compose``: supergraph composition with ``@theguild/federation-composition``.
- ``processes``: Apollo Gateway and our router as subprocesses on free ports.
- ``compare``: response normalisation and comparison.
- ``generator``: deterministic operation generator over an API schema.
- ``harvest``: argument values collected from real answers.
- ``minimize``: shrinking a failing operation.
- ``fuzz``: the differential fuzzer (our router against Apollo Gateway);
  ``fuzz_targets`` the supergraphs CI fuzzes; ``difference``, ``response_walk``,
  ``apollo_exceptions`` and ``variances`` explain its differences.
- ``fixtures``: pytest fixtures tying it together (registered by a conftest).
"""
