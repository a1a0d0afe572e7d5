"""A GraphQL federation router: supergraph model, planner, executor, HTTP edge."""

from supergraph import compiled as _compiled

# Before any other module of the package loads: a fresh `make compiled` build serves the
# hot modules, a stale one is refused (supergraph/compiled.py).
_compiled.install()
