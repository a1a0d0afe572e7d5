"""`@defer` in an operation: which fragments are deferred, where, and what the first
part (the operation without them) selects. Pure.

The router plans an operation with @defer as if it had none (`strip_defer`: the
subgraphs never see the directive) and splits the answer: `split_deferred`, for the
request's variables, gives

- the primary operation: the client's, with every deferred fragment taken out
  (named fragments inlined, so one fragment spread in two places is two fragments);
- each deferred fragment: its label, its parent (the primary part or the fragment
  it is nested in), the response path of the objects it applies to (response keys,
  no list indexes), its type condition and its own selections (its nested deferred
  fragments taken out);
- the owner tree: for each response position, which parts select a field there
  (0: the primary part), to tell which part a fetch serves and which part an error
  belongs to.

A fragment is deferred when it carries `@defer` whose `if` is true (the default),
and is not itself excluded by `@skip`/`@include` (an excluded fragment is not
executed at all, so there is nothing to defer).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from graphql.language import Visitor, visit
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef

PRIMARY: Final = 0
"""The owner id of the primary (first) part."""

_META_FIELDS: Final = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef}
"""Introspection's root fields with selections: in no type's `fields` (validation
allows them on the query root only)."""


@dataclass(frozen=True, slots=True)
class DeferredFragment:
    id: int
    """1, 2, ... in document order (fragments expanded)."""
    label: str | None
    parent: int
    """The part it is nested in (PRIMARY, or a fragment's id): it is sent after that one."""
    path: tuple[str, ...]
    """Response keys from the root to the objects it applies to."""
    parent_type: str
    """The type of the selection set it stands in."""
    type_condition: str | None
    selections: SelectionSetNode
    """Its selections, nested deferred fragments taken out."""


@dataclass(slots=True)
class Owned:
    """A response position: the parts that select a field there, and its children."""

    owners: set[int] = field(default_factory=set)
    children: dict[str, Owned] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DeferSplit:
    primary: OperationDefinitionNode
    deferred: tuple[DeferredFragment, ...]
    tree: Owned
    """The root position (its `children` are the root fields)."""

    def owner_of(self, path: list[object] | tuple[object, ...]) -> int | None:
        """The part a response path belongs to: the deepest field's first owner (the
        primary part when it is one of them); None when the path selects nothing."""
        node = self.tree
        found: int | None = None
        for step in path:
            if not isinstance(step, str):
                continue
            child = node.children.get(step)
            if child is None:
                break
            node = child
            found = PRIMARY if PRIMARY in child.owners else min(child.owners, default=None)
        return found

    def owners_within(self, path: list[object] | tuple[object, ...]) -> set[int]:
        """The parts that select a field at or under a response path (empty when the
        path leaves what the operation selects)."""
        node = self.tree
        for step in path:
            if not isinstance(step, str):
                continue
            child = node.children.get(step)
            if child is None:
                return set()
            node = child
        found: set[int] = set()
        below = [node]
        while below:
            at = below.pop()
            found |= at.owners
            below.extend(at.children.values())
        return found


def has_defer(document: DocumentNode) -> bool:
    """Whether any fragment of `document` carries @defer."""
    body = document.loc.source.body if document.loc is not None else None
    if body is not None and "defer" not in body:
        return False  # the hot path: no AST walk
    return count_defers(document) > 0


def count_defers(document: DocumentNode) -> int:
    """The @defer directives in the document's text (each fragment definition once)."""
    seen = [0]

    class Count(Visitor):
        def enter_directive(self, node: DirectiveNode, *_: object) -> None:
            if node.name.value == "defer":
                seen[0] += 1

    visit(document, Count())
    return seen[0]


def strip_defer(document: DocumentNode) -> DocumentNode:
    """The document without any @defer (what the planner plans: the whole answer)."""

    class Strip(Visitor):
        def leave_directive(self, node: DirectiveNode, *_: object) -> object:
            return Visitor.REMOVE if node.name.value == "defer" else None

    stripped: DocumentNode = visit(document, Strip())
    return stripped


def split_deferred(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    denied: Collection[FieldNode] = (),
) -> DeferSplit:
    """The primary operation and the deferred fragments for these variable values
    (`denied`: fields authorization removed, kept as they are: they answer null)."""
    root = schema.get_root_type(operation.operation)
    assert root is not None
    splitter = _Splitter(schema, fragments, variables)
    splitter.denied = {id(node) for node in denied}
    tree = Owned({PRIMARY})
    selections = splitter.walk(operation.selection_set, root, (), PRIMARY, tree)
    primary = OperationDefinitionNode(
        operation=operation.operation,
        name=operation.name,
        variable_definitions=operation.variable_definitions,
        directives=operation.directives,
        selection_set=selections,
    )
    return DeferSplit(primary, tuple(splitter.deferred), tree)


def deferred_count(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> int:
    """The most fragments the operation can defer (every `if` taken as true, named
    fragments counted at each spread): what `limits.max_deferred_fragments` bounds."""
    root = schema.get_root_type(operation.operation)
    assert root is not None
    splitter = _Splitter(schema, fragments, None)
    splitter.walk(operation.selection_set, root, (), PRIMARY, Owned({PRIMARY}))
    return len(splitter.deferred)


class _Splitter:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any] | None,
    ) -> None:
        """`variables` None: every @defer counts as deferred (the static bound)."""
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.deferred: list[DeferredFragment] = []
        self.denied: set[int] = set()

    def walk(
        self,
        selset: SelectionSetNode,
        parent: GraphQLNamedType,
        path: tuple[str, ...],
        owner: int,
        node: Owned,
    ) -> SelectionSetNode:
        """`selset` as `owner` selects it (deferred fragments taken out, recorded)."""
        out: list[SelectionNode] = []
        for selection in selset.selections:
            if isinstance(selection, FieldNode):
                out.append(self.field(selection, parent, path, owner, node))
                continue
            if isinstance(selection, FragmentSpreadNode):
                definition = self.fragments[selection.name.value]
                type_condition: NamedTypeNode | None = definition.type_condition
                inner, directives = definition.selection_set, selection.directives
            else:
                assert isinstance(selection, InlineFragmentNode)
                type_condition = selection.type_condition
                inner, directives = selection.selection_set, selection.directives
            here = self.schema.get_type(type_condition.name.value) if type_condition else parent
            assert here is not None
            if self.deferred_here(directives):
                ident = len(self.deferred) + 1
                slot = len(self.deferred)
                self.deferred.append(None)  # type: ignore[arg-type]  # document order
                own = self.walk(inner, here, path, ident, node)
                self.deferred[slot] = DeferredFragment(
                    ident,
                    _label(directives),
                    owner,
                    path,
                    parent.name,
                    type_condition.name.value if type_condition else None,
                    own,
                )
                continue
            kept = tuple(d for d in directives or () if d.name.value != "defer")
            out.append(
                InlineFragmentNode(
                    type_condition=type_condition,
                    directives=kept,
                    selection_set=self.walk(inner, here, path, owner, node),
                )
            )
        return SelectionSetNode(selections=tuple(out))

    def field(
        self,
        selection: FieldNode,
        parent: GraphQLNamedType,
        path: tuple[str, ...],
        owner: int,
        node: Owned,
    ) -> FieldNode:
        key = selection.alias.value if selection.alias else selection.name.value
        child = node.children.get(key)
        if child is None:
            child = node.children[key] = Owned()
        child.owners.add(owner)
        if selection.selection_set is None or id(selection) in self.denied:
            return selection
        name = selection.name.value
        definition = _META_FIELDS.get(name) or getattr(parent, "fields", {}).get(name)
        assert definition is not None, name
        named = get_named_type(definition.type)
        sub = self.walk(selection.selection_set, named, (*path, key), owner, child)
        return FieldNode(
            alias=selection.alias,
            name=selection.name,
            arguments=selection.arguments,
            directives=selection.directives,
            selection_set=sub,
        )

    def deferred_here(self, directives: tuple[DirectiveNode, ...] | None) -> bool:
        defer = next((d for d in directives or () if d.name.value == "defer"), None)
        if defer is None:
            return False
        if self.variables is None:
            return True
        if not self.argument(defer, "if", True):
            return False
        for directive in directives or ():
            if directive.name.value == "skip" and self.argument(directive, "if", False):
                return False
            if directive.name.value == "include" and not self.argument(directive, "if", True):
                return False
        return True

    def argument(self, directive: DirectiveNode, name: str, default: bool) -> bool:
        for argument in directive.arguments or ():
            if argument.name.value != name:
                continue
            value = argument.value
            if isinstance(value, BooleanValueNode):
                return value.value
            if isinstance(value, VariableNode) and self.variables is not None:
                return bool(self.variables.get(value.name.value, default))
        return default


def _label(directives: tuple[DirectiveNode, ...] | None) -> str | None:
    for directive in directives or ():
        if directive.name.value == "defer":
            for argument in directive.arguments or ():
                if argument.name.value == "label" and hasattr(argument.value, "value"):
                    return str(argument.value.value)
    return None


def defer_switches(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> tuple[str, ...]:
    """The variables that decide which fragments are deferred: those of `if` on a
    fragment carrying @defer (@defer's own, @skip's, @include's), sorted."""
    names: set[str] = set()

    class Collect(Visitor):
        def enter_inline_fragment(self, node: InlineFragmentNode, *_: object) -> None:
            _switches(node.directives, names)

        def enter_fragment_spread(self, node: FragmentSpreadNode, *_: object) -> None:
            _switches(node.directives, names)

    visit(operation, Collect())
    for definition in fragments.values():
        visit(definition, Collect())
    return tuple(sorted(names))


def _switches(directives: tuple[DirectiveNode, ...] | None, names: set[str]) -> None:
    if not any(d.name.value == "defer" for d in directives or ()):
        return
    for directive in directives or ():
        for argument in directive.arguments or ():
            if argument.name.value == "if" and isinstance(argument.value, VariableNode):
                names.add(argument.value.name.value)
