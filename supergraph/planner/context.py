"""Where the walker is (`Ctx`), the jumps it weighs, and small helpers on conditions."""

from __future__ import annotations

from dataclasses import dataclass

from graphql import ArgumentNode, DirectiveNode, NameNode, VariableNode

from supergraph.operation import Field, InlineFragment, Selection
from supergraph.operation.conditions import variable_condition
from supergraph.planner.capabilities import Provided
from supergraph.planner.groups import Conditions, FetchGroup
from supergraph.planner.selection import FieldItem, SelectionSet
from supergraph.schema import FieldSet, Key


@dataclass(frozen=True, slots=True)
class Ctx:
    """Where the walker is: a fetch group, a selection set in it, and the response position."""

    group: FetchGroup
    selset: SelectionSet
    fpath: tuple[str, ...]
    """Path inside the fetch's result (for output rewrites)."""
    type_name: str
    path: tuple[str, ...]
    provided: Provided | None = None
    conditions: Conditions = ()
    internal: bool = False
    requires_ok: bool = False
    """The field about to be added has its @requires satisfied by this entity fetch."""
    parent: Ctx | None = None
    via: Field | None = None
    """The field of `parent` that led here (to re-plan a path from an ancestor entity)."""
    origin: Ctx | None = None
    """For the top of an entity fetch: the position, in the previous fetch, it jumped from."""


@dataclass(frozen=True, slots=True)
class Jump:
    cost: int
    order: int
    graph: str
    key: Key
    rep_type: str
    """The type named in the representation: the entity type or its @interfaceObject."""
    key_cost: int = 0
    """Jumps needed to collect the key itself (2: only from an ancestor entity)."""
    requires: FieldSet | None = None
    """The `@requires` of the field jumped for, in the target subgraph (`jump_target`)."""


def conditions_of(directives: tuple[object, ...]) -> Conditions:
    out: list[tuple[str, bool]] = []
    for directive in directives:
        found = variable_condition(directive)  # type: ignore[arg-type]
        if found is not None:
            out.append(found)
    return tuple(out)


def required_conditions(selection: Selection) -> Conditions:
    """The @skip/@include conditions without which nothing of `selection` is asked:
    its own and, for a fragment, those every selection in it carries."""
    own = conditions_of(selection.directives)
    if isinstance(selection, InlineFragment) and selection.selections:
        first, *others = (required_conditions(s) for s in selection.selections)
        shared = [c for c in first if c not in own and all(c in o for o in others)]
        own += tuple(shared)
    return own


def directives_for(conditions: Conditions) -> tuple[DirectiveNode, ...]:
    return tuple(directive_for(variable, include) for variable, include in conditions)


def directive_for(variable: str, include: bool) -> DirectiveNode:
    """`@include(if: $variable)` / `@skip(if: $variable)`. Built, not cached: variable
    names are the client's (a cache by name would keep every one ever sent)."""
    argument = ArgumentNode(
        name=NameNode(value="if"), value=VariableNode(name=NameNode(value=variable))
    )
    return DirectiveNode(
        name=NameNode(value="include" if include else "skip"), arguments=(argument,)
    )


def aliases_in(selset: SelectionSet) -> dict[str, str]:
    """Planner fields that got a generated alias the merged data keeps (the client owns
    the plain name); not those the fetch renames back (`FieldItem.own_key`)."""
    return {
        item.name: item.alias
        for item in selset.items.values()
        if isinstance(item, FieldItem)
        and item.internal
        and item.alias
        and not item.arguments
        and item.own_key is None
    }
