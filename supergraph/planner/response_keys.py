"""Which key each value has in the merged data, so that no two fields share one.

A fetch's answer is merged into one response tree, and everything downstream
reads that tree by key: the shaper the client's response keys, representations
and `@fromContext` values the planner's fields (entity keys, `@requires`
inputs). So every value sits under its field's *own key*:

- a client field under the client's response key;
- a planner field under its name, unless it has arguments (`argument_alias`)
  or the client uses that name at that position for another field (`{ handle:
  nickname }` beside the key `handle`): then under a stable planner key, which the
  walker that selects the field and the representation that reads it compute
  alike from the position.

A subgraph query may still need other aliases (two fields of one response key
whose subgraph types differ, `shape` aliases; a clash inside one selection): the
fetch's output rewrites rename those back to the own key (`KeyRenamer`).
"""

from __future__ import annotations

from collections.abc import Iterable
from hashlib import sha1

from graphql import ArgumentNode, print_ast

from supergraph.operation import Field, Selection

Path = tuple[str, ...]
"""A response position: the client's response keys, `@` per list level."""

_PLANNER_SUFFIX = "__planner"


def argument_alias(name: str, arguments: tuple[ArgumentNode, ...]) -> str | None:
    """A stable alias for a planner field with arguments.

    The client may select the same field with other arguments at the same
    place; the alias keeps the two apart in the subgraph query and in the
    merged response (the representation reads it back under this alias).
    """
    if not arguments:
        return None
    text = ",".join(f"{a.name.value}:{print_ast(a.value)}" for a in arguments)
    return f"{name}__{sha1(text.encode()).hexdigest()[:8]}"


def _identity(name: str, arguments: Iterable[ArgumentNode]) -> str:
    return name + "(" + ",".join(sorted(print_ast(a) for a in arguments)) + ")"


class ClientKeys:
    """The response keys of the client's operation at each position, and what field each holds."""

    __slots__ = ("_used",)

    def __init__(self, selections: Iterable[Selection] = ()) -> None:
        self._used: dict[Path, dict[str, set[str]]] = {}
        self._add((), selections)

    def _add(self, path: Path, selections: Iterable[Selection]) -> None:
        for selection in selections:
            if isinstance(selection, Field):
                key = selection.response_key
                fields = self._used.setdefault(path, {}).setdefault(key, set())
                fields.add(_identity(selection.name, selection.arguments))
                if selection.selections:
                    inner = (*path, key, *("@",) * selection.list_depth)
                    self._add(inner, selection.selections)
            else:
                self._add(path, selection.selections)

    def planner_key(self, path: Path, name: str, arguments: tuple[ArgumentNode, ...]) -> str | None:
        """The own key of a planner field at `path` when it is not `name` (None: `name`)."""
        alias = argument_alias(name, arguments)
        if alias is not None:
            return alias
        used = self._used.get(path, {})
        others = used.get(name, set()) - {_identity(name, ())}
        if not others:
            return None
        key = name + _PLANNER_SUFFIX
        while key in used:  # a client alias that happens to look like ours
            key += "_"
        return key
