"""The query planner: (supergraph model, operation) -> QueryPlan. Pure, no I/O."""
