"""The client's operation as compact selections: what response shaping reads, no AST.

A prepared operation lives in the plan cache as long as its plan. Kept as
graphql-core nodes, its selections would cost several times what shaping reads
from them (a NameNode per name, a SelectionSetNode per set, argument and
directive tuples, and through any one node the whole document). Here a field is
its response name, field name, sub-selections, `@skip`/`@include` conditions and
whether authorization removed it. Names are interned, so the common ones are
shared by every cached operation, and a named fragment is compiled once however
often it is spread.
"""

from __future__ import annotations

import sys
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TypeAlias

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
    VariableNode,
)

from supergraph.types import Variables

# Names of validated documents are the schema's: a bound only against misuse.
_LEAVES_LIMIT = 100_000

Conditions: TypeAlias = tuple[tuple[bool, bool | str], ...]
"""A selection's `@skip`/`@include`: (is skip, literal `if` or its variable's name)."""


@dataclass(frozen=True, slots=True)
class FieldSelection:
    response_name: str
    name: str
    selections: Selections | None
    conditions: Conditions = ()
    denied: bool = False
    """Removed by authorization for the caller this shaper serves."""

    def __reduce__(self) -> tuple[type[FieldSelection], tuple[object, ...]]:
        # Pickled as a constructor call (results of compile processes): the dataclass
        # default, a __setstate__ that looks the fields up each time, loads 5x slower.
        return FieldSelection, (
            self.response_name,
            self.name,
            self.selections,
            self.conditions,
            self.denied,
        )


@dataclass(frozen=True, slots=True)
class FragmentSelection:
    """An inline fragment, or the spread of the named fragment `fragment`."""

    type_condition: str | None
    selections: Selections
    conditions: Conditions = ()
    fragment: str | None = None
    """Set for a spread: a named fragment applies once per field collection."""

    def __reduce__(self) -> tuple[type[FragmentSelection], tuple[object, ...]]:
        return FragmentSelection, (
            self.type_condition,
            self.selections,
            self.conditions,
            self.fragment,
        )


Selection: TypeAlias = FieldSelection | FragmentSelection
Selections: TypeAlias = tuple[Selection, ...]


@dataclass(frozen=True, slots=True)
class CompiledOperation:
    selections: Selections
    condition_variables: tuple[str, ...]
    """Variables used by `@skip`/`@include` anywhere, sorted: they key field collection."""
    fields: int = 0
    """Field selections compiled (a named fragment's once, however often it is spread)."""


def compile_operation(
    selection_set: SelectionSetNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    denied: Collection[FieldNode] = (),
    leaves: dict[str, FieldSelection] | None = None,
) -> CompiledOperation:
    """`denied`: field nodes (by identity) that become `FieldSelection.denied`.
    `leaves`: shared unaliased leaf selections without conditions, by name (filled
    here; they are most of an operation's fields and the same in every operation)."""
    compiler = _Compiler(fragments, frozenset(id(node) for node in denied), leaves)
    selections = compiler.selections(selection_set)
    for name in fragments:
        compiler.fragment(name)  # only for their condition variables (all are used when valid)
    return CompiledOperation(selections, tuple(sorted(compiler.variables)), compiler.fields)


def included(conditions: Conditions, variables: Variables) -> bool:
    for is_skip, value in conditions:
        condition = value if isinstance(value, bool) else bool(variables.get(value))
        if is_skip == condition:
            return False
    return True


class _Compiler:
    def __init__(
        self,
        fragments: Mapping[str, FragmentDefinitionNode],
        denied: frozenset[int],
        leaves: dict[str, FieldSelection] | None,
    ):
        self._fragments = fragments
        self._denied = denied
        self._leaves = {} if leaves is None else leaves
        self._compiled: dict[str, FragmentSelection | None] = {}
        self._compiling: set[str] = set()
        self.variables: set[str] = set()
        self.fields = 0

    def selections(self, selection_set: SelectionSetNode) -> Selections:
        out: list[Selection] = []
        for selection in selection_set.selections:
            conditions = self._conditions(selection.directives)
            if isinstance(selection, FieldNode):
                self.fields += 1
                name = sys.intern(selection.name.value)
                alias = selection.alias
                sub = selection.selection_set
                if (
                    sub is None
                    and alias is None
                    and not conditions
                    and id(selection) not in self._denied
                ):
                    out.append(self._leaf(name))
                    continue
                out.append(
                    FieldSelection(
                        sys.intern(alias.value) if alias is not None else name,
                        name,
                        self.selections(sub) if sub is not None else None,
                        conditions,
                        id(selection) in self._denied,
                    )
                )
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                out.append(
                    FragmentSelection(
                        sys.intern(condition.name.value) if condition is not None else None,
                        self.selections(selection.selection_set),
                        conditions,
                    )
                )
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragment(selection.name.value)
                if fragment is None:
                    continue
                if conditions:
                    fragment = FragmentSelection(
                        fragment.type_condition, fragment.selections, conditions, fragment.fragment
                    )
                out.append(fragment)
        return tuple(out)

    def _leaf(self, name: str) -> FieldSelection:
        leaf = self._leaves.get(name)
        if leaf is None:
            leaf = FieldSelection(name, name, None)
            if len(self._leaves) < _LEAVES_LIMIT:
                self._leaves[name] = leaf
        return leaf

    def fragment(self, name: str) -> FragmentSelection | None:
        """The spread of fragment `name` without conditions; None when unknown (or cyclic)."""
        if name in self._compiled:
            return self._compiled[name]
        definition = self._fragments.get(name)
        if definition is None or name in self._compiling:
            return None
        self._compiling.add(name)
        compiled = FragmentSelection(
            sys.intern(definition.type_condition.name.value),
            self.selections(definition.selection_set),
            (),
            sys.intern(name),
        )
        self._compiling.discard(name)
        self._compiled[name] = compiled
        return compiled

    def _conditions(self, directives: tuple[DirectiveNode, ...] | None) -> Conditions:
        if not directives:
            return ()
        conditions: list[tuple[bool, bool | str]] = []
        for directive in directives:
            name = directive.name.value
            if name in ("skip", "include"):
                conditions.append((name == "skip", self._if_argument(directive)))
        return tuple(conditions)

    def _if_argument(self, directive: DirectiveNode) -> bool | str:
        for argument in directive.arguments or ():
            if argument.name.value != "if":
                continue
            value = argument.value
            if isinstance(value, BooleanValueNode):
                return value.value
            if isinstance(value, VariableNode):
                variable = sys.intern(value.name.value)
                self.variables.add(variable)
                return variable
        return False
