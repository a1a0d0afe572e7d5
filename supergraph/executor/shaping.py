"""Response shaping: merged subgraph data -> exactly the client's selection set.

Field collection follows the GraphQL spec (CollectFields): fragments apply by
the runtime `__typename` and the API schema's possible types, fields keep the
order of first appearance, and `@skip`/`@include` are evaluated. Collected
field lists are cached per (selection set, runtime type, condition values), so
a list of a thousand objects is collected once. Completion applies null
propagation for non-null fields and emits `__typename`; nothing the client did
not select is copied.

Subgraph values are never trusted: each is checked against the API schema's type
as it is copied (RESPONSE_VALIDATION_FAILED at its path, then null propagation):
built-in scalars must be the JSON their serialisation gives (String a string,
Boolean a boolean, Int an integer of 32 bits, Float a number, ID a string or an
integer, given as a string), enum values must exist, objects be objects and lists
lists; custom scalars pass as any JSON. The common case, a value of the right
JSON type, costs one type identity check (`type(v) is str`; for Int also
its range).

Every null in a non-null position carries an error: a null or missing value there
gets "Cannot return null for non-nullable field" unless an error at that path,
above it or below it (for a missing value: anywhere in its object) already
explains it: a failed fetch, a subgraph error, an invalid value. Looking for one
is done only on that failure path.

Shaping counts its work in fields completed (each object adds its collected fields),
and may be given a budget: a run that would pass it stops (`ShapingOverBudget`) with
nothing of its output kept. The router uses that to keep large responses off the
event loop (pipeline.py): a response is shaped there only while it stays small,
otherwise on the compute worker, where the loop's other requests preempt it. The
largest work seen is kept per shaper (`work`), so an operation that once needed the
worker goes there at once. Shaping may thus run on both threads for one operation:
field collection, the only thing a run writes into the shaper, happens under a lock.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, cast

import orjson
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
    OperationDefinitionNode,
    is_abstract_type,
)
from mypy_extensions import mypyc_attr

from supergraph.errors import RESPONSE_VALIDATION_FAILED, UNAUTHORIZED_FIELD_OR_TYPE, graphql_error
from supergraph.executor.decoded_keys import decoded_key
from supergraph.executor.denied_below import denied_keys, has_denied
from supergraph.executor.errors import UNAUTHORIZED_MESSAGE
from supergraph.executor.selections import (
    FieldSelection,
    Selections,
    compile_operation,
    included,
)
from supergraph.types import JSONObject, ResponsePath, Variables

_TYPENAME: Final = "__typename"
_TYPENAME_KEY: Final = decoded_key(_TYPENAME)
"""`__typename` to look up in decoded objects (decoded_keys.py)."""
_INTROSPECTION_FIELDS: Final = frozenset({"__schema", "__type"})


class _Invalid:
    """A null in a non-null position: propagates to the nearest nullable parent."""


_INVALID: Final = _Invalid()


class _Missing:
    """A field the merged data does not have (its fetch failed or its entity was null)."""


_MISSING: Final = _Missing()


class ShapingOverBudget(Exception):
    """A budgeted run would complete more fields than its budget (see the module doc)."""


_COLLECTING: Final = threading.Lock()
"""Held while a collection is filled into a group (rare: once per group and runtime type)."""

# The type whose fields are collected: the object's runtime type, or an
# interface when the data cannot say which object it is (see `runtime_type`).
_Runtime = GraphQLObjectType | GraphQLInterfaceType

# A response path as a linked list (parent, key), materialized only for errors.
_Path = tuple[object, str | int] | None


@dataclass(slots=True)
class _Group:
    """The sub-selections of one response field (several when fields merge).

    Collected fields are cached per (condition key, runtime type name). Nearly
    every group only ever sees one of those: it is kept in three slots, and
    the dict for any others exists only once needed (a group per object field
    of every cached operation adds up).
    """

    selection_sets: tuple[Selections, ...]
    key: tuple[object, ...] = ()
    type_name: str = ""
    """"": nothing collected yet."""
    entries: tuple[_Entry, ...] = ()
    others: dict[tuple[tuple[object, ...], str], tuple[_Entry, ...]] | None = None
    denied: bool | None = None
    """Whether a field below is denied (None: not looked yet; see `denied_below`)."""
    runtime: _Runtime | None = None
    """The type object named `type_name` in this process (not pickled): `shape_object`
    tests it by identity, where comparing names reads a graphql-core attribute and
    compares two strings for every object shaped (2% of a large answer, compiled)."""

    def __reduce__(self) -> tuple[type[_Group], tuple[object, ...]]:
        # Pickled back from compile processes as a constructor call, as the selections
        # are: the mypyc build (scripts/build_compiled.py) cannot unpickle it otherwise.
        return _Group, (
            self.selection_sets,
            self.key,
            self.type_name,
            self.entries,
            self.others,
            self.denied,
        )


_SCALAR: Final = 0
"""A built-in scalar other than Int: valid as it is when its class is `expected`."""
_ENUM: Final = 1
_LIST: Final = 2
_OBJECT: Final = 3
_ABSTRACT: Final = 4
_INT: Final = 5
"""Int: also range-checked, so it is a kind of its own on the hot path."""
_CUSTOM: Final = 6
"""A custom scalar: any JSON value."""
_LEAVES: Final = frozenset({_SCALAR, _INT, _CUSTOM})

_UNBOUNDED: Final = 1 << 60
"""No budget, in fields. Not sys.maxsize: compiled, an int past 2**62 is a boxed Python
int, and the budget is counted down for every object shaped (5% of a large answer)."""

_INT_MIN: Final = -(2**31)
_INT_MAX: Final = 2**31 - 1

_EXPECTED: Final[Mapping[str, type]] = {
    "String": str,
    "Boolean": bool,
    "Float": float,
    "ID": str,
    "Int": int,
}
"""The Python type orjson decodes each built-in scalar's usual serialisation to. A float
as decoded is finite: orjson refuses NaN and infinities, which JSON does not have."""


@dataclass(frozen=True, slots=True)
class _Shape:
    """A field's output type, compiled once so completion needs no type checks."""

    non_null: bool
    kind: int
    item: _Shape | None = None
    type_name: str = ""
    """The named type (scalar, enum, object or abstract), for messages."""
    enum_values: frozenset[str] = frozenset()
    object_type: GraphQLObjectType | None = None
    expected: type | None = None
    """Scalars: the Python type of a valid value as decoded (None: custom scalar)."""
    leaf_types: frozenset[type] = frozenset()
    """Scalars: the Python types every item of a list of them may have, None included
    when nullable (empty for custom scalars)."""

    def __reduce__(self) -> tuple[type[_Shape], tuple[object, ...]]:
        return _Shape, (
            self.non_null,
            self.kind,
            self.item,
            self.type_name,
            self.enum_values,
            self.object_type,
            self.expected,
            self.leaf_types,
        )


def _compile(field_type: GraphQLOutputType) -> _Shape:
    non_null = isinstance(field_type, GraphQLNonNull)
    inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    if isinstance(inner, GraphQLList):
        return _Shape(non_null, _LIST, item=_compile(inner.of_type))
    name = inner.name
    if isinstance(inner, GraphQLEnumType):
        return _Shape(non_null, _ENUM, type_name=name, enum_values=frozenset(inner.values))
    if isinstance(inner, GraphQLObjectType):
        return _Shape(non_null, _OBJECT, type_name=name, object_type=inner)
    if isinstance(inner, GraphQLInterfaceType | GraphQLUnionType):
        return _Shape(non_null, _ABSTRACT, type_name=name)
    expected = _EXPECTED.get(name)
    if expected is None:
        return _Shape(non_null, _CUSTOM, type_name=name)
    kind = _INT if name == "Int" else _SCALAR
    leaf_types = frozenset({expected} if non_null else {expected, type(None)})
    return _Shape(non_null, kind, type_name=name, expected=expected, leaf_types=leaf_types)


# What `shape_object` does with an entry besides completing its shape.
_PLAIN: Final = 0
_TYPENAME_ENTRY: Final = 1
_INTROSPECTION_ENTRY: Final = 2
_DENIED_ENTRY: Final = 3


@dataclass(slots=True)
class _Entry:
    """One collected response field of a runtime object type.

    Never changed once built (leaf entries are shared by every shaper of the
    schema), but not frozen: a frozen dataclass's __init__ sets each attribute
    through object.__setattr__, twice the instructions of this one, and a new
    operation builds an entry per object field (bench/first_shaping.py)."""

    response_name: str
    name: str
    parent_type: str
    shape: _Shape | None
    """None for `__typename` and introspection fields."""
    group: _Group | None
    introspection: bool = False
    denied: bool = False
    """Removed by authorization: null with an UNAUTHORIZED_FIELD_OR_TYPE error."""
    special: int = field(init=False)
    kind: int = field(init=False)
    """The shape's kind, -1 for special entries: read once per field on the hot path."""
    expected: type | None = field(init=False)
    """The shape's `expected` (scalars): read on the hot path."""

    def __post_init__(self) -> None:
        # Looked up in every object shaped: as the object orjson decodes it to.
        self.response_name = decoded_key(self.response_name)
        special = _PLAIN
        if self.denied:
            special = _DENIED_ENTRY
        elif self.introspection:
            special = _INTROSPECTION_ENTRY
        elif self.shape is None:
            special = _TYPENAME_ENTRY
        self.special = special
        self.kind = -1 if special != _PLAIN or self.shape is None else self.shape.kind
        self.expected = None if self.shape is None else self.shape.expected

    def __reduce__(self) -> tuple[type[_Entry], tuple[object, ...]]:
        return _Entry, (
            self.response_name,
            self.name,
            self.parent_type,
            self.shape,
            self.group,
            self.introspection,
            self.denied,
        )


# Bound on each schema-wide cache: keys come from validated documents (schema
# names) or subgraph data (type names), but nothing may grow without limit.
_SHARED_LIMIT: Final = 100_000


class SchemaShapes:
    """What the shapers of one schema share instead of each holding its own copy:
    compiled field types, the entries of unaliased leaf fields, leaf selections,
    and the runtime types of abstract ones."""

    __slots__ = ("_entries", "_runtime", "_shapes", "leaves", "schema")

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self._shapes: dict[tuple[str, str], _Shape] = {}
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._runtime: dict[tuple[str, object], _Runtime | None] = {}
        self.leaves: dict[str, FieldSelection] = {}
        """Unaliased leaf selections without conditions, by field name (`selections.py`)."""

    def shape(self, runtime: _Runtime, name: str) -> _Shape:
        key = (runtime.name, name)
        shape = self._shapes.get(key)
        if shape is None:
            shape = _compile(runtime.fields[name].type)
            if len(self._shapes) < _SHARED_LIMIT:
                self._shapes[key] = shape
        return shape

    def leaf(self, runtime: _Runtime, name: str) -> _Entry:
        """The entry of the unaliased leaf field (or `__typename`) `name`, allowed."""
        key = (runtime.name, name)
        entry = self._entries.get(key)
        if entry is None:
            shape = None if name == _TYPENAME else self.shape(runtime, name)
            entry = _Entry(name, name, runtime.name, shape, None)
            if len(self._entries) < _SHARED_LIMIT:
                self._entries[key] = entry
        return entry

    def runtime_type(self, abstract: str, typename: object) -> _Runtime | None:
        key = (abstract, typename)
        if key in self._runtime:
            return self._runtime[key]
        runtime = self._resolve_runtime(abstract, typename)
        if len(self._runtime) < _SHARED_LIMIT:
            self._runtime[key] = runtime
        return runtime

    def _resolve_runtime(self, abstract: str, typename: object) -> _Runtime | None:
        schema = self.schema
        parent = schema.get_type(abstract)
        if parent is None:
            return None
        if typename is None or typename == abstract:
            # No concrete type in the data: a subgraph that only knows the interface
            # (e.g. an @interfaceObject) answered, and the planner fetched no
            # __typename because the selection needs none. Interface fields can
            # still be shaped; type-conditioned fragments on objects cannot apply.
            return parent if isinstance(parent, GraphQLInterfaceType) else None
        runtime = schema.get_type(typename) if isinstance(typename, str) else None
        if not isinstance(runtime, GraphQLObjectType):
            return None
        if is_abstract_type(parent) and schema.is_sub_type(parent, runtime):
            return runtime
        return None


# Pickled back from compile processes with its state, so it must be creatable without
# __init__: in the mypyc build (scripts/build_compiled.py) that takes this flag
# (mypyc 2.4's `serializable=True` would also skip __init__ on ResponseShaper(...)).
@mypyc_attr(allow_interpreted_subclasses=True)
class ResponseShaper:
    """Shapes responses for one operation; build once per plan and reuse."""

    __slots__ = (
        "_condition_variables",
        "_root",
        "_root_type",
        "_schema",
        "_shared",
        "denies",
        "shaped",
        "work",
    )

    def __init__(
        self,
        schema: GraphQLSchema,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        denied: Collection[FieldNode] = (),
        shared: SchemaShapes | None = None,
    ) -> None:
        """`denied`: field nodes of `operation`/`fragments` the caller may not see.
        `shared`: the schema's shared pieces (the router passes one for all shapers).

        The operation is compiled to compact selections here: the shaper lives as
        long as its cached plan and keeps no AST node (see `selections.py`)."""
        if shared is None:
            shared = SchemaShapes(schema)
        elif shared.schema is not schema:
            raise ValueError("the shared shapes belong to another schema")
        self._schema = schema
        self._shared = shared
        root_type = schema.get_root_type(operation.operation)
        if root_type is None:
            raise ValueError(f"the schema has no {operation.operation.value} root type")
        self._root_type = root_type
        compiled = compile_operation(operation.selection_set, fragments, denied, shared.leaves)
        self._root = _Group((compiled.selections,))
        self._condition_variables = compiled.condition_variables
        self.denies = bool(denied)
        """Authorization removed fields for this caller (their errors need looking for)."""
        self.work = compiled.fields
        """The most fields a run has completed (aborted ones included); before any run,
        the operation's own field count (named fragments once): a lower bound."""
        self.shaped = False
        """A run has completed: the shapes it needed are built (pipeline/shape.py gives
        a first run, about three times dearer, a smaller budget on the event loop)."""

    def shape(
        self,
        data: JSONObject,
        variables: Variables,
        errors: list[JSONObject],
        introspection: JSONObject | None = None,
        budget: int | None = None,
        pause: Callable[[], int] | None = None,
    ) -> JSONObject | None:
        """The client's `data`; appends value-completion errors (invalid values, nulls
        in non-null positions) to `errors`. With a `budget` (fields), a run that would
        complete more raises ShapingOverBudget, `errors` as they were; with `pause`
        too, it calls `pause()` instead, which returns the next budget (a thread
        shaping at low priority steps aside there: pipeline/fresh.py)."""
        run = _Shaping(self, variables, errors, introspection or {})
        start = _UNBOUNDED if budget is None else budget
        run.left = start
        run.pause = pause
        reported = len(errors)
        try:
            result = run.shape_object(self._root_type, data, self._root, None)
        except ShapingOverBudget:
            del errors[reported:]
            raise
        finally:
            # Racy between threads, and only an estimate: a lost update is harmless.
            work = start - run.left + run.granted
            if work > self.work:
                self.work = work
        self.shaped = True
        return None if result is _INVALID else result  # type: ignore[return-value]

    def shape_at(
        self,
        type_name: str,
        value: JSONObject,
        variables: Variables,
        errors: list[JSONObject],
        path: Sequence[str | int],
    ) -> JSONObject | None:
        """The object `value` of type `type_name`, found at `path` of the response, shaped
        by this operation's selections (a deferred fragment's part: its nulls stop at
        this object, which is None when one reaches it); errors as `shape`'s."""
        runtime = self._schema.get_type(type_name)
        if not isinstance(runtime, GraphQLObjectType):
            raise ValueError(f"{type_name} is not an object type")
        run = _Shaping(self, variables, errors, {})
        at: _Path = None
        for key in path:
            at = (at, key)
        result = run.shape_object(runtime, value, self._root, at)
        return None if result is _INVALID else result  # type: ignore[return-value]

    def denied_below(self, group: _Group) -> bool:
        """Does authorization deny a field below `group` (looked up once per group)?"""
        if not self.denies:
            return False
        if group.denied is None:
            group.denied = has_denied(group.selection_sets)
        return group.denied

    def condition_key(self, variables: Variables) -> tuple[object, ...]:
        return tuple(bool(variables.get(name)) for name in self._condition_variables)

    def possible_types(self, interface: GraphQLInterfaceType) -> Sequence[GraphQLObjectType]:
        return self._schema.get_possible_types(interface)

    def runtime_type(self, abstract: str, typename: object) -> _Runtime | None:
        return self._shared.runtime_type(abstract, typename)

    def fields(
        self,
        runtime: _Runtime,
        group: _Group,
        variables: Variables,
        condition_key: tuple[object, ...],
    ) -> tuple[_Entry, ...]:
        type_name = runtime.name
        if group.type_name == type_name and group.key == condition_key:
            if group.runtime is None:
                group.runtime = runtime  # unpickled from a compile process
            return group.entries
        others = group.others
        cached = others.get((condition_key, type_name)) if others is not None else None
        if cached is not None:
            return cached
        with _COLLECTING:
            # Another thread may have filled it meanwhile. The first slot is written
            # once, its type name last: a reader that sees the name sees the entries.
            if not group.type_name:
                entries = self._collect(runtime, group, variables)
                group.entries = entries
                group.key = condition_key
                group.type_name = type_name
                group.runtime = runtime
                return entries
            if group.type_name == type_name and group.key == condition_key:
                return group.entries
            if group.others is None:
                group.others = {}
            cached = group.others.get((condition_key, type_name))
            if cached is None:
                cached = group.others[(condition_key, type_name)] = self._collect(
                    runtime, group, variables
                )
            return cached

    def _collect(
        self, runtime: _Runtime, group: _Group, variables: Variables
    ) -> tuple[_Entry, ...]:
        sets = group.selection_sets
        if len(sets) == 1:
            plain = self._collect_plain(runtime, sets[0])
            if plain is not None:
                return plain
        by_name: dict[str, list[FieldSelection]] = {}
        for selections in sets:
            self._collect_into(runtime, selections, variables, by_name, set())
        is_root = group is self._root
        entries: list[_Entry] = []
        shared = self._shared
        fields = runtime.fields
        for response_name, collected in by_name.items():
            if len(collected) == 1:
                # Nearly every field: selected once, allowed, of this type (neither
                # `__typename` nor introspection: those are not in `fields`). This
                # runs once per field of a new operation, on the router process's
                # compute thread: a fresh 3,300-field operation spent ~2/3 of its
                # first shaping here (bench/hostile.py large_operations).
                node = collected[0]
                name = node.name
                if not node.denied and name in fields:
                    below = node.selections
                    if below is None and response_name == name:
                        entries.append(shared.leaf(runtime, name))
                    else:
                        group_below = None if below is None else _Group((below,))
                        shape = shared.shape(runtime, name)
                        entries.append(
                            _Entry(response_name, name, runtime.name, shape, group_below)
                        )
                    continue
            allowed = [n for n in collected if not n.denied]
            nodes = allowed or collected
            name = nodes[0].name
            sub_sets = tuple(n.selections for n in nodes if n.selections is not None)
            sub = _Group(sub_sets) if sub_sets else None
            if not allowed and name in fields:
                shape = shared.shape(runtime, name)
                entries.append(_Entry(response_name, name, runtime.name, shape, None, denied=True))
            elif name == _TYPENAME:
                if response_name == name:
                    entries.append(shared.leaf(runtime, name))
                else:
                    entries.append(_Entry(response_name, name, runtime.name, None, None))
            elif is_root and name in _INTROSPECTION_FIELDS:
                entries.append(_Entry(response_name, name, runtime.name, None, None, True))
            elif name in fields:
                if sub is None and response_name == name:
                    entries.append(shared.leaf(runtime, name))
                else:
                    shape = shared.shape(runtime, name)
                    entries.append(_Entry(response_name, name, runtime.name, shape, sub))
        return tuple(entries)

    def _collect_plain(
        self, runtime: _Runtime, selections: Selections
    ) -> tuple[_Entry, ...] | None:
        """The entries of one selection set of only fields, each selected once,
        unconditional and allowed: nearly every set. None for any other set.

        This runs once per object field of a new operation, on the router
        process's compute thread: one pass, no lists per response name and no
        fragment set, as a fresh 3,300-field operation's first shaping spent
        most of its time collecting (bench/first_shaping.py)."""
        fields = runtime.fields
        shared = self._shared
        type_name = runtime.name
        by_name: dict[str, _Entry] = {}
        for selection in selections:
            if type(selection) is not FieldSelection or selection.conditions:
                return None
            name = selection.name
            if selection.denied or name not in fields:
                return None
            response_name = selection.response_name
            below = selection.selections
            if below is None and response_name == name:
                by_name[response_name] = shared.leaf(runtime, name)
            else:
                group = None if below is None else _Group((below,))
                shape = shared.shape(runtime, name)
                by_name[response_name] = _Entry(response_name, name, type_name, shape, group)
        if len(by_name) != len(selections):
            return None  # a response name selected twice: its selections merge
        return tuple(by_name.values())

    def _collect_into(
        self,
        runtime: _Runtime,
        selections: Selections,
        variables: Variables,
        out: dict[str, list[FieldSelection]],
        visited: set[str],
    ) -> None:
        for selection in selections:
            if selection.conditions and not included(selection.conditions, variables):
                continue
            if isinstance(selection, FieldSelection):
                out.setdefault(selection.response_name, []).append(selection)
                continue
            fragment_name = selection.fragment
            if fragment_name is not None:
                if fragment_name in visited:
                    continue
                visited.add(fragment_name)
            condition = selection.type_condition
            if condition is None or self._applies(runtime, condition):
                self._collect_into(runtime, selection.selections, variables, out, visited)

    def _applies(self, runtime: _Runtime, condition: str) -> bool:
        if condition == runtime.name:
            return True
        condition_type = self._schema.get_type(condition)
        return (
            condition_type is not None
            and is_abstract_type(condition_type)
            and self._schema.is_sub_type(condition_type, runtime)
        )


class _Shaping:
    """One shaping run: variables, the error list, introspection results."""

    __slots__ = (
        "condition_key",
        "errors",
        "explained",
        "granted",
        "introspection",
        "left",
        "pause",
        "shaper",
        "variables",
    )

    def __init__(
        self,
        shaper: ResponseShaper,
        variables: Variables,
        errors: list[JSONObject],
        introspection: JSONObject,
    ) -> None:
        self.shaper = shaper
        self.variables = variables
        self.errors = errors
        self.introspection = introspection
        # The @skip/@include variable values, computed once: they key field collection.
        self.condition_key = shaper.condition_key(variables)
        self.explained: _ErrorPaths | None = None
        """Built on the first null that needs an error (the failure path only)."""
        self.left = _UNBOUNDED
        """The budget left, in fields: each object shaped takes its collected fields."""
        self.pause: Callable[[], int] | None = None
        """Called when the budget runs out (instead of stopping): the next budget."""
        self.granted = 0
        """Fields the budget got from `pause` (so the work done stays known)."""

    def shape_object(
        self, runtime: _Runtime, value: JSONObject, group: _Group, path: _Path
    ) -> JSONObject | _Invalid:
        key = self.condition_key
        if group.runtime is runtime and (group.key is key or group.key == key):
            entries = group.entries
        else:
            entries = self.shaper.fields(runtime, group, self.variables, self.condition_key)
        left = self.left - len(entries)
        self.left = left
        if left < 0:
            pause = self.pause
            if pause is None:
                raise ShapingOverBudget
            more = pause()
            self.granted += more
            self.left = left + more
        out: JSONObject = {}
        # The common cases (scalars of the right JSON type, objects of a concrete type,
        # lists of them) are completed inline: this loop runs for every object of the
        # response. Anything else (nulls, enums, abstract types, invalid values) goes
        # through `complete`.
        for entry in entries:
            name = entry.response_name
            kind = entry.kind
            if kind == _SCALAR:
                item = value.get(name)
                # orjson decodes to exact types. `type()`, not `__class__` (4 ns less
                # interpreted): compiled, `type()` reads the object's type where
                # `__class__` is a generic attribute lookup.
                if type(item) is entry.expected:
                    out[name] = item
                    continue
            elif kind == _INT:
                item = value.get(name)
                if type(item) is int and _INT_MIN <= item <= _INT_MAX:
                    out[name] = item
                    continue
            elif kind == _OBJECT:
                item = value.get(name)
                sub_group = entry.group
                if type(item) is dict and sub_group is not None:
                    shape = entry.shape
                    assert shape is not None and shape.object_type is not None
                    sub: object = self.shape_object(
                        shape.object_type, item, sub_group, (path, name)
                    )
                    if sub is _INVALID:
                        if shape.non_null:
                            return self.abandon(entries, entry, value, path)
                        sub = None
                    out[name] = sub
                    continue
            elif kind == _LIST:
                item = value.get(name)
                if type(item) is list:
                    shape = entry.shape
                    assert shape is not None
                    completed = self.list(entry, shape, item, (path, name))
                    if completed is _INVALID:
                        if shape.non_null:
                            return self.abandon(entries, entry, value, path)
                        completed = None
                    out[name] = completed
                    continue
            elif kind == _CUSTOM:
                item = value.get(name)
                if item is not None:
                    out[name] = item
                    continue
            elif kind < 0:
                answer = self.special(entry, runtime, path)
                if answer is _INVALID:
                    return self.abandon(entries, entry, value, path)
                out[name] = answer
                continue
            shape = entry.shape
            assert shape is not None
            completed = self.complete(entry, shape, value.get(name, _MISSING), (path, name))
            if completed is _INVALID:
                return self.abandon(entries, entry, value, path)
            out[name] = completed
        return out

    def special(self, entry: _Entry, runtime: _Runtime, path: _Path) -> object:
        """A denied field (null, or `_INVALID` when non-null), introspection or `__typename`."""
        special = entry.special
        if special == _DENIED_ENTRY:
            return _INVALID if self.denied(entry, path) else None
        if special == _INTROSPECTION_ENTRY:
            return self.introspection.get(entry.response_name)
        return runtime.name

    # -- denied fields where shaping does not go (the failure path only) ----------

    def abandon(
        self, entries: tuple[_Entry, ...], failed: _Entry, value: JSONObject, path: _Path
    ) -> _Invalid:
        """A null propagates from `failed` to this object: the fields after it are not
        shaped, but their denied fields still get their errors (docs/auth.md)."""
        if self.shaper.denies:
            after = next(i for i, entry in enumerate(entries) if entry is failed) + 1
            self.report_denied(entries[after:], value, path)
        return _INVALID

    def abandon_items(
        self, entry: _Entry, item_shape: _Shape, items: list[object], failed: int, path: _Path
    ) -> _Invalid:
        """As `abandon`, for the items after the one whose null nulls the list."""
        if entry.group is not None and self.shaper.denied_below(entry.group):
            for index in range(failed + 1, len(items)):
                self.report_value(entry, item_shape, items[index], (path, index))
        return _INVALID

    def report_denied(self, entries: Iterable[_Entry], value: JSONObject, path: _Path) -> None:
        """The errors of the denied fields among `entries` of one object, and below."""
        for entry in entries:
            if entry.special == _DENIED_ENTRY:
                self.denied(entry, path)
                continue
            shape, group = entry.shape, entry.group
            if shape is None or group is None or not self.shaper.denied_below(group):
                continue
            name = entry.response_name
            self.report_value(entry, shape, value.get(name), (path, name))

    def report_value(self, entry: _Entry, shape: _Shape, value: object, path: _Path) -> None:
        """`report_denied` for a value not shaped: its objects', or `hidden` without one."""
        item_shape = shape.item
        if item_shape is not None:
            if type(value) is not list:
                self.hidden(entry, path)
                return
            for index, item in enumerate(value):
                self.report_value(entry, item_shape, item, (path, index))
            return
        runtime: _Runtime | None = None
        if type(value) is dict and entry.group is not None:
            runtime = shape.object_type or self.shaper.runtime_type(
                shape.type_name, value.get(_TYPENAME_KEY)
            )
        if runtime is None or entry.group is None:
            self.hidden(entry, path)
            return
        assert type(value) is dict
        entries = self.shaper.fields(runtime, entry.group, self.variables, self.condition_key)
        self.report_denied(entries, value, path)

    def hidden(self, entry: _Entry, path: _Path) -> None:
        """No object at `path` (null, missing or invalid): each denied field below gets
        its error at `path` and the response keys down to it (denied_below.py)."""
        group = entry.group
        if group is None or not self.shaper.denied_below(group):
            return
        at = _materialize(path)
        for keys in denied_keys(group.selection_sets, self.variables):
            self.errors.append(
                graphql_error(
                    UNAUTHORIZED_MESSAGE, path=[*at, *keys], code=UNAUTHORIZED_FIELD_OR_TYPE
                )
            )

    def denied(self, entry: _Entry, path: _Path) -> bool:
        """Reports a field authorization removed; True when its null propagates up."""
        name = entry.response_name
        self.errors.append(
            graphql_error(
                UNAUTHORIZED_MESSAGE,
                path=_materialize((path, name)),
                code=UNAUTHORIZED_FIELD_OR_TYPE,
            )
        )
        return entry.shape is not None and entry.shape.non_null

    def complete(self, entry: _Entry, shape: _Shape, value: object, path: _Path) -> object:
        """The completed value, or `_INVALID` when a non-null position ends up null.

        A null or missing value in a non-null position gets an error unless one
        already explains it (`null_error`): a failed fetch, a subgraph error, an
        invalid value. An entity unknown to its subgraph leaves its fields missing
        with nothing to explain them: they get this error, as the spec wants (Apollo
        Gateway reports it only in `extensions`). An invalid value gets its own error
        here; a child that was nulled already has one.
        """
        if value is None or value is _MISSING:
            if shape.non_null:
                self.null_error(entry, path, missing=value is _MISSING)
            if entry.group is not None and self.shaper.denies:
                self.hidden(entry, path)
            return _INVALID if shape.non_null else None
        kind = shape.kind
        if kind in _LEAVES:
            completed = self.scalar(shape, value, path)
        elif kind == _ENUM:
            completed = self.enum(shape, value, path)
        elif kind == _LIST:
            completed = self.list(entry, shape, value, path)
        else:
            completed = self.composite(entry, shape, value, path)
        if completed is _INVALID:
            return _INVALID if shape.non_null else None
        return completed

    def scalar(self, shape: _Shape, value: object, path: _Path) -> object:
        if shape.expected is None:
            return value  # a custom scalar: any JSON value
        completed = _coerce(shape.type_name, value)
        if completed is _INVALID:
            self.invalid(_scalar_message(shape.type_name, value), path)
        return completed

    def enum(self, shape: _Shape, value: object, path: _Path) -> object:
        if type(value) is str and value in shape.enum_values:
            return value
        self.invalid(f'Enum "{shape.type_name}" cannot represent value: {_show(value)}', path)
        return _INVALID

    def list(self, entry: _Entry, shape: _Shape, value: object, path: _Path) -> object:
        item_shape = shape.item
        assert item_shape is not None
        if type(value) is not list:
            self.invalid(f"Expected a list, got {_show(value)}", path)
            self.hidden(entry, path)
            return _INVALID
        item_kind = item_shape.kind
        if item_kind in _LEAVES and _valid_leaves(item_shape, value):
            return value  # every item already what the client gets
        items: list[object] = []
        group = entry.group
        object_type = item_shape.object_type
        if item_kind == _OBJECT and group is not None and object_type is not None:
            # Lists of objects of one concrete type: the wide responses' hot path.
            for index, item in enumerate(value):
                completed: object
                if type(item) is dict:
                    completed = self.shape_object(object_type, item, group, (path, index))
                    if completed is _INVALID:
                        if item_shape.non_null:
                            return self.abandon_items(entry, item_shape, value, index, path)
                        completed = None
                else:
                    completed = self.complete(entry, item_shape, item, (path, index))
                    if completed is _INVALID:
                        return self.abandon_items(entry, item_shape, value, index, path)
                items.append(completed)
            return items
        for index, item in enumerate(value):
            completed = self.complete(entry, item_shape, item, (path, index))
            if completed is _INVALID:
                return self.abandon_items(entry, item_shape, value, index, path)
            items.append(completed)
        return items

    def composite(self, entry: _Entry, shape: _Shape, value: object, path: _Path) -> object:
        if type(value) is not dict or entry.group is None:
            self.invalid(
                f'Expected an object of type "{shape.type_name}", got {_show(value)}', path
            )
            self.hidden(entry, path)
            return _INVALID
        runtime: _Runtime | None = shape.object_type
        if runtime is None:
            typename = value.get(_TYPENAME_KEY)
            runtime = self.shaper.runtime_type(shape.type_name, typename)
            if runtime is None:
                self.invalid(
                    f'Abstract type "{shape.type_name}" cannot be of type {_show(typename)}', path
                )
                self.hidden(entry, path)
                return _INVALID
            if isinstance(runtime, GraphQLInterfaceType) and (
                self.asks_typename(runtime, entry) or self.failed_lookup(runtime, entry, path)
            ):
                self.unresolved(entry, shape, path)
                self.hidden(entry, path)
                return _INVALID
        return self.shape_object(runtime, value, entry.group, path)

    def asks_typename(self, runtime: _Runtime, entry: _Entry) -> bool:
        """Does the client select `__typename` (under any alias) of this object?"""
        assert entry.group is not None
        entries = self.shaper.fields(runtime, entry.group, self.variables, self.condition_key)
        return any(e.special == _TYPENAME_ENTRY for e in entries)

    def failed_lookup(self, runtime: GraphQLInterfaceType, entry: _Entry, path: _Path) -> bool:
        """Did the lookup of this object's type fail with an error inside the object,
        while the client selects fields that depend on that type?

        The subgraph with the real interface reports an error inside the object (a
        non-null field of its object type failed, so `_entities` holds null there):
        the object is of a type whose fields the client selects, and one of them
        failed, so the object cannot be completed. Leaving the type conditions out
        would answer an object next to an error for one of its fields."""
        assert entry.group is not None
        errors = self.errors
        if not errors:
            return False
        concrete = tuple(_materialize(path))
        if not any(_strictly_below(e.get("path"), concrete) for e in errors):
            return False
        names = self.response_names(runtime, entry)
        return any(
            self.response_names(t, entry) != names for t in self.shaper.possible_types(runtime)
        )

    def response_names(self, runtime: _Runtime, entry: _Entry) -> tuple[str, ...]:
        assert entry.group is not None
        entries = self.shaper.fields(runtime, entry.group, self.variables, self.condition_key)
        return tuple(e.response_name for e in entries)

    def unresolved(self, entry: _Entry, shape: _Shape, path: _Path) -> None:
        """An object whose object type is unknown, with its `__typename` selected.

        Only a subgraph that knows the interface alone (an @interfaceObject)
        answered for it, and the lookup of its object type in a subgraph with
        the real interface failed: the interface's name is not an answer
        (`__typename` is always an object type), so the object is an error at
        its path, unless the lookup's own error already explains it.
        """
        concrete = _materialize(path)
        explained = self.explained
        if explained is None:
            explained = self.explained = _ErrorPaths()
        if explained.explains(self.errors, concrete):
            return
        self.errors.append(
            graphql_error(
                f'Abstract type "{shape.type_name}" must resolve to an Object type at runtime '
                f'for field "{entry.parent_type}.{entry.name}": no subgraph resolved this '
                "object's type",
                path=concrete,
                code=RESPONSE_VALIDATION_FAILED,
            )
        )

    def invalid(self, message: str, path: _Path) -> None:
        """A subgraph value the schema does not allow: an error at its path."""
        self.errors.append(
            graphql_error(message, path=_materialize(path), code=RESPONSE_VALIDATION_FAILED)
        )

    def null_error(self, entry: _Entry, path: _Path, *, missing: bool) -> None:
        """A null in a non-null position: an error, unless one already explains it.

        A null the data holds is explained by an error at its path, above or below.
        A missing field also by one anywhere in its object: a subgraph that fails one
        non-null field of an entity drops the whole entity (`_entities.i` null, the
        error at `_entities.i.field`), so its other fields go missing for that same
        reason; one that fails a non-null root field answers `data: null`, and the
        other root fields it was asked for go missing with it."""
        concrete = _materialize(path)
        explained = self.explained
        if explained is None:
            explained = self.explained = _ErrorPaths()
        scope = concrete[:-1] if missing else concrete
        if explained.explains(self.errors, scope):
            return
        self.errors.append(
            graphql_error(
                f"Cannot return null for non-nullable field {entry.parent_type}.{entry.name}.",
                path=concrete,
                code=RESPONSE_VALIDATION_FAILED,
            )
        )


class _ErrorPaths:
    """The paths of the errors so far, to tell whether one explains a null at a path:
    an error at that path, at an ancestor (its object failed) or below it (a child
    failed and the null propagated). Errors are appended while shaping runs, so
    each question first takes in the ones added since the last."""

    __slots__ = ("at", "seen", "under")

    def __init__(self) -> None:
        self.at: set[tuple[object, ...]] = set()
        self.under: set[tuple[object, ...]] = set()
        """Every prefix of every error path (the path itself included)."""
        self.seen = 0

    def explains(self, errors: list[JSONObject], path: ResponsePath) -> bool:
        if self.seen < len(errors):
            self._add(errors[self.seen :])
            self.seen = len(errors)
        key = tuple(path)
        if key in self.under:
            return True
        at = self.at
        return any(key[:depth] in at for depth in range(len(key)))

    def _add(self, errors: Iterable[JSONObject]) -> None:
        for error in errors:
            path = error.get("path")
            if not isinstance(path, list) or _is_denial(error):
                continue
            key = tuple(path)
            if not all(type(k) is str or type(k) is int for k in key):
                continue  # a subgraph's malformed path explains nothing (and may not hash)
            self.at.add(key)
            self.under.update(key[:depth] for depth in range(len(key) + 1))


def _strictly_below(error_path: object, path: tuple[object, ...]) -> bool:
    return (
        isinstance(error_path, list)
        and len(error_path) > len(path)
        and tuple(error_path[: len(path)]) == path
    )


def _is_denial(error: JSONObject) -> bool:
    """An authorization error explains no other null: a denied field's own null is
    never checked, and its errors are reported also where shaping abandoned."""
    extensions = error.get("extensions")
    return isinstance(extensions, dict) and extensions.get("code") == UNAUTHORIZED_FIELD_OR_TYPE


def _coerce(scalar: str, value: object) -> object:
    """`value` as the built-in `scalar` serialises it, or `_INVALID`.

    Only what stands for the same value in JSON is accepted: an integral float
    for Int (5.0 -> 5), an integer for Float, an integer for ID (5 -> "5", as
    graphql-js serialises IDs). Nothing is guessed: "yes" or 5 is no Boolean,
    5 no String.
    """
    if scalar == "String":
        return value if type(value) is str else _INVALID
    if scalar == "Boolean":
        return value if type(value) is bool else _INVALID
    if type(value) is float and value.is_integer() and scalar != "Float":
        value = int(value)
    if scalar == "Int":
        return value if type(value) is int and _INT_MIN <= value <= _INT_MAX else _INVALID
    if scalar == "Float":
        finite = type(value) is int or (type(value) is float and math.isfinite(value))
        return value if finite else _INVALID
    if scalar == "ID":
        if type(value) is str:
            return value
        if type(value) is int:
            return str(value)
    return _INVALID


def _scalar_message(scalar: str, value: object) -> str:
    """graphql-js's words for a value a built-in scalar cannot represent."""
    shown = _show(value)
    if scalar == "Int":
        if type(value) is int or (type(value) is float and value.is_integer()):
            return f"Int cannot represent non 32-bit signed integer value: {shown}"
        return f"Int cannot represent non-integer value: {shown}"
    if scalar == "Float":
        return f"Float cannot represent non numeric value: {shown}"
    if scalar == "Boolean":
        return f"Boolean cannot represent a non boolean value: {shown}"
    return f"{scalar} cannot represent value: {shown}"


def _valid_leaves(shape: _Shape, values: list[object]) -> bool:
    """Whether a list of scalars can go to the client as it is (one C-speed pass)."""
    if shape.expected is None:  # custom scalars: anything but a null where none may be
        return not shape.non_null or None not in values
    if not shape.leaf_types.issuperset(map(type, values)):
        return False
    if shape.kind == _INT and values:
        if not shape.non_null and None in values:
            return False  # rare: let each item be checked
        ints = cast(list[int], values)
        return min(ints) >= _INT_MIN and max(ints) <= _INT_MAX
    return True


def _materialize(path: _Path) -> ResponsePath:
    keys: ResponsePath = []
    node: object = path
    while node is not None:
        link: tuple[object, str | int] = node  # type: ignore[assignment]
        keys.append(link[1])
        node = link[0]
    keys.reverse()
    return keys


_SHOWN_BYTES: Final = 100


def _show(value: object) -> str:
    """A value in a message: its JSON, cut short (a subgraph's value may be huge)."""
    if isinstance(value, str) and len(value) > _SHOWN_BYTES:
        value = value[:_SHOWN_BYTES]
    try:
        shown = orjson.dumps(value).decode()
    except TypeError:
        shown = repr(value)
    return shown if len(shown) <= _SHOWN_BYTES else shown[:_SHOWN_BYTES] + "..."
