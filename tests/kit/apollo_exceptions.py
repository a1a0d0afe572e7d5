"""Known Apollo Gateway bugs: named, explained, recognised by their structure.

Each ``ApolloException`` is a ``KnownDifference`` (tests/kit/difference.py):
a name, the reason (what Apollo does wrong, what the spec says) and
``explains``, which returns the parts ("atoms") of a difference that this bug
accounts for: places where the data parts, objects whose keys come in another
order, errors only one side has. A difference is explained when the known
differences together account for all of its atoms.

Each has an example: a written operation of a conformance scenario whose
``data`` (and ``errors``) are what the subgraphs' own data gives, the spec's
answer, and whose ``apollo_data`` is Apollo's. tests/conformance/
test_apollo_exceptions.py re-checks every one: Apollo must still answer the
example wrongly (else the exception is stale and the test fails), the
exception must explain all of that difference, and our router must answer the
spec's data.

Recognisers look at structure, never at operation text: where the answers
part, which errors one side lacks, what the operation selects (and skips)
there, what the supergraph says of those fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLUnionType,
    InlineFragmentNode,
    SelectionNode,
    get_named_type,
    print_ast,
)

from supergraph.schema.model import FieldSetField
from tests.kit.difference import (
    Atom,
    Case,
    KnownDifference,
    empty_objects_only,
    error_path,
    field_key_path,
    is_prefix,
    raw_errors,
)
from tests.kit.operation_parts import fragments_of, is_included, operation_named, variable_values
from tests.kit.response_walk import ObjectSelections, Path, Selected, objects, value_at

CANNOT_RETURN_NULL = "Cannot return null for non-nullable field"


@dataclass(frozen=True, slots=True)
class ApolloException(KnownDifference):
    """A known Apollo Gateway bug, with the scenario operation reproducing it."""

    example: tuple[str, str]
    """(scenario, operation name) in tests/conformance/scenarios."""
    more_examples: tuple[tuple[str, str], ...] = ()
    """Further (scenario, operation name) pairs, one per other shape the recogniser takes."""

    @property
    def examples(self) -> tuple[tuple[str, str], ...]:
        return (self.example, *self.more_examples)


def _message(error: dict[str, object]) -> str:
    return str(error.get("message", ""))


def _apollo_nulls_above(case: Case, path: Path) -> set[Atom]:
    """The data atoms a null of Apollo's at or above ``path`` makes (ours has a value)."""
    return {
        ("data", p)
        for p, ours, apollo in case.points
        if apollo is None and ours is not None and is_prefix(p, path)
    }


def _skips_requires(case: Case, path: Path) -> bool:
    """Does the operation skip a field resolved with @requires on the object holding ``path``?"""
    holder = field_key_path(path)
    here = case.object_selections(holder[0]) if holder else None
    return here is not None and any(
        case.has_requires(s.parent_type.name, s.node.name.value) for s in here.excluded_fields()
    )


def _under_interface_object_condition(case: Case, selected: Selected) -> bool:
    """Was it selected under a type condition on an object type that implements an
    interface some subgraph resolves as an @interfaceObject?"""
    for name in selected.conditions:
        condition = case.schema.get_type(name)
        if isinstance(condition, GraphQLObjectType) and any(
            case.is_interface_object(i.name) for i in condition.interfaces
        ):
            return True
    return False


def merged_field_key_order(case: Case) -> frozenset[Atom]:
    """Objects whose keys Apollo orders otherwise, that are the value of a response name
    selected more than once, where ours follows the operation's collection order."""
    selections = case.selections("ours")
    out: set[Atom] = set()
    for path in case.order_paths():
        value = value_at(case.ours_data, path)
        here = selections.get(path)
        holder = field_key_path(path)
        if here is None or holder is None or not isinstance(value, dict):
            continue
        if list(value) not in _collection_orders(case, here, value):
            continue
        parent = selections.get(holder[0])
        nodes = parent.keys.get(holder[1], []) if parent else []
        if sum(1 for s in nodes if s.included) >= 2:
            out.add(("order", path))
    return frozenset(out)


def _collection_orders(
    case: Case, here: ObjectSelections, value: dict[str, object]
) -> list[list[str]]:
    """The orders of ``value``'s keys that collecting the operation's fields gives: by the
    object's type when the answer names it, else one per object type it may be (a type
    condition on another type collects nothing)."""
    orders = [[k for k in here.included_keys() if k in value]]
    static = here.static_type
    if here.runtime_type is not None or not isinstance(
        static, GraphQLInterfaceType | GraphQLUnionType
    ):
        return orders
    for possible in case.schema.get_possible_types(static):
        first: dict[str, int] = {}
        for key, nodes in here.keys.items():
            positions = [
                n.position
                for n in nodes
                if n.included and all(_satisfies(case, possible.name, c) for c in n.conditions)
            ]
            if positions and key in value:
                first[key] = min(positions)
        orders.append(sorted(first, key=first.__getitem__))
    return orders


def completion_errors_dropped(case: Case) -> frozenset[Atom]:
    """Our "Cannot return null" errors for objects both answers null, when Apollo did
    report a subgraph's error in the operation."""
    if not any(not _message(e).startswith(CANNOT_RETURN_NULL) for e in raw_errors(case.apollo)):
        return frozenset()
    out: set[Atom] = set()
    for index, error in enumerate(case.ours_only):
        path = error_path(error)
        if path is None or not _message(error).startswith(CANNOT_RETURN_NULL):
            continue
        if (
            value_at(case.ours_data, path[:-1]) is None
            and value_at(case.apollo_data, path[:-1]) is None
        ):
            out.add(("ours", index))
    return frozenset(out)


def all_subfields_skipped(case: Case) -> frozenset[Atom]:
    """Apollo's null (with an error where the field is non-null) of a field whose every
    sub-field the variables skip, where ours answers empty objects, as the operation
    selects nothing in them."""
    selections = case.selections("ours")

    def all_skipped(path: Path) -> bool:
        value = value_at(case.ours_data, path)
        if value is None or not empty_objects_only(value):
            return False
        inner = [selections.get(p) for p, _ in objects(value, path)]
        return all(here is not None and here.keys and not here.included_keys() for here in inner)

    out: set[Atom] = set()
    for index, error in enumerate(case.apollo_only):
        path = error_path(error)
        if path is not None and all_skipped(path):
            out.add(("apollo", index))
            out |= _apollo_nulls_above(case, path)
    for path, ours, apollo in case.points:
        if apollo is None and ours is not None and all_skipped(path):
            out.add(("data", path))  # a nullable field: null without an error
    return frozenset(out)


def skipped_requires_drops_fetch(case: Case) -> frozenset[Atom]:
    """Apollo's nulls (with value-completion errors, or none for a nullable field) of
    fields on objects where the operation skips a field resolved with @requires."""
    out: set[Atom] = set()
    for index, error in enumerate(case.apollo_only):
        path = error_path(error)
        if path is None or not _message(error).startswith(CANNOT_RETURN_NULL):
            continue
        if value_at(case.ours_data, path) is not None and _skips_requires(case, path):
            out.add(("apollo", index))
            out |= _apollo_nulls_above(case, path)
    for path, ours, apollo in case.points:
        if apollo is None and ours is not None and _skips_requires(case, path):
            out.add(("data", path))
    # The errors of fields of the dropped fetch that fail when asked (null on both sides).
    for index, error in enumerate(case.ours_only):
        path = error_path(error)
        if (
            path is not None
            and _from_subgraph(error)
            and value_at(case.ours_data, path) is None
            and value_at(case.apollo_data, path) is None
            and _skips_requires(case, path)
        ):
            out.add(("ours", index))
    return frozenset(out)


def errors_of_skipped_fields(case: Case) -> frozenset[Atom]:
    """Apollo's errors at response names the operation selects only under conditions
    that skip them (and the nulls above them they make), or at the path of an entity
    fetch whose objects have every field skipped."""
    out: set[Atom] = set()
    for index, error in enumerate(case.apollo_only):
        path = error_path(error)
        holder = field_key_path(path) if path else None
        here = case.object_selections(holder[0]) if holder else None
        nodes = here.keys.get(holder[1], []) if here and holder else []
        skipped = bool(nodes) and not any(s.included for s in nodes)
        if skipped or (path is not None and "@" in path and _all_skipped_at(case, path)):
            out.add(("apollo", index))
            if skipped and path is not None:
                # A skipped non-null field's error nulls its object there, too.
                out |= _apollo_nulls_above(case, path)
    return frozenset(out)


def _all_skipped_at(case: Case, path: Path) -> bool:
    """An error at a fetch's own path (`feed.@._entities`: the subgraph failed the fetch,
    not a field) where every field the operation selects on those objects is skipped, or
    one resolved with @requires is."""
    place = _position(path[: path.index("@")])
    here = [o for p, o in case.selections("ours").items() if _position(p) == place]
    if not here:
        return False
    nodes = [s for o in here for ns in o.keys.values() for s in ns]
    # Or the fetch of a skipped field resolved with @requires (its inputs were skipped too).
    return all(not s.included for s in nodes) or any(
        not s.included and case.has_requires(s.parent_type.name, s.node.name.value) for s in nodes
    )


def _position(path: Path) -> tuple[str, ...]:
    """A response path without its list indexes: the place in the operation."""
    return tuple(k for k in path if isinstance(k, str))


def _io_condition_at_position(case: Case, path: Path) -> bool:
    """Does the operation select anything under an @interfaceObject type condition on
    any object at ``path``'s place in the operation (whatever each object's type)?"""
    place = _position(path)
    return any(
        _under_interface_object_condition(case, s)
        for inner, here in case.selections("ours").items()
        if _position(inner) == place
        for nodes in here.keys.values()
        for s in nodes
    )


def _io_condition_above(case: Case, path: Path) -> bool:
    """Was the field holding ``path``'s value, or a field above it, selected (in one of
    its nodes) under an @interfaceObject type condition?"""
    selections = case.selections("ours")
    found = field_key_path(path)
    while found is not None:
        holder, key = found
        here = selections.get(holder)
        nodes = [s for s in here.keys.get(key, []) if s.included] if here else []
        if any(_under_interface_object_condition(case, s) for s in nodes):
            return True
        found = field_key_path(holder)
    return False


def interface_object_type_condition(case: Case) -> frozenset[Atom]:
    """Keys Apollo leaves out (no null, no error) that the operation selects under a type
    condition on an object type implementing an @interfaceObject interface, or below a
    field it selects so."""
    out: set[Atom] = set()
    for path, ours, _ in case.points:
        holder = path[:-1]
        apollo_object = value_at(case.apollo_data, holder)
        if ours is None or not isinstance(apollo_object, dict) or path[-1] in apollo_object:
            continue
        # Apollo leaves out the whole key even where another selection of it (on the
        # union, say) has no such condition; and every key below a field so selected.
        if _io_condition_above(case, path):
            out.add(("data", path))
    return frozenset(out)


def _nullable_between(case: Case, top: Path, path: Path) -> bool:
    """Is a field below ``top``, down to ``path`` included, nullable (so a null at ``path``
    stops there)? Fields only, read from the operation on our answer's objects."""
    selections = case.selections("ours")
    for depth in range(len(top) + 1, len(path) + 1):
        if not isinstance(path[depth - 1], str):
            continue
        found = field_key_path(path[:depth])
        here = selections.get(found[0]) if found else None
        if found is None or here is None:
            return False
        for s in here.keys.get(found[1], []):
            parent = s.parent_type
            field = (
                parent.fields.get(s.node.name.value)
                if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)
                else None
            )
            if field is not None and not isinstance(field.type, GraphQLNonNull):
                return True
    return False


def interface_object_null_without_error(case: Case) -> frozenset[Atom]:
    """Apollo's nulls without any error that explains them (``data: null`` too, which the
    spec never allows; an error at a nullable field below nulls only that field) of
    objects at places where the operation selects under type conditions on object types
    that implement an @interfaceObject interface (on that object or another at the same
    place), or below a field it selects so."""
    out: set[Atom] = set()
    apollo_errors = [p for p in map(error_path, raw_errors(case.apollo)) if p is not None]
    if len(apollo_errors) != len(raw_errors(case.apollo)):
        return frozenset()
    for path, ours, apollo in case.points:
        if apollo is not None or ours is None:
            continue
        # An error of Apollo's explains this null only where it can propagate up to it.
        if any(is_prefix(path, e) and not _nullable_between(case, path, e) for e in apollo_errors):
            continue
        if any(is_prefix(e, path) for e in apollo_errors):
            continue
        if _io_condition_above(case, path) or any(
            _io_condition_at_position(case, inner) for inner, _ in objects(ours, path)
        ):
            out.add(("data", path))
    return frozenset(out)


_CONFLICT = re.compile(r"conflict because they return conflicting types")


def unaliased_type_conflict(case: Case) -> frozenset[Atom]:
    """Apollo's subgraph refused a query for fields of different types under one
    response name: that error and the nulls it leaves."""
    out: set[Atom] = {
        ("apollo", i) for i, e in enumerate(case.apollo_only) if _CONFLICT.search(_message(e))
    }
    if out:
        out |= {
            ("data", p) for p, ours, apollo in case.points if apollo is None and ours is not None
        }
    return frozenset(out)


_NO_EDGE = re.compile(r"We should have an edge from \w+\(\w+\) for")


def planner_missing_edge(case: Case) -> frozenset[Atom]:
    """Apollo's query planner failed with its internal "We should have an edge from
    T(subgraph) for ..." (no plan, no data)."""
    out: set[Atom] = {
        ("apollo", i) for i, e in enumerate(case.apollo_only) if _NO_EDGE.search(_message(e))
    }
    if out:
        out |= {
            ("data", p) for p, ours, apollo in case.points if apollo is None and ours is not None
        }
    return frozenset(out)


_NO_RUNTIME = re.compile(r'Cannot add fragment of condition "(\w+)" \(runtimes: \[\]\)')
_UNRESOLVED = re.compile(
    r'Abstract type "(\w+)" must resolve to an Object type at runtime .*no subgraph resolved'
)


def _unresolved_type(error: dict[str, object]) -> str | None:
    """The interface our router names in its error for an object no subgraph typed."""
    found = _UNRESOLVED.search(_message(error))
    return found.group(1) if found else None


def interface_without_object_types_fails_request(case: Case) -> frozenset[Atom]:
    """Apollo's failure of the whole request (its INVALID_GRAPHQL "Cannot add fragment of
    condition "Node" (runtimes: [])") where ours nulls only the objects of that interface,
    with an error at each, and answers the rest."""
    failed: set[str] = set()
    out: set[Atom] = set()
    for index, error in enumerate(case.apollo_only):
        found = _NO_RUNTIME.search(_message(error))
        if found and error_path(error) is None:
            failed.add(found.group(1))
            out.add(("apollo", index))
    if not out or case.apollo_data is not None:
        return frozenset()
    out |= {("data", p) for p, ours, apollo in case.points if apollo is None and ours is not None}
    for index, error in enumerate(case.ours_only):
        # Ours answered the request: the nulls of that interface's objects, and what the
        # subgraphs said (their own errors, passed on), which Apollo never asked them.
        if _unresolved_type(error) in failed or _from_subgraph(error):
            out.add(("ours", index))
    return frozenset(out)


def _from_subgraph(error: dict[str, object]) -> bool:
    extensions = error.get("extensions")
    return isinstance(extensions, dict) and "serviceName" in extensions


def interface_object_silent_null(case: Case) -> frozenset[Atom]:
    """Our errors at objects no subgraph could type (an interface some subgraph knows as an
    @interfaceObject, and the lookup of the object type failed), which Apollo nulls
    alike but without any error."""
    out: set[Atom] = set()
    for index, error in enumerate(case.ours_only):
        path = error_path(error)
        name = _unresolved_type(error)
        if path is None or name is None or not case.is_interface_object(name):
            continue
        if (
            value_at(case.ours_data, path) is None
            and value_at(case.apollo_data, path) is None
            and value_at(case.apollo_data, path[:-1]) is not None
            and not any(
                p is not None and (is_prefix(p, path) or is_prefix(path, p))
                for p in map(error_path, raw_errors(case.apollo))
            )
        ):
            out.add(("ours", index))
    return frozenset(out)


_UNPLANNABLE = re.compile(r'cannot plan field "\w+\.\w+" at path "([^"]*)": no subgraph')


def unplannable_field_silent_null(case: Case) -> frozenset[Atom]:
    """Our QUERY_PLANNING_FAILED for a selection no subgraph can fetch (an
    @interfaceObject's field below a type nobody can resolve), where Apollo plans no fetch
    for it and answers null there without any error."""
    # A subgraph's error for the parent (`a` a subgraph cannot type) is no error about
    # the field: Apollo reports nothing of its own for it.
    if case.ours_data is not None or not all(_from_subgraph(e) for e in raw_errors(case.apollo)):
        return frozenset(_skipped_unfetchable_parent_errors(case))
    out: set[Atom] = set()
    for index, error in enumerate(case.ours_only):
        found = _UNPLANNABLE.search(_message(error))
        if found is None or error_path(error) is not None:
            continue
        place = tuple(k for k in found.group(1).split(".") if k)
        if place and value_at(case.apollo_data, place) is None:
            out.add(("ours", index))
    if out:
        # Ours answered nothing: all of Apollo's data, and what the subgraphs it asked said.
        out |= {("data", p) for p, _, _ in case.points}
        out |= {("apollo", i) for i, e in enumerate(case.apollo_only) if _from_subgraph(e)}
    return frozenset(out | _skipped_unfetchable_parent_errors(case))


def _skipped_unfetchable_parent_errors(case: Case) -> set[Atom]:
    """Our subgraph errors for a field (null on both sides) whose sub-selection is only
    skipped fields, one of which no subgraph can fetch there: Apollo plans no fetch for
    the field at all (null, no error); the skipped field is never evaluated, so ours asks
    for the parent, which the subgraph fails."""
    out: set[Atom] = set()
    for index, error in enumerate(case.ours_only):
        path = error_path(error)
        found = field_key_path(path) if path else None
        parent = case.selections("ours").get(found[0]) if found else None
        if path is None or found is None or parent is None or not _from_subgraph(error):
            continue
        if value_at(case.ours_data, path) is not None or value_at(case.apollo_data, path):
            continue
        nodes = [s for s in parent.keys.get(found[1], []) if s.included]
        field_type = _field_type(nodes[0]) if nodes else None
        inner = [
            n
            for s in nodes
            if s.node.selection_set
            for n in _sub_fields(case, s.node.selection_set.selections, True)
        ]
        if (
            field_type is not None
            and inner
            and not any(included for _, included in inner)
            and any(_unfetchable(case, field_type.name, n.name.value) for n, _ in inner)
        ):
            out.add(("ours", index))
    return out


def _sub_fields(
    case: Case, selections: Sequence[SelectionNode], included: bool
) -> Iterator[tuple[FieldNode, bool]]:
    """The field nodes of a selection set, through fragments, each with its inclusion."""
    operation = operation_named(case.document, case.operation_name)
    variables = (
        variable_values(case.schema, operation, case.variables)
        if operation is not None
        else dict(case.variables)
    )
    fragments = fragments_of(case.document)

    def walk(
        selections: Sequence[SelectionNode], included: bool, seen: frozenset[str]
    ) -> Iterator[tuple[FieldNode, bool]]:
        for selection in selections:
            here = included and is_included(selection, variables)
            if isinstance(selection, FieldNode):
                yield selection, here
            elif isinstance(selection, InlineFragmentNode):
                yield from walk(selection.selection_set.selections, here, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in fragments and name not in seen:
                    yield from walk(fragments[name].selection_set.selections, here, seen | {name})

    yield from walk(selections, included, frozenset())


def _unfetchable(case: Case, type_name: str, field_name: str) -> bool:
    """Is the field resolved only by subgraphs that know its type as a non-resolvable
    @interfaceObject (no entity fetch can reach it there)?"""
    type_def = case.supergraph.types.get(type_name)
    field_def = type_def.fields.get(field_name) if type_def else None
    if type_def is None or field_def is None:
        return False
    graphs = [g.graph for g in field_def.graphs if not g.external]
    return bool(graphs) and all(
        (t := type_def.in_graph(g)) is not None
        and t.is_interface_object
        and not any(k.resolvable for k in t.keys)
        for g in graphs
    )


_ENUM_VALUE = re.compile(r'^Enum "\w+" cannot represent value')


def enum_value_errors_dropped(case: Case) -> frozenset[Atom]:
    """Our errors for enum values the client schema lacks (nulled on both sides), when
    Apollo did report a subgraph's error in the operation (its own went missing)."""
    if not any(_from_subgraph(e) for e in raw_errors(case.apollo)):
        return frozenset()
    out: set[Atom] = set()
    for index, error in enumerate(case.ours_only):
        path = error_path(error)
        if path is None or _from_subgraph(error) or not _ENUM_VALUE.match(_message(error)):
            continue
        if (
            value_at(case.ours_data, path) is None
            and value_at(case.apollo_data, path) is None
            and isinstance(value_at(case.apollo_data, path[:-1]), dict)
        ):
            out.add(("ours", index))
    return frozenset(out)


def _object_types_of_field(case: Case, parent: str, name: str) -> set[str]:
    """The object types that a subgraph declares ``name`` with, on ``parent`` or on the
    object types of ``parent`` (an interface or union)."""
    parent_type = case.schema.get_type(parent)
    if isinstance(parent_type, GraphQLObjectType):
        candidates = [parent_type.name]
    elif isinstance(parent_type, GraphQLInterfaceType | GraphQLUnionType):
        candidates = [t.name for t in case.schema.get_possible_types(parent_type)]
    else:
        return set()
    out: set[str] = set()
    for candidate in candidates:
        type_def = case.supergraph.types.get(candidate)
        field_def = type_def.fields.get(name) if type_def else None
        if field_def is None:
            continue
        named = [
            field_def.named_type,
            *(re.sub(r"[\[\]!]", "", g.type or "") for g in field_def.graphs),
        ]
        out |= {n for n in named if isinstance(case.schema.get_type(n), GraphQLObjectType)}
    return out


def _satisfies(case: Case, object_type: str, condition: str) -> bool:
    condition_type = case.schema.get_type(condition)
    found = case.schema.get_type(object_type)
    if not isinstance(found, GraphQLObjectType) or condition_type is None:
        return False
    if isinstance(condition_type, GraphQLInterfaceType | GraphQLUnionType):
        return case.schema.is_sub_type(condition_type, found)
    return condition_type is found


def _abstract_as_selected(case: Case, parent: ObjectSelections, selected: Selected) -> bool:
    """Is the field abstract where the operation may have selected it: on its innermost
    type condition or the parent's type, or on an interface of theirs that declares it
    (the walk types a parent by its __typename, so the written type may be lost)?"""
    on = case.schema.get_type(selected.conditions[-1]) if selected.conditions else None
    candidates = [on or parent.static_type]
    candidates += [
        i for t in list(candidates) if isinstance(t, GraphQLObjectType) for i in t.interfaces
    ]
    for candidate in candidates:
        if not isinstance(candidate, GraphQLObjectType | GraphQLInterfaceType):
            continue
        field = candidate.fields.get(selected.node.name.value)
        if field is not None and isinstance(
            get_named_type(field.type), GraphQLInterfaceType | GraphQLUnionType
        ):
            return True
    return False


def type_condition_without_typename(case: Case) -> frozenset[Atom]:
    """Keys Apollo leaves out (no null, no error) that the operation selects only under
    type conditions on an object whose field is abstract in the API schema but of an
    object type in a subgraph, a type that every one of those conditions matches: the
    object can be of no other type, so the conditions hold."""
    selections = case.selections("ours")
    out: set[Atom] = set()
    for path, ours, _ in case.points:
        holder = path[:-1]
        apollo_object = value_at(case.apollo_data, holder)
        if ours is None or not isinstance(apollo_object, dict) or path[-1] in apollo_object:
            continue
        here = selections.get(holder)
        found = field_key_path(holder)
        if here is None or found is None:
            continue
        nodes = [s for s in here.keys.get(str(path[-1]), []) if s.included]
        parent = selections.get(found[0])
        if parent is None:
            continue
        fields = [s for s in parent.keys.get(found[1], []) if s.included]
        # Abstract as the client selected it (Track.next), whatever the parent's own type.
        if not any(_abstract_as_selected(case, parent, s) for s in fields):
            continue
        concrete: set[str] = set()
        for s in fields:
            concrete |= _object_types_of_field(case, s.parent_type.name, s.node.name.value)
        if (
            nodes
            and concrete
            and all(
                s.conditions and all(_satisfies(case, t, c) for t in concrete for c in s.conditions)
                for s in nodes
            )
        ):
            out.add(("data", path))
    return frozenset(out)


def _non_resolvable_key_in_requiring_graph(case: Case, type_name: str, field_name: str) -> bool:
    """Is ``type_name.field_name`` resolved with @requires in a subgraph that declares a key
    of ``type_name`` with ``resolvable: false``?"""
    type_def = case.supergraph.types.get(type_name)
    field_def = type_def.fields.get(field_name) if type_def else None
    if type_def is None or field_def is None:
        return False
    for graph in field_def.graphs:
        in_graph = type_def.in_graph(graph.graph) if graph.requires else None
        if in_graph is not None and any(not k.resolvable for k in in_graph.keys):
            return True
    return False


def requires_fetch_by_non_resolvable_key(case: Case) -> frozenset[Atom]:
    """Apollo's errors (and the nulls they leave) at @requires fields, of a subgraph that
    has non-resolvable keys for the type, where ours answers a value."""
    selections = case.selections("ours")
    out: set[Atom] = set()
    for index, error in enumerate(case.apollo_only):
        path = error_path(error)
        found = field_key_path(path) if path else None
        here = selections.get(found[0]) if found else None
        if path is None or found is None or here is None or value_at(case.ours_data, path) is None:
            continue
        nodes = here.keys.get(found[1], [])
        if any(
            _non_resolvable_key_in_requiring_graph(
                case,
                (here.runtime_type or s.parent_type).name,
                s.node.name.value,
            )
            for s in nodes
            if s.included
        ):
            out.add(("apollo", index))
            out |= _apollo_nulls_above(case, path)
    return frozenset(out)


def _requires_arguments(case: Case, type_name: str, field_name: str) -> set[tuple[str, str]]:
    """(required field, its arguments as written) of a field's @requires, top level."""
    type_def = case.supergraph.types.get(type_name)
    field_def = type_def.fields.get(field_name) if type_def else None
    out: set[tuple[str, str]] = set()
    for graph in field_def.graphs if field_def else ():
        for item in graph.requires or ():
            if isinstance(item, FieldSetField) and item.arguments:
                out.add((item.name, repr(sorted(print_ast(a) for a in item.arguments))))
    return out


_ARGUMENTS_CONFLICT = re.compile(r"conflict because they have differing arguments")


def requires_argument_conflict(case: Case) -> frozenset[Atom]:
    """Values where the answers part, of fields on an object whose selected fields @require
    one external field with different arguments, or with other arguments than the
    client's own selection of it (Apollo fetches it once, unaliased: the
    last argument's value for both, or, when a condition keeps them apart, the
    subgraph refuses the query: that error and the nulls it leaves)."""
    selections = case.selections("ours")
    out: set[Atom] = set()
    refused = {
        ("apollo", i)
        for i, e in enumerate(case.apollo_only)
        if _ARGUMENTS_CONFLICT.search(_message(e)) and _from_subgraph(e)
    }
    if refused and any(_conflicting_requires(case, here) for here in selections.values()):
        nulled = [p for p, ours, apollo in case.points if apollo is None and ours is not None]
        out |= refused
        out |= {("data", p) for p in nulled}
        # What the subgraphs said of the fields there, which Apollo never asked them.
        for index, error in enumerate(case.ours_only):
            path = error_path(error)
            if _from_subgraph(error) and path and any(is_prefix(p, path) for p in nulled):
                out.add(("ours", index))
    for path, ours, apollo in case.points:
        found = field_key_path(path)
        here = selections.get(found[0]) if found else None
        if found is None or here is None or ours is None or apollo is None:
            continue
        runtime = here.runtime_type or here.static_type
        # The field there requires the external field, or is the client's own selection
        # of it (`comments(limit: 1)` beside `author`, which requires `comments(limit: 3)`).
        mine = {
            r
            for s in here.keys.get(found[1], [])
            for r in {
                *_requires_arguments(case, runtime.name, s.node.name.value),
                *(_own_arguments(s) if s.included else ()),
            }
        }
        # Apollo fetches what a field requires even where a variable skips the field.
        others = {
            r
            for key, nodes in here.keys.items()
            if key != found[1]
            for s in nodes
            for r in {
                *_requires_arguments(case, runtime.name, s.node.name.value),
                *(_own_arguments(s) if s.included else ()),
            }
        }
        if any(name == o and args != a for name, args in mine for o, a in others):
            out.add(("data", path))
    return frozenset(out)


def _own_arguments(selected: Selected) -> set[tuple[str, str]]:
    """The client's own selection of a field with arguments, as ``_requires_arguments``."""
    arguments = selected.node.arguments
    if not arguments:
        return set()
    return {(selected.node.name.value, repr(sorted(print_ast(a) for a in arguments)))}


def _conflicting_requires(case: Case, here: ObjectSelections) -> bool:
    """Does the operation select here (even under conditions) two fields whose @requires
    name one field with different arguments?"""
    runtime = here.runtime_type or here.static_type
    seen: dict[str, str] = {}
    for nodes in here.keys.values():
        for s in nodes:
            found = {
                *_requires_arguments(case, runtime.name, s.node.name.value),
                *_own_arguments(s),
            }
            for name, arguments in found:
                if seen.setdefault(name, arguments) != arguments:
                    return True
    return False


def _requirements(case: Case, type_name: str, field_name: str) -> dict[str, str]:
    """Subgraph -> the @requires text of a field resolved with @requires there."""
    type_def = case.supergraph.types.get(type_name)
    field_def = type_def.fields.get(field_name) if type_def else None
    return {
        g.graph: g.requires_text or ""
        for g in (field_def.graphs if field_def else ())
        if g.requires
    }


def skipped_requirement_in_another_fetch(case: Case) -> frozenset[Atom]:
    """Values where the answers part, of @requires fields on an object where the operation
    skips (every selection of its key) another field its subgraph resolves with another
    @requires: Apollo puts the skipped field's requirement in the representation it sends
    for the selected one, and the subgraph answers from it."""
    selections = case.selections("ours")
    out: set[Atom] = set()
    for path, ours, apollo in case.points:
        found = field_key_path(path)
        here = selections.get(found[0]) if found else None
        if found is None or here is None or ours == apollo:
            continue
        runtime = here.runtime_type or here.static_type
        mine: dict[str, str] = {}
        for s in here.keys.get(found[1], []):
            if s.included:
                mine.update(_requirements(case, runtime.name, s.node.name.value))
        if not mine:
            continue
        skipped = [
            s
            for key, nodes in here.keys.items()
            if key != found[1] and not any(n.included for n in nodes)
            for s in nodes
        ]
        if any(
            graph in mine and text != mine[graph]
            for s in skipped
            for graph, text in _requirements(case, runtime.name, s.node.name.value).items()
        ):
            out.add(("data", path))
    return frozenset(out)


def _fetch_place(path: Path) -> tuple[str, ...] | None:
    """The place in the operation of the objects of an entity fetch, from an error path
    Apollo builds out of the fetch's plan path (`books.@._entities`: every item of
    `books`), or None when ``path`` is a response path."""
    if "@" not in path or "_entities" not in path:
        return None
    return tuple(k for k in _position(path[: path.index("_entities")]) if k != "@")


def entity_fetch_error_at_plan_path(case: Case) -> frozenset[Atom]:
    """Apollo's error at an entity fetch's plan path (`books.@._entities`), where ours
    reports that subgraph's error at each object of that place (`books.0`, `books.1`)."""
    places = {
        index: place
        for index, error in enumerate(case.apollo_only)
        if (path := error_path(error)) is not None and (place := _fetch_place(path)) is not None
    }
    out: set[Atom] = set()
    for index, error in enumerate(case.ours_only):
        path = error_path(error)
        if path is None or not isinstance(value_at(case.ours_data, path), dict):
            continue
        matched = {i for i, place in places.items() if _position(path) == place}
        if matched and _from_subgraph(error):
            out.add(("ours", index))
            out |= {("apollo", i) for i in matched}
    return frozenset(out)


def _misplaced(case: Case, error: dict[str, object]) -> bool:
    """Does the error name a field the object at its path does not have (in Apollo's data)?"""
    path = error_path(error)
    found = field_key_path(path) if path else None
    if path is None or found is None or path[-1] != found[1]:
        return False
    holder = value_at(case.apollo_data, found[0])
    return isinstance(holder, dict) and found[1] not in holder


def entity_error_at_another_object(case: Case) -> frozenset[Atom]:
    """Apollo's subgraph errors at a field of an object that does not have it (a Book that
    selects nothing of Magazine's), and our subgraph errors at that place in the operation
    (another index: the Magazine the subgraph's `_entities` item was) that our data bears
    out (the field null there, or its object, by a non-null field's error). Which errors
    a subgraph reports inside an object it nulls depends on its query's field order (the
    variance errors-inside-a-nulled-object): with Apollo's moved elsewhere, they are
    compared here, by place."""
    # Ours reports that subgraph's errors at other objects of the same place in the
    # operation, and none at the object Apollo puts it on.
    ours_holders = {
        path[:-1]
        for e in raw_errors(case.ours)
        if _from_subgraph(e) and (path := error_path(e)) is not None
    }
    places = {
        i: _position(path)
        for i, e in enumerate(case.apollo_only)
        if _from_subgraph(e)
        and _misplaced(case, e)
        and (path := error_path(e)) is not None
        and path[:-1] not in ours_holders
        and any(_position(h) == _position(path[:-1]) for h in ours_holders)
    }
    if not places:
        return frozenset()
    out: set[Atom] = {("apollo", i) for i in places}
    holders = {place[:-1] for place in places.values()}
    for index, error in enumerate(case.ours_only):
        path = error_path(error)
        if path is None or not _from_subgraph(error) or _position(path)[:-1] not in holders:
            continue
        holder = value_at(case.ours_data, path[:-1])
        if holder is None or (isinstance(holder, dict) and holder.get(path[-1], 0) is None):
            out.add(("ours", index))
    return frozenset(out)


_NO_OPTIONS = re.compile(r"Was not able to find any options for .*: This shouldn't have happened")


def planner_no_options(case: Case) -> frozenset[Atom]:
    """Apollo's query planner failed with its internal "Was not able to find any options
    for <field>: This shouldn't have happened." (no plan, no data)."""
    out: set[Atom] = {
        ("apollo", i) for i, e in enumerate(case.apollo_only) if _NO_OPTIONS.search(_message(e))
    }
    if out and case.apollo_data is None:
        out |= {
            ("data", p) for p, ours, apollo in case.points if apollo is None and ours is not None
        }
    return frozenset(out) if case.apollo_data is None else frozenset()


def _resolved_by_several(case: Case, type_name: str, field_name: str) -> bool:
    """Do two subgraphs or more resolve ``type_name.field_name`` (not @external)?"""
    type_def = case.supergraph.types.get(type_name)
    field_def = type_def.fields.get(field_name) if type_def else None
    return field_def is not None and sum(1 for g in field_def.graphs if not g.external) >= 2


def failing_subgraph_of_a_shareable_field(case: Case) -> frozenset[Atom]:
    """Apollo's subgraph errors (and the nulls below and above them) at a field that two
    subgraphs or more resolve, where ours, having no error of its own, answers a value
    there: Apollo asked the subgraph whose copy fails, ours one that answers."""
    if case.ours_only:
        return frozenset()
    selections = case.selections("ours")
    out: set[Atom] = set()
    for index, error in enumerate(case.apollo_only):
        path = error_path(error)
        found = field_key_path(path) if path else None
        here = selections.get(found[0]) if found else None
        if path is None or found is None or here is None or not _from_subgraph(error):
            continue
        if value_at(case.ours_data, path) is None:
            continue
        nodes = [s for s in here.keys.get(found[1], []) if s.included]
        if any(_resolved_by_several(case, s.parent_type.name, s.node.name.value) for s in nodes):
            out.add(("apollo", index))
            out |= _apollo_nulls_above(case, path)
            out |= {
                ("data", p)
                for p, ours, apollo in case.points
                if apollo is None and ours is not None and is_prefix(path, p)
            }
    return frozenset(out)


def split_root_failure_overwritten(case: Case) -> frozenset[Atom]:
    """Apollo's object at a root field that two subgraphs or more resolve, where both
    answers have an error at that very field and ours is null there (with Apollo's errors
    inside that object): Apollo asked the field of two subgraphs in parallel, one failed
    it, and the other's part, landing last, overwrote the null."""
    root = case.selections("ours").get(())
    ours_at = {error_path(e) for e in raw_errors(case.ours)}
    apollo_at = {error_path(e) for e in raw_errors(case.apollo)}
    out: set[Atom] = set()
    for path, ours, apollo in case.points:
        if len(path) != 1 or ours is not None or apollo is None or root is None:
            continue
        if path not in ours_at or path not in apollo_at:
            continue
        nodes = [s for s in root.keys.get(str(path[0]), []) if s.included]
        if any(_resolved_by_several(case, s.parent_type.name, s.node.name.value) for s in nodes):
            out.add(("data", path))
            out |= {
                ("apollo", i) for i, e in enumerate(case.apollo_only) if _errors_inside([e], path)
            }
    return frozenset(out)


def _field_type(selected: Selected) -> GraphQLNamedType | None:
    parent = selected.parent_type
    if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return None
    found = parent.fields.get(selected.node.name.value)
    return get_named_type(found.type) if found is not None else None


def _errors_inside(body_errors: list[dict[str, object]], path: Path) -> bool:
    return any(
        (p := error_path(e)) is not None and len(p) > len(path) and is_prefix(path, p)
        for e in body_errors
    )


def failed_lookup_object_kept(case: Case) -> frozenset[Atom]:
    """Objects Apollo answers and ours nulls, inside which both answers report an error,
    at a field whose type is an interface some subgraph resolves as an @interfaceObject:
    the lookup of the object's type failed on a non-null field of that type (the
    subgraph nulls the whole entity), and Apollo keeps the object without the field.
    The errors inside it that one side has beyond the other come with it: Apollo
    repeats the subgraph's error once per selection of the field, and which of two
    aliases of one field the subgraph reports depends on the order of its query."""
    selections = case.selections("ours")
    ours_errors, apollo_errors = raw_errors(case.ours), raw_errors(case.apollo)
    out: set[Atom] = set()
    for path, ours, apollo in case.points:
        found = field_key_path(path)
        parent = selections.get(found[0]) if found else None
        if ours is not None or not isinstance(apollo, dict) or found is None or parent is None:
            continue
        if not (_errors_inside(ours_errors, path) and _errors_inside(apollo_errors, path)):
            continue
        types = {_field_type(s) for s in parent.keys.get(found[1], []) if s.included}
        if not any(
            isinstance(t, GraphQLInterfaceType) and case.is_interface_object(t.name) for t in types
        ):
            continue
        out.add(("data", path))
        out |= {("data", p) for p, _, _ in case.points if len(p) > len(path) and is_prefix(path, p)}
        for side, errors in (("ours", case.ours_only), ("apollo", case.apollo_only)):
            out |= {(side, i) for i, e in enumerate(errors) if _errors_inside([e], path)}
    return frozenset(out)


def nested_abstract_condition_dropped(case: Case) -> frozenset[Atom]:
    """Keys Apollo leaves out (no null, no error) of an object of an object type, that the
    operation selects only under a type condition on an interface or union that type
    belongs to, with a condition on the object type itself inside it
    (`toasters { ... on Node { ... on Toaster { id } } }`): every condition holds."""
    selections = case.selections("ours")
    out: set[Atom] = set()
    for path, ours, _ in case.points:
        holder = path[:-1]
        apollo_object = value_at(case.apollo_data, holder)
        here = selections.get(holder)
        if ours is None or not isinstance(apollo_object, dict) or path[-1] in apollo_object:
            continue
        if here is None or not isinstance(here.static_type, GraphQLObjectType):
            continue
        object_type = here.static_type.name
        nodes = [s for s in here.keys.get(str(path[-1]), []) if s.included]
        if nodes and all(
            s.conditions
            and all(_satisfies(case, object_type, c) for c in s.conditions)
            and any(
                isinstance(case.schema.get_type(c), GraphQLInterfaceType | GraphQLUnionType)
                for c in s.conditions
            )
            for s in nodes
        ):
            out.add(("data", path))
    return frozenset(out | _nested_condition_order(case))


def _object_type_inside_abstract(case: Case, selected: Selected) -> bool:
    """Is ``selected`` under a condition on an object type inside one on an interface or
    union (`... on Node { ... on Toaster { id } }`)?"""
    seen_abstract = False
    for condition in selected.conditions:
        condition_type = case.schema.get_type(condition)
        if isinstance(condition_type, GraphQLInterfaceType | GraphQLUnionType):
            seen_abstract = True
        elif seen_abstract and isinstance(condition_type, GraphQLObjectType):
            return True
    return False


def _nested_condition_order(case: Case) -> set[Atom]:
    """Objects whose keys Apollo orders as if the selections under such nested conditions
    were left out, where another selection of the same key elsewhere brings it back (at
    that selection's place): ours follows the operation's collection order."""
    selections = case.selections("ours")
    out: set[Atom] = set()
    for path in case.order_paths():
        here = selections.get(path)
        value = value_at(case.ours_data, path)
        apollo_object = value_at(case.apollo_data, path)
        if here is None or not isinstance(value, dict) or not isinstance(apollo_object, dict):
            continue
        if list(value) != [k for k in here.included_keys() if k in value]:
            continue
        first: dict[str, int] = {}
        for key, nodes in here.keys.items():
            kept = [
                s.position
                for s in nodes
                if s.included and not _object_type_inside_abstract(case, s)
            ]
            if kept and key in value:
                first[key] = min(kept)
        if list(apollo_object) == sorted(first, key=first.__getitem__) and set(first) == set(value):
            out.add(("order", path))
    return out


EXCEPTIONS: tuple[ApolloException, ...] = (
    ApolloException(
        "interface-object-type-condition",
        "Apollo Gateway leaves out the selections under a type condition on an object type "
        "that implements an @interfaceObject interface (`... on Book { rating }` on a "
        "`Media`, or on objects that the @interfaceObject field `similar` returns): no "
        "keys, no error. The object is a Book: the spec selects them.",
        interface_object_type_condition,
        ("abstract_types", "interface-object-type-condition"),
    ),
    ApolloException(
        "interface-object-null-without-error",
        "Apollo Gateway answers null without any error (`data: null` too, which the spec "
        "never allows) for some operations with type conditions on object types of an "
        "@interfaceObject interface, e.g. `similar` selected twice, once under `... on Book`.",
        interface_object_null_without_error,
        ("abstract_types", "interface-object-merged-type-conditions"),
    ),
    ApolloException(
        "planner-missing-edge",
        "Apollo Gateway's query planner fails (INTERNAL_SERVER_ERROR \"We should have an edge "
        "from Media(ratings) for __typename\") on a union's type condition below an "
        "@interfaceObject field (`topRated { ... on SearchResult { ... on Media { similar } } }`); "
        "the operation is valid and the subgraphs answer it.",
        planner_missing_edge,
        ("abstract_types", "union-and-interface-conditions-below-interface-object-field"),
    ),
    ApolloException(
        "merged-field-key-order",
        "When one response name is selected more than once (`a { x } a { ... on T { y } }`), "
        "Apollo Gateway orders the merged object's keys by its own grouping (selections "
        "under type conditions or directives apart), not by first appearance as the "
        "spec's CollectFields does; key order is part of the response.",
        merged_field_key_order,
        ("subgraph_types", "merged-field-key-order"),
    ),
    ApolloException(
        "completion-errors-dropped",
        "Apollo Gateway drops its own value-completion errors (a null in a non-null "
        "position, e.g. the null customer of an unknown entity) when a subgraph reported "
        "an error in the same operation; every null there needs its error.",
        completion_errors_dropped,
        ("failures", "non-null-field-error-bubbles"),
    ),
    ApolloException(
        "errors-of-skipped-fields",
        "Apollo Gateway reports the subgraph errors of fields the operation skips "
        "(`score @skip(if: true)` under a field with a variable condition), or of an entity "
        "fetch it sends for objects whose every field is skipped, or for a skipped @requires "
        "field (at the fetch's path, `feed.@._entities`): the client selected nothing "
        "there, so nothing there can fail.",
        errors_of_skipped_fields,
        ("failures", "error-of-a-skipped-field"),
    ),
    ApolloException(
        "all-subfields-skipped",
        "When the variables skip every sub-field of a selected field "
        "(`stock @include(if: $v) { quantity @skip(if: $v) }`), Apollo Gateway leaves the "
        "field out of the fetch and reports it null (Cannot return null for non-nullable "
        "field); the spec's answer is an empty object per value.",
        all_subfields_skipped,
        ("keys", "all-subfields-skipped-by-variable"),
    ),
    ApolloException(
        "skipped-requires-drops-fetch",
        "Apollo Gateway puts a skipped @requires field in the same entity fetch as fields "
        "the operation does select, and skips that whole fetch: those fields are null "
        "(with value-completion errors where they are non-null).",
        skipped_requires_drops_fetch,
        ("requires", "include-false-on-requires-field"),
    ),
    ApolloException(
        "unaliased-type-conflict",
        "Apollo Gateway sends one response name for same-named fields of different types "
        "in sibling type conditions inside a conditional fragment (`... @include(if: $b) "
        "{ ... on Draft { ref } ... on Post { words } }`: Draft.ref ID, Post.ref ID!) "
        "without an alias; the subgraph refuses the query and the data is lost.",
        unaliased_type_conflict,
        ("subgraph_types", "sibling-fields-of-different-types"),
    ),
    ApolloException(
        "interface-without-object-types-fails-request",
        'Apollo Gateway fails the whole request (INVALID_GRAPHQL "Cannot add fragment of '
        'condition Node (runtimes: [])", data: null) when `__typename` of an interface '
        "that no object type implements is selected; only those objects cannot be "
        "completed (null, with an error at each), the rest of the data can.",
        interface_without_object_types_fails_request,
        (
            "non_resolvable_interface_object",
            "typename-of-interfaces-without-object-types-in-a-non-null-list",
        ),
    ),
    ApolloException(
        "interface-object-silent-null",
        "Apollo Gateway nulls an object whose object type no subgraph resolved (reached "
        "through an @interfaceObject, its type lookup failed) without any error; a null the "
        "client did not ask for needs an error that says why.",
        interface_object_silent_null,
        ("interface_object_typename", "aliased-typename-of-a-failed-lookup"),
    ),
    ApolloException(
        "unplannable-field-silent-null",
        "For a field no subgraph can fetch (`node { text }`: `text` only on a "
        "non-resolvable @interfaceObject, of an interface no object type implements) "
        "Apollo Gateway plans no fetch and answers null without any error of its own, as "
        "if the field were null (a subgraph's error for the parent aside); ours refuses "
        "the operation (QUERY_PLANNING_FAILED, a request error), as the federation audit "
        "expects. Where the parent is null anyway, Apollo's answer is no worse: that part "
        "is our design choice (docs/planner.md), not Apollo's bug. Where that field is "
        "skipped (`node { text @skip(if: true) }`) Apollo still plans no fetch for its "
        "parent and answers null without the error the subgraph gives for `node`, which "
        "is evaluated (ours asks, and reports it).",
        unplannable_field_silent_null,
        ("non_resolvable_interface_object", "field-no-subgraph-can-fetch"),
        more_examples=(("non_resolvable_interface_object", "skipped-field-no-subgraph-can-fetch"),),
    ),
    ApolloException(
        "enum-value-errors-dropped",
        "Apollo Gateway nulls an enum value the client schema lacks (@inaccessible in the "
        "subgraph) and, when a subgraph reported an error in the same operation, drops its "
        "own error for it (alone, it is in extensions.valueCompletion); every null there "
        "needs its error.",
        enum_value_errors_dropped,
        ("enum_values_apart", "enum-value-error-dropped-beside-a-subgraph-error"),
    ),
    ApolloException(
        "type-condition-without-typename",
        "Apollo Gateway fetches an object without __typename where the subgraph's field is "
        "of an object type (Song.next: Song, through @provides) but the client's field is "
        "abstract (Track.next: Track), then cannot match the client's `... on Song`: it "
        "drops the fragment's fields, no error. The object can only be a Song.",
        type_condition_without_typename,
        ("concrete_in_subgraph", "interface-field-of-an-object-type-in-the-subgraph"),
    ),
    ApolloException(
        "requires-fetch-by-non-resolvable-key",
        "Apollo Gateway sends the representation for a @requires field to its subgraph by a "
        "key that subgraph declares `resolvable: false`; the subgraph finds no entity, the "
        "field fails (and its non-null error nulls the parents).",
        requires_fetch_by_non_resolvable_key,
        ("requires_key_choice", "requires-fetch-uses-a-non-resolvable-key"),
    ),
    ApolloException(
        "requires-argument-conflict",
        "Apollo Gateway fetches an external field required with different arguments by two "
        'fields (`area(unit: "M")`, `area(unit: "FT")`), or required with other arguments '
        "than the client's own selection of it, once, with one argument, and computes "
        "both from it: one of them is wrong.",
        requires_argument_conflict,
        ("requires_arguments", "both-in-one-selection"),
    ),
    ApolloException(
        "skipped-requirement-in-another-fetch",
        "Apollo Gateway sends what a skipped @requires field requires (`town @include(if: "
        "false)`, requiring `address { id }`) in the representations of the fetch of another "
        "field of that subgraph (`nation`, requiring only `address { ... on OfficeAddress "
        "{ id } }`), and the subgraph answers that field from it; the skipped field is not "
        "executed, so its requirement is no part of the fetch (a sibling of "
        "requires-argument-conflict).",
        skipped_requirement_in_another_fetch,
        (
            "requires_interface_condition",
            "skipped-requires-field-beside-one-with-a-type-condition",
        ),
    ),
    ApolloException(
        "entity-fetch-error-at-plan-path",
        "When a subgraph fails a whole `_entities` fetch (its error names no entity), Apollo "
        "Gateway reports it once at the fetch's plan path, `books.@._entities`, which is no "
        "path of the response (`@` stands for every item, `_entities` is the subgraph's "
        "field); a response error's path names the response's fields and list indices: "
        "ours reports it at each object the fetch was for.",
        entity_fetch_error_at_plan_path,
        ("failing_requires_lookup", "every-lookup-fails"),
    ),
    ApolloException(
        "entity-error-at-another-object",
        "Apollo Gateway reports a subgraph's error for the i-th representation of an entity "
        "fetch (`_entities.0.stars`) at the i-th object of the fetch's place in the response, "
        "counting the objects it did not send too (`items.0.stars`, a Book, where the fetch "
        "was for the Magazines `items.2` and `items.3`): the error lands on an object that "
        "does not select the field, and the object it belongs to has none.",
        entity_error_at_another_object,
        ("entity_error_positions", "failing-field-of-the-later-items"),
        more_examples=(
            ("entity_error_positions", "failing-non-null-field-of-the-later-items"),
            ("entity_error_positions", "failing-requires-field-of-the-later-items"),
        ),
    ),
    ApolloException(
        "planner-no-options",
        "Apollo Gateway's query planner fails (\"Was not able to find any options for id "
        "@skip(if: true): This shouldn't have happened.\") on a valid operation whose only "
        "field of a shareable interface root field is skipped (or the root field itself).",
        planner_no_options,
        ("skipped_shared_interface_field", "only-field-skipped"),
    ),
    ApolloException(
        "failing-subgraph-of-a-shareable-field",
        "Apollo Gateway asks for a shareable field the subgraph whose copy of it fails, on a "
        "poorer plan (it does not use another subgraph's @provides below a type condition, "
        "`feed { ... on Album { tags { label } } }`: two fetches where one answers); the "
        "subgraph that provides the selection answers it.",
        failing_subgraph_of_a_shareable_field,
        ("failing_shareable_root", "type-condition-asks-the-failing-subgraph"),
    ),
    ApolloException(
        "split-root-failure-overwritten",
        "Apollo Gateway asks a @shareable root field of two subgraphs in parallel (each for "
        "the fields only it has); when one fails the field (null, with an error at its "
        "path) and the other's answer lands last, it answers that other part's object "
        "beside the error: which answer it gives depends on which fetch ends last. The "
        "error says the field failed: it is null (as when one subgraph is asked).",
        split_root_failure_overwritten,
        ("failing_split_root", "split-root-field-failing-in-one-part"),
    ),
    ApolloException(
        "failed-lookup-object-kept",
        "Apollo Gateway answers an object reached through an @interfaceObject whose type "
        "lookup failed on a non-null field of its object type (the subgraph reports "
        "`isMain` of an Admin null, and nulls the entity) as an object without that field, "
        "beside the error: an Admin whose non-null isMain failed is null. It also repeats "
        "the subgraph's error once per selection of the field.",
        failed_lookup_object_kept,
        ("interface_object_typename", "type-condition-of-a-failed-lookup"),
    ),
    ApolloException(
        "nested-abstract-condition-dropped",
        "Apollo Gateway leaves out the fields an object type's field selects under a type "
        "condition on an interface it implements with a condition on the object type "
        "inside (`toasters { ... on Node { ... on Toaster { id } } }`, Toaster implements "
        "Node): no keys, no error; where the operation selects such a field elsewhere too, "
        "its key comes at that other place. Every condition holds: the spec selects them "
        "where they first appear.",
        nested_abstract_condition_dropped,
        ("nested_conditions", "object-type-inside-an-interface-condition"),
        more_examples=(
            ("nested_conditions", "object-type-inside-an-interface-condition-and-outside"),
        ),
    ),
)
