"""Composition rules, one per module.

Subgraph rules check one subgraph on its own (its field sets, its `@external`
fields); merge rules are called by `merge/` while it merges an element;
supergraph rules check the merged result (satisfiability).
"""
