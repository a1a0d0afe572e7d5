"""Merge what every subgraph says about one element: description, tags, access and auth.

`@inaccessible` and `@authenticated` apply when any subgraph applies them; tags
are the union; `@requiresScopes`/`@policy` are AND-ed across subgraphs (each a
disjunction of conjunctions, so the result is their product); `@cost` takes the
largest weight and `@listSize` the largest sizes (as @apollo/composition does).
"""

from __future__ import annotations

from collections.abc import Sequence

from graphql.language import ConstDirectiveNode, print_ast

from supergraph.compose.subgraph import ListSize, Meta


def merge_meta(metas: Sequence[Meta]) -> Meta:
    merged = Meta(description=_description(metas))
    merged.inaccessible = any(m.inaccessible for m in metas)
    merged.authenticated = any(m.authenticated for m in metas)
    merged.tags = sorted({tag for m in metas for tag in m.tags})
    scopes = [s for m in metas for s in m.scopes]
    merged.scopes = [conjunction(scopes)] if scopes else []
    policies = [p for m in metas for p in m.policies]
    merged.policies = [conjunction(policies)] if policies else []
    merged.deprecated = next((m.deprecated for m in metas if m.deprecated is not None), None)
    merged.custom = _unique_directives([d for m in metas for d in m.custom])
    weights = [m.cost for m in metas if m.cost is not None]
    merged.cost = max(weights) if weights else None
    sizes = [m.list_size for m in metas if m.list_size is not None]
    merged.list_size = merge_list_sizes(sizes) if sizes else None
    return merged


def merge_list_sizes(sizes: Sequence[ListSize]) -> ListSize:
    """As @apollo/composition merges `@listSize`: the largest assumed size, the union of
    slicing arguments and sized fields, one slicing argument required only if every
    subgraph requires it (the most a shared field may return, whoever resolves it)."""
    assumed = [s.assumed_size for s in sizes if s.assumed_size is not None]
    return ListSize(
        max(assumed) if assumed else None,
        _union([s.slicing_arguments for s in sizes]),
        _union([s.sized_fields for s in sizes]),
        all(s.require_one_slicing_argument for s in sizes),
    )


def _union(lists: Sequence[tuple[str, ...] | None]) -> tuple[str, ...] | None:
    present = [names for names in lists if names is not None]
    if not present:
        return None
    return tuple(dict.fromkeys(name for names in present for name in names))


def conjunction(requirements: Sequence[list[list[str]]]) -> list[list[str]]:
    """AND of several OR-of-AND requirements, as one OR-of-AND (sorted, no duplicates)."""
    result: list[frozenset[str]] = [frozenset()]
    for requirement in requirements:
        result = [current | frozenset(option) for current in result for option in requirement]
    # An option that contains another one adds nothing: (a) OR (a AND b) is (a).
    minimal = {o for o in result if not any(other < o for other in result)}
    return [list(option) for option in sorted(tuple(sorted(o)) for o in minimal)]


def _description(metas: Sequence[Meta]) -> str | None:
    """The first subgraph's description (subgraphs in config order), as the reference does."""
    return next((m.description for m in metas if m.description), None)


def _unique_directives(directives: list[ConstDirectiveNode]) -> list[ConstDirectiveNode]:
    seen: set[str] = set()
    unique: list[ConstDirectiveNode] = []
    for directive in directives:
        printed = print_ast(directive)
        if printed not in seen:
            seen.add(printed)
            unique.append(directive)
    return unique
