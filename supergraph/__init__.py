"""A GraphQL federation router: supergraph model, planner, executor, HTTP edge."""
