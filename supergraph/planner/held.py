"""Subgraph operations without the `@include`/`@skip` their Condition nodes decide.

A fetch planned under `Include(if: $x)` runs only when `$x` is true, so an
`@include(if: $x)` inside its operation always holds: it is left out (as
Apollo's planner does), and so is `$x` when nothing else in the operation
uses it. A contradicting directive (`@skip(if: $x)` there) stays.
"""

from __future__ import annotations

from dataclasses import replace

from graphql import BooleanValueNode, DirectiveNode, VariableNode

from supergraph.planner.groups import Conditions
from supergraph.planner.selection import FieldItem, FragmentItem, SelectionSet, directives_text


def without_held(selection: SelectionSet, held: Conditions) -> SelectionSet:
    """A copy of `selection` without the directives the conditions `held` decide."""
    if not held:
        return selection
    out = SelectionSet()
    _copy(selection, frozenset(held), out)
    return out


def _copy(selection: SelectionSet, held: frozenset[tuple[str, bool]], out: SelectionSet) -> None:
    for key, item in selection.items.items():
        directives = tuple(d for d in item.directives if not _decided(d, held))
        if isinstance(item, FragmentItem) and item.type_condition is None and not directives:
            # `... { a }` with nothing left on it: its fields join the parent's.
            _copy(item.sub, held, out)
            continue
        new_key = (key[0], key[1], directives_text(directives))
        existing = out.items.get(new_key)
        if existing is None or not _same(existing, item):
            if existing is not None:
                new_key = key  # another field under this response key: keep both apart
            sub = None if item.sub is None else SelectionSet()
            if isinstance(item, FieldItem):
                existing = replace(item, directives=directives, sub=sub)
            else:
                assert sub is not None
                existing = FragmentItem(item.type_condition, directives, sub)
            out.items[new_key] = existing
        if item.sub is not None and existing.sub is not None:
            _copy(item.sub, held, existing.sub)


def _same(a: FieldItem | FragmentItem, b: FieldItem | FragmentItem) -> bool:
    """One selection once its conditions are gone (`a` and `a @include(if: $x)`)."""
    if isinstance(a, FieldItem) and isinstance(b, FieldItem):
        return a.same_field(b.name, b.arguments) and (a.sub is None) == (b.sub is None)
    return isinstance(a, FragmentItem) and isinstance(b, FragmentItem)


def _decided(directive: DirectiveNode, held: frozenset[tuple[str, bool]]) -> bool:
    name = directive.name.value
    if name not in {"include", "skip"} or not directive.arguments:
        return False
    value = directive.arguments[0].value
    if isinstance(value, BooleanValueNode) or not isinstance(value, VariableNode):
        return False
    return (value.name.value, name == "include") in held
