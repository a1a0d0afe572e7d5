"""Which subgraphs could answer a response position, and the type conditions they all allow.

The walker picks one subgraph per position, but federation plans a type
condition below a field of abstract type against every subgraph that could
serve that position (Apollo's query planner: the options of an open branch;
Hive Router agrees): a subgraph could answer the position when it resolves
the field from a subgraph that could answer the parent position, or from a
subgraph it reaches through a key of the parent entity. When one of those
subgraphs can never return an object matching the condition (its union lacks
the member, its interface lacks the implementation), the fragment is left out
of the plan for all of them: which subgraph answers is the planner's choice,
and the response must not depend on it. The object's `__typename` is still
returned; the fragment's fields then come back absent (null for the client).
"""

from __future__ import annotations

from supergraph.planner.capabilities import (
    entry,
    is_abstract,
    is_interface_object,
    key_local,
    resolvable_keys,
    resolves,
)
from supergraph.planner.context import Ctx
from supergraph.schema import Supergraph


def condition_everywhere(sg: Supergraph, ctx: Ctx, condition: str, graphs: frozenset[str]) -> bool:
    """Can each of `graphs`, answering the abstract position `ctx`, return a `condition` object?"""
    matching = set(sg.possible_types(condition))
    for graph in sorted(graphs):
        runtime = _runtime_types(sg, graph, ctx)
        if runtime is not None and not runtime & matching:
            return False
    return True


def serving_graphs(sg: Supergraph, ctx: Ctx) -> frozenset[str]:
    """Subgraphs that could answer the position `ctx` (the one serving it included)."""
    chain: list[Ctx] = []
    current = ctx
    while current.parent is not None and current.via is not None:
        chain.append(current)
        current = current.parent
    if current.path or current.type_name not in _root_types(sg):
        # Not traced back to an operation root (planner-made positions): no alternatives.
        return frozenset({ctx.group.service})
    graphs = frozenset(sg.subgraphs)
    for position in reversed(chain):
        assert position.parent is not None and position.via is not None
        graphs = _advance(sg, graphs, position.parent.type_name, position.via.name)
        graphs |= {position.group.service}
    return graphs


def _root_types(sg: Supergraph) -> set[str]:
    return {t for t in (sg.query_type, sg.mutation_type, sg.subscription_type) if t}


def _advance(sg: Supergraph, graphs: frozenset[str], type_name: str, field: str) -> frozenset[str]:
    """Subgraphs resolving `type_name.field` from one of `graphs` directly or after key jumps."""
    reached = set(graphs)
    frontier = sorted(graphs)
    while frontier:
        nxt: list[str] = []
        for here in frontier:
            for other in sg.subgraphs:
                if other not in reached and _jumps(sg, here, other, type_name):
                    reached.add(other)
                    nxt.append(other)
        frontier = nxt
    return frozenset(g for g in reached if _resolves(sg, g, type_name, field))


def _jumps(sg: Supergraph, here: str, other: str, type_name: str) -> bool:
    """Can `here` send `other` a representation of `type_name` (a key it holds)?"""
    type_def = sg.types.get(type_name)
    if type_def is None:
        return False
    rep_types = [type_name]
    if type_def.kind == "object":
        rep_types += [i for i in type_def.interfaces if is_interface_object(sg, other, i)]
    return any(
        key_local(sg, here, type_name, key.selections)
        for rep_type in rep_types
        for key in resolvable_keys(sg, other, rep_type)
    )


def _resolves(sg: Supergraph, graph: str, type_name: str, field: str) -> bool:
    if resolves(sg, graph, type_name, field, None) is not None:
        return True
    type_def = sg.types.get(type_name)
    interfaces = type_def.interfaces if type_def is not None and type_def.kind == "object" else ()
    return any(
        is_interface_object(sg, graph, i) and resolves(sg, graph, i, field, None) is not None
        for i in interfaces
    )


def _runtime_types(sg: Supergraph, graph: str, ctx: Ctx) -> frozenset[str] | None:
    """Object types `graph` may return at the position; None when it cannot tell
    (an @interfaceObject stands for every implementation)."""
    name = ctx.type_name
    if ctx.parent is not None and ctx.via is not None:
        # The field's type in that subgraph: its own when it differs, else the
        # supergraph's (not the position's, which a type condition may have narrowed:
        # `... on SearchResult` below an @interfaceObject field tells nothing of what
        # that subgraph returns there).
        found = entry(sg, ctx.parent.type_name, ctx.via.name, graph)
        declared = found.type.strip("[]!") if found is not None and found.type else None
        name = declared if declared is not None and declared in sg.types else ctx.via.type_name
    if is_interface_object(sg, graph, name):
        return None
    if is_abstract(sg, name):
        runtime = frozenset(sg.possible_types_in(graph, name))
    else:
        runtime = frozenset({name}) if sg.has_type(graph, name) else frozenset()
    if name != ctx.type_name and is_abstract(sg, ctx.type_name):
        # A type condition above narrowed the position (`... on I { ... on T }`).
        runtime &= frozenset(sg.possible_types(ctx.type_name))
    return runtime
