"""Prove "overlapping fields can be merged" in linear time, or say it may not hold.

graphql-core's OverlappingFieldsCanBeMergedRule compares the fields of one
response name pairwise: a valid document that selects `me { id }` three
thousand times costs millions of comparisons, and past its complexity budget
the rule gives up with "Validation aborted." (a legal operation refused). The
spec's FieldsInSetCanMerge only needs each field compared with ONE other of its
group, because both of its conditions are equivalence relations:

- SameResponseShape: the fields of one response name have types of the same
  shape (lists, non-null, one leaf type); then the same holds, recursively, for
  the sub-fields of all of them merged together.
- SameForCommonParents: fields of one response name whose parent types can be
  the same object (same object type, or either one abstract) select the same
  field with the same arguments; then the same holds for their merged
  sub-fields. Fields of distinct object types are never compared.

That is the algorithm Apollo's compiler uses ("XING", after the article by
Simon Adameit), with each merged set checked once. It is exact for documents
whose every field the schema knows, with graphql-core's view of the details
(meta fields have no definition there, arguments compare by their printed
structure with object fields sorted): `can_merge` returns True only when the
rule would report nothing, False when it found a conflict or met something it
does not handle (an unknown field or type, `@stream`, a fragment cycle,
duplicate argument names, or more work than its budget), and the rule then runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    BooleanValueNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    FloatValueNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    NullValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableNode,
    get_named_type,
    is_leaf_type,
)

WORK_BUDGET = 300_000
"""Field entries looked at over the whole document; past it, the rule decides."""


class _Unsure(Exception):
    pass


class _Entry:
    """A field node where it is selected: its parent type and definition (both fixed by
    the node's place in the document, so the node identifies the entry)."""

    __slots__ = ("_arguments", "definition", "node", "parent", "response_name")

    def __init__(
        self, node: FieldNode, parent: GraphQLNamedType | None, definition: GraphQLField | None
    ) -> None:
        self.node = node
        self.parent = parent
        self.definition = definition
        self.response_name = node.alias.value if node.alias else node.name.value
        self._arguments: object = None

    @property
    def named(self) -> GraphQLNamedType | None:
        """The field's type unwrapped (the parent of its sub-fields)."""
        return get_named_type(self.definition.type) if self.definition is not None else None

    @property
    def arguments(self) -> object:
        if self._arguments is None:
            if not self.node.arguments:
                self._arguments = _NO_ARGUMENTS
                return _NO_ARGUMENTS
            names = [argument.name.value for argument in self.node.arguments]
            if len(set(names)) != len(names):
                raise _Unsure
            self._arguments = frozenset(
                (argument.name.value, _value_key(argument.value))
                for argument in self.node.arguments or ()
            )
        return self._arguments


_NO_ARGUMENTS: frozenset[object] = frozenset()


def can_merge(schema: GraphQLSchema, document: DocumentNode) -> bool:
    """Whether OverlappingFieldsCanBeMergedRule is proven to report nothing."""
    try:
        return _Overlap(schema, document).run()
    except (_Unsure, RecursionError):
        return False


@dataclass(frozen=True, slots=True)
class Conflict:
    """Two fields of one response name that cannot merge (the innermost level)."""

    response_name: str
    reason: str
    one: FieldNode
    other: FieldNode

    def error(self) -> GraphQLError:
        """In graphql-core's words (without the enclosing fields' names)."""
        return GraphQLError(
            f"Fields '{self.response_name}' conflict because {self.reason}."
            " Use different aliases on the fields to fetch both if this was intentional.",
            [self.one, self.other],
        )


def find_conflict(schema: GraphQLSchema, document: DocumentNode) -> Conflict | None:
    """A conflict of `document`, when the linear check finds one."""
    overlap = _Overlap(schema, document)
    try:
        overlap.run()
    except (_Unsure, RecursionError):
        return None
    return overlap.conflict


class _Overlap:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode) -> None:
        self.schema = schema
        self.document = document
        self.fragments: dict[str, FragmentDefinitionNode] = {}
        for definition in document.definitions:
            if isinstance(definition, FragmentDefinitionNode):
                if definition.name.value in self.fragments:
                    raise _Unsure
                self.fragments[definition.name.value] = definition
        self.collected: dict[tuple[int, int], tuple[_Entry, ...]] = {}
        self.fragment_entries: dict[str, tuple[_Entry, ...]] = {}
        self.collecting: set[str] = set()
        self.work = 0
        self.conflict: Conflict | None = None

    def _found(self, one: _Entry, other: _Entry, reason: str) -> bool:
        self.conflict = Conflict(one.response_name, reason, one.node, other.node)
        return False

    def run(self) -> bool:
        roots: list[tuple[_Entry, ...]] = []
        for definition in self.document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                root = self._root_type(definition.operation)
                roots.append(self._collect(root, definition.selection_set))
            elif isinstance(definition, FragmentDefinitionNode):
                roots.append(self._fragment(definition.name.value))
        return self._check(roots)

    def _root_type(self, operation: OperationType) -> GraphQLObjectType:
        root = {
            OperationType.QUERY: self.schema.query_type,
            OperationType.MUTATION: self.schema.mutation_type,
            OperationType.SUBSCRIPTION: self.schema.subscription_type,
        }[operation]
        if root is None:
            raise _Unsure
        return root

    # -- collecting fields, fragments expanded ----------------------------------------

    def _collect(
        self, parent: GraphQLNamedType | None, selection_set: SelectionSetNode
    ) -> tuple[_Entry, ...]:
        key = (id(parent), id(selection_set))
        found = self.collected.get(key)
        if found is not None:
            return found
        selections = selection_set.selections
        if all(type(selection) is FieldNode for selection in selections):
            # The usual set: fields only, each node once, nothing to expand.
            collected = tuple(self._entry(parent, field) for field in selections)  # type: ignore[arg-type]
            self.work += len(collected)
            self.collected[key] = collected
            return collected
        out: dict[int, _Entry] = {}
        # In document order (the order graphql-core reports conflicts in).
        stack: list[tuple[GraphQLNamedType | None, Any]] = [
            (parent, iter(selection_set.selections))
        ]
        while stack:
            here, selections = stack[-1]
            selection = next(selections, None)
            if selection is None:
                stack.pop()
            elif isinstance(selection, FieldNode):
                out.setdefault(id(selection), self._entry(here, selection))
            elif isinstance(selection, InlineFragmentNode):
                inner = here
                if selection.type_condition is not None:
                    inner = self._type(selection.type_condition.name.value)
                stack.append((inner, iter(selection.selection_set.selections)))
            elif isinstance(selection, FragmentSpreadNode):
                if getattr(selection, "arguments", None):
                    raise _Unsure  # fragment arguments (experimental)
                for entry in self._fragment(selection.name.value):
                    out.setdefault(id(entry.node), entry)
        self.work += len(out)
        if self.work > WORK_BUDGET:
            raise _Unsure
        collected = tuple(out.values())
        self.collected[key] = collected
        return collected

    def _fragment(self, name: str) -> tuple[_Entry, ...]:
        found = self.fragment_entries.get(name)
        if found is not None:
            return found
        fragment = self.fragments.get(name)
        if fragment is None or name in self.collecting:
            raise _Unsure  # unknown or cyclic: the spec rules report it
        self.collecting.add(name)
        entries = self._collect(
            self._type(fragment.type_condition.name.value), fragment.selection_set
        )
        self.collecting.discard(name)
        self.fragment_entries[name] = entries
        return entries

    def _type(self, name: str) -> GraphQLNamedType:
        found = self.schema.get_type(name)
        if found is None:
            raise _Unsure
        return found

    def _entry(self, parent: GraphQLNamedType | None, node: FieldNode) -> _Entry:
        """(Each node is collected once: its selection set's collection is memoized.)"""
        if node.directives and any(d.name.value == "stream" for d in node.directives):
            raise _Unsure
        definition = None
        name = node.name.value
        if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
            definition = parent.fields.get(name)
        # graphql-core's rule looks definitions up like this: meta fields have none
        # (and neither have their sub-fields). Any other unknown field: invalid.
        if definition is None and not name.startswith("__") and parent is not None:
            raise _Unsure
        return _Entry(node, parent, definition)

    def _merged(self, group: Sequence[_Entry]) -> tuple[_Entry, ...]:
        """The sub-fields of every field of `group`, one entry per node."""
        if len(group) == 1:  # most groups: the collected tuple itself (memoized)
            entry = group[0]
            selection_set = entry.node.selection_set
            return () if selection_set is None else self._collect(entry.named, selection_set)
        out: dict[int, _Entry] = {}
        for entry in group:
            selection_set = entry.node.selection_set
            if selection_set is not None:
                for sub in self._collect(entry.named, selection_set):
                    out.setdefault(id(sub.node), sub)
        return _Merged(out.values())

    # -- the two conditions -----------------------------------------------------------

    def _check(self, roots: Sequence[tuple[_Entry, ...]]) -> bool:
        """Both conditions in one walk. A set of fields is checked for SHAPE, COMMON
        (parents) or both: the sub-fields of a field alone in its response name carry
        both on; a group of several fields starts a SHAPE check of all their sub-fields
        merged, and a COMMON check of those of each group of common parents (which are
        subsets of the former: their shapes are checked there)."""
        seen = _Seen()
        todo: list[tuple[tuple[_Entry, ...], int]] = [(root, _BOTH) for root in roots]
        while todo:
            fields, wanted = todo.pop()
            wanted = seen.missing(fields, wanted)
            if not wanted:
                continue
            for group in _by_response_name(fields):
                if len(group) == 1:
                    merged = self._merged(group)
                    if merged:
                        todo.append((merged, wanted))
                    continue
                if wanted & _SHAPE:
                    first = group[0].definition
                    for other in group[1:]:
                        if _types_conflict(first, other.definition):
                            assert first is not None and other.definition is not None
                            reason = "they return conflicting types"
                            reason += f" '{first.type}' and '{other.definition.type}'"
                            return self._found(group[0], other, reason)
                    merged = self._merged(group)
                    if merged:
                        todo.append((merged, _SHAPE))
                if wanted & _COMMON and not self._common_parents(group, todo):
                    return False
        return True

    def _common_parents(
        self, group: list[_Entry], todo: list[tuple[tuple[_Entry, ...], int]]
    ) -> bool:
        for common in _by_common_parents(group):
            first = common[0]
            for other in common[1:]:
                name, other_name = first.node.name.value, other.node.name.value
                if other_name != name:
                    reason = f"'{name}' and '{other_name}' are different fields"
                    return self._found(first, other, reason)
                if other.arguments != first.arguments:
                    return self._found(first, other, "they have differing arguments")
            self.work += len(common)
            if self.work > WORK_BUDGET:
                raise _Unsure
            merged = self._merged(common)
            if merged:
                todo.append((merged, _COMMON))
        return True


_SHAPE = 1
_COMMON = 2
_BOTH = _SHAPE | _COMMON


class _Merged(tuple):  # type: ignore[type-arg]
    """Fields merged from several selection sets (a new tuple each time)."""


class _Seen:
    """What was checked of each set of fields: collected ones (memoized by `_collect`,
    so the same tuple each time) by identity, merged ones by their nodes."""

    def __init__(self) -> None:
        self.collected: dict[int, int] = {}
        self.merged: dict[frozenset[int], int] = {}
        self.alive: list[tuple[_Entry, ...]] = []  # keeps the ids above valid

    def missing(self, fields: tuple[_Entry, ...], wanted: int) -> int:
        """The checks of `wanted` not done on `fields` yet (now marked done)."""
        if isinstance(fields, _Merged):
            key = frozenset(id(entry.node) for entry in fields)
            done = self.merged.get(key, 0)
            self.merged[key] = done | wanted
        else:
            done = self.collected.get(id(fields), 0)
            if not done:
                self.alive.append(fields)
            self.collected[id(fields)] = done | wanted
        return wanted & ~done


def _by_response_name(fields: tuple[_Entry, ...]) -> list[list[_Entry]]:
    groups: dict[str, list[_Entry]] = {}
    for entry in fields:
        groups.setdefault(entry.response_name, []).append(entry)
    return list(groups.values())


def _by_common_parents(group: list[_Entry]) -> list[list[_Entry]]:
    """Fields whose parents may be the same object at run time: one list per object
    parent type, each with the abstract-parent fields added (alone when none is)."""
    abstract: list[_Entry] = []
    concrete: dict[int, list[_Entry]] = {}
    for entry in group:
        if isinstance(entry.parent, GraphQLObjectType):
            concrete.setdefault(id(entry.parent), []).append(entry)
        else:
            abstract.append(entry)
    if not concrete:
        return [abstract]
    return [fields + abstract for fields in concrete.values()]


def _types_conflict(one: GraphQLField | None, other: GraphQLField | None) -> bool:
    """graphql-core's do_types_conflict on the fields' types (no definition: none)."""
    if one is None or other is None:
        return False
    a: Any = one.type
    b: Any = other.type
    while True:
        if a is b:
            return False
        if isinstance(a, GraphQLList) or isinstance(b, GraphQLList):
            if not (isinstance(a, GraphQLList) and isinstance(b, GraphQLList)):
                return True
        elif isinstance(a, GraphQLNonNull) or isinstance(b, GraphQLNonNull):
            if not (isinstance(a, GraphQLNonNull) and isinstance(b, GraphQLNonNull)):
                return True
        else:
            return (is_leaf_type(a) or is_leaf_type(b)) and a is not b
        a, b = a.of_type, b.of_type


_KINDS: dict[type[ValueNode], str] = {
    BooleanValueNode: "b",
    EnumValueNode: "e",
    FloatValueNode: "f",
    IntValueNode: "i",
}


def _value_key(node: ValueNode) -> object:
    """A hashable key equal for values graphql-core compares as equal (its JSON form:
    kind and source text, object fields by name, block strings apart)."""
    if isinstance(node, VariableNode):
        return ("$", node.name.value)
    if isinstance(node, StringValueNode):
        return ("s", node.value, bool(node.block))
    if isinstance(node, NullValueNode):
        return ("null",)
    if isinstance(node, ListValueNode):
        return ("l", tuple(_value_key(value) for value in node.values))
    if isinstance(node, ObjectValueNode):
        fields = sorted(node.fields, key=lambda field: field.name.value)
        return ("o", tuple((field.name.value, _value_key(field.value)) for field in fields))
    kind = _KINDS.get(type(node))
    if kind is None:
        raise _Unsure
    return (kind, node.value)  # type: ignore[attr-defined]
