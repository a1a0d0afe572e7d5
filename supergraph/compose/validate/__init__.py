"""Composition rules, one per module.

Subgraph rules check one subgraph on its own (its field sets, its `@external`
fields); merge rules are called by `merge/` while it merges an element;
merged-schema rules check the merge; the final rule (satisfiability)
checks the printed supergraph as the router's model reads it.
"""
