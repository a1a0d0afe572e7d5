"""What an operation will cost, measured in one pass right after parsing.

Every operation limit is a number this module computes for each operation
(and fragment) with its fragment spreads expanded: fields, aliases, root
fields, response depth, the nesting the router's walks recurse through, and
introspection fields. Each fragment is measured once and its numbers reused
for every spread of it, so a fragment bomb (each fragment spreading the next
twice: 2**40 fields from a kilobyte) is measured in linear time, and the walk
is iterative: fragment chains of any length cannot reach the interpreter's
recursion limit here (they are what `nesting` bounds for the stages after).

Unknown and cyclic spreads count nothing: validation reports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from supergraph.operation.post_order import post_order

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


@dataclass(slots=True)
class Measure:
    """One definition's numbers, fragments expanded (each spread counts its fragment again)."""

    fields: int = 0
    aliases: int = 0
    root_fields: int = 0
    """Fields of the top selection set (through inline fragments and spreads)."""
    depth: int = 0
    """Response depth: a root field is 1, each nested field one more; fragments add none."""
    nesting: int = 0
    """Selection sets nested, each fragment spread one more level: how deep any walk
    that follows spreads recurses (graphql-core's own measure, `FragmentNestingVisitor`)."""
    introspection: int = 0
    """`__schema` and `__type` fields."""


@dataclass(slots=True)
class _Spread:
    name: str
    depth: int
    """The response depth of the selection set holding the spread."""
    nesting: int
    """The nesting of the selection set holding the spread (1: the top one)."""
    top: bool
    """In the definition's top selection set (its fields are root fields there)."""


@dataclass(slots=True)
class _Local:
    """A definition without its spreads followed, plus the spreads."""

    own: Measure = field(default_factory=Measure)
    spreads: list[_Spread] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DocumentMeasure:
    operations: tuple[tuple[OperationDefinitionNode, Measure], ...]
    nesting: int
    """The deepest nesting of any definition (operations and fragments)."""
    introspection: bool
    """Some definition selects `__schema` or `__type`."""

    @property
    def expanded_fields(self) -> int:
        """Fields of all operations, fragments expanded: validation walks every operation
        of a document, whichever one runs (1,400 operations spreading one fragment of 300
        fields are 420,000 fields to check, not 300)."""
        return sum(m.fields for _, m in self.operations)


def measure(document: DocumentNode) -> DocumentMeasure:
    fragments: dict[str, FragmentDefinitionNode] = {}
    operations: list[OperationDefinitionNode] = []
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            fragments[definition.name.value] = definition
        elif isinstance(definition, OperationDefinitionNode):
            operations.append(definition)
    local = {name: _local(fragment.selection_set) for name, fragment in fragments.items()}
    measured: dict[str, Measure] = {}
    for name in _post_order(local):
        measured[name] = _expanded(local[name], measured)
    nesting = max((m.nesting for m in measured.values()), default=0)
    introspection = any(m.own.introspection for m in local.values())
    results = []
    for operation in operations:
        own = _local(operation.selection_set)
        introspection = introspection or own.own.introspection > 0
        result = _expanded(own, measured)
        nesting = max(nesting, result.nesting)
        results.append((operation, result))
    return DocumentMeasure(tuple(results), nesting, introspection)


def _local(selection_set: SelectionSetNode) -> _Local:
    """Walk one definition (explicit stack: nesting is bounded by the parser, but the
    stack keeps this module free of recursion altogether)."""
    out = _Local()
    own = out.own
    # (selection set, response depth of its fields' parent, nesting, is the top level)
    stack = [(selection_set, 0, 1, True)]
    while stack:
        current, depth, nesting, top = stack.pop()
        own.nesting = max(own.nesting, nesting)
        for selection in current.selections:
            if isinstance(selection, FieldNode):
                own.fields += 1
                if top:
                    own.root_fields += 1
                if selection.alias is not None:
                    own.aliases += 1
                if selection.name.value in INTROSPECTION_FIELDS:
                    own.introspection += 1
                own.depth = max(own.depth, depth + 1)
                if selection.selection_set is not None:
                    stack.append((selection.selection_set, depth + 1, nesting + 1, False))
            elif isinstance(selection, InlineFragmentNode):
                stack.append((selection.selection_set, depth, nesting + 1, top))
            elif isinstance(selection, FragmentSpreadNode):
                out.spreads.append(_Spread(selection.name.value, depth, nesting, top))
    return out


def _post_order(local: dict[str, _Local]) -> list[str]:
    """Fragment names, each after every fragment it spreads (a spread closing a cycle
    is left out: it counts nothing)."""
    return post_order(
        {name: [spread.name for spread in each.spreads] for name, each in local.items()}
    )


def _expanded(local: _Local, measured: dict[str, Measure]) -> Measure:
    """`local` with each spread's fragment added (unknown or cyclic: not yet measured)."""
    own = local.own
    out = Measure(
        own.fields, own.aliases, own.root_fields, own.depth, own.nesting, own.introspection
    )
    for spread in local.spreads:
        fragment = measured.get(spread.name)
        if fragment is None:
            continue
        out.fields += fragment.fields
        out.aliases += fragment.aliases
        out.introspection += fragment.introspection
        if spread.top:
            out.root_fields += fragment.root_fields
        out.depth = max(out.depth, spread.depth + fragment.depth)
        out.nesting = max(out.nesting, spread.nesting + fragment.nesting)
    return out
