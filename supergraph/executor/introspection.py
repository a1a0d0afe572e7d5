"""`__schema` and `__type` at the root, answered by the router from the API schema.

Only those root fields are executed with graphql-core (on the API schema, which
has no resolvers to call); everything else goes through the query plan.

Introspection results are static per schema: the same selection (and the same
values of the variables it uses) always gives the same data. So each distinct
root response (all the fields of one response name, printed without their
alias) is executed once and kept in `IntrospectionCache`; an operation that
repeats one selection under 700 aliases costs one execution, and GraphiQL's
introspection query on every page load costs a dictionary look-up. Results are
shared between responses (and between aliases of one response): they are
read-only. Before anything is answered, the JSON size of the response's
introspection data is summed from the sizes kept with the results and refused
over `max_bytes` (MAX_INTROSPECTION_BYTES_EXCEEDED).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import (
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    execute_sync,
    print_ast,
)

from supergraph.errors import MAX_INTROSPECTION_BYTES_EXCEEDED, graphql_error
from supergraph.executor.selections import Conditions, included
from supergraph.types import JSONObject, Variables

_INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


@dataclass(frozen=True, slots=True)
class IntrospectionResult:
    """One root response's data (read-only, shared), its errors and its JSON size."""

    data: Any
    errors: tuple[JSONObject, ...]
    size: int


class IntrospectionCache:
    """Results by what was executed, least recently used first out; bounded by entries
    and by the JSON bytes of the results plus the length of their keys."""

    def __init__(self, max_entries: int = 64, max_bytes: int = 16_000_000) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self.executions = 0
        """graphql-core executions so far (each a cache miss): what the cache saves."""
        self._items: OrderedDict[str, IntrospectionResult] = OrderedDict()

    def get(self, key: str) -> IntrospectionResult | None:
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def put(self, key: str, result: IntrospectionResult) -> None:
        cost = result.size + len(key)
        if cost > self.max_bytes // 2 or key in self._items:
            return  # one huge result must not flush every other one
        self._items[key] = result
        self.bytes += cost
        while len(self._items) > self.max_entries or self.bytes > self.max_bytes:
            old_key, old = self._items.popitem(last=False)
            self.bytes -= old.size + len(old_key)

    def __len__(self) -> int:
        return len(self._items)


class IntrospectionTooLarge(Exception):
    """The response's introspection data would be larger than allowed."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(size, limit)
        self.error = graphql_error(
            f"The introspection data of this operation would be {size} bytes;"
            f" the limit is {limit}.",
            code=MAX_INTROSPECTION_BYTES_EXCEEDED,
        )


@dataclass(frozen=True, slots=True)
class _RootField:
    response_name: str
    conditions: Conditions
    """@skip/@include of the field and of the root fragments around it."""
    node: FieldNode
    """The field without alias and without @skip/@include (what is executed)."""
    key: str
    """`node` printed, with the fragments it spreads: the cache key without variables."""
    fragments: tuple[str, ...]
    variables: tuple[str, ...]


class Introspection:
    """The introspection part of one operation, prepared once and run per request."""

    __slots__ = ("_fields", "_fragments", "_schema", "_variable_definitions")

    def __init__(
        self,
        schema: GraphQLSchema,
        fields: tuple[_RootField, ...],
        fragments: Mapping[str, FragmentDefinitionNode],
        operation: OperationDefinitionNode,
    ) -> None:
        self._schema = schema
        self._fields = fields
        self._fragments = fragments
        self._variable_definitions = operation.variable_definitions

    @classmethod
    def prepare(
        cls,
        schema: GraphQLSchema,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
    ) -> Introspection | None:
        """None when the operation has no root introspection field."""
        found = _root_fields(operation.selection_set, fragments)
        if not found:
            return None
        printed: dict[str, str] = {}
        fields = []
        for node, conditions in found:
            bare = FieldNode(
                name=node.name,
                arguments=node.arguments,
                directives=tuple(d for d in node.directives or () if not _is_condition(d)),
                selection_set=node.selection_set,
            )
            used = _fragments_used(bare, fragments)
            for name in used:
                if name not in printed:
                    printed[name] = print_ast(fragments[name])
            key = "\n".join((print_ast(bare), *(printed[name] for name in used)))
            variables = _variables(bare, (fragments[name] for name in used))
            response_name = node.alias.value if node.alias else node.name.value
            fields.append(_RootField(response_name, conditions, bare, key, used, variables))
        return cls(schema, tuple(fields), fragments, operation)

    def missing(self, cache: IntrospectionCache, raw_variables: Variables) -> list[PendingResult]:
        """What `run` would have to execute (not in `cache`): the router computes these
        off its event loop (`execute`), puts them in the cache, then runs."""
        pending: dict[str, PendingResult] = {}
        for roots in self._groups(raw_variables).values():
            key = self._key(roots, raw_variables)
            if key not in pending and cache.get(key) is None:  # aliases share a key
                pending[key] = PendingResult(key, self, tuple(roots), dict(raw_variables))
        return list(pending.values())

    def run(
        self,
        cache: IntrospectionCache,
        raw_variables: Variables,
        errors: list[JSONObject],
        max_bytes: int | None = None,
    ) -> tuple[JSONObject, int]:
        """The introspection data by response name, and its JSON size; raises
        IntrospectionTooLarge (before anything is added to `errors`) over `max_bytes`."""
        results: list[tuple[str, IntrospectionResult]] = []
        size = 0
        for response_name, roots in self._groups(raw_variables).items():
            key = self._key(roots, raw_variables)
            result = cache.get(key)
            if result is None:  # not computed ahead (or evicted since)
                result = self._execute(roots, raw_variables)
                cache.executions += 1
                cache.put(key, result)
            results.append((response_name, result))
            size += result.size
        if max_bytes is not None and size > max_bytes:
            raise IntrospectionTooLarge(size, max_bytes)
        data: JSONObject = {}
        for response_name, result in results:
            data[response_name] = result.data
            for error in result.errors:
                errors.append(_at(error, response_name))
        return data, size

    def _groups(self, raw_variables: Variables) -> dict[str, list[_RootField]]:
        groups: dict[str, list[_RootField]] = {}
        for root in self._fields:
            if not root.conditions or included(root.conditions, raw_variables):
                groups.setdefault(root.response_name, []).append(root)
        return groups

    @staticmethod
    def _key(roots: list[_RootField], raw_variables: Variables) -> str:
        names = sorted({name for root in roots for name in root.variables})
        values = {name: raw_variables.get(name) for name in names}
        key = "\n".join(root.key for root in roots)
        if values:
            key += "\n" + orjson.dumps(values, option=orjson.OPT_SORT_KEYS).decode()
        return key

    def _execute(
        self, roots: list[_RootField] | tuple[_RootField, ...], raw_variables: Variables
    ) -> IntrospectionResult:
        """Pure: graphql-core's execution of one response's root fields."""
        used = sorted({name for root in roots for name in root.fragments})
        operation = OperationDefinitionNode(
            operation=OperationType.QUERY,
            variable_definitions=self._variable_definitions,
            selection_set=SelectionSetNode(selections=tuple(root.node for root in roots)),
        )
        document = DocumentNode(definitions=(operation, *(self._fragments[name] for name in used)))
        executed = execute_sync(self._schema, document, variable_values=dict(raw_variables))
        field_name = roots[0].node.name.value
        data = (executed.data or {}).get(field_name)
        return IntrospectionResult(
            data,
            tuple(dict(error.formatted) for error in executed.errors or ()),
            len(orjson.dumps(data)),
        )


@dataclass(frozen=True, slots=True)
class PendingResult:
    """One response's introspection result to compute (`Introspection.missing`)."""

    key: str
    introspection: Introspection
    roots: tuple[_RootField, ...]
    variables: Variables

    def execute(self) -> IntrospectionResult:
        """Pure (no cache access): safe on a worker thread."""
        return self.introspection._execute(self.roots, self.variables)  # noqa: SLF001 (its own prepared half)


def _root_fields(
    selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> list[tuple[FieldNode, Conditions]]:
    """The root introspection fields, in document order, with the conditions above them
    (root fragments only: fields below the root are not introspection roots)."""
    found: list[tuple[FieldNode, Conditions]] = []
    # (selections left, conditions so far, fragments on the way): explicit stack.
    stack: list[tuple[list[Any], Conditions, frozenset[str]]] = [
        (list(reversed(selection_set.selections)), (), frozenset())
    ]
    while stack:
        pending, conditions, visited = stack[-1]
        if not pending:
            stack.pop()
            continue
        selection = pending.pop()
        here = conditions + _conditions(selection.directives)
        if isinstance(selection, FieldNode):
            if selection.name.value in _INTROSPECTION_FIELDS:
                found.append((selection, here))
        elif isinstance(selection, InlineFragmentNode):
            stack.append((list(reversed(selection.selection_set.selections)), here, visited))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in visited:
                inner = list(reversed(fragment.selection_set.selections))
                stack.append((inner, here, visited | {name}))
    return found


def _is_condition(directive: DirectiveNode) -> bool:
    return directive.name.value in ("skip", "include")


def _conditions(directives: tuple[DirectiveNode, ...] | None) -> Conditions:
    out: list[tuple[bool, bool | str]] = []
    for directive in directives or ():
        if not _is_condition(directive):
            continue
        value: bool | str = False
        for argument in directive.arguments or ():
            if argument.name.value == "if":
                if isinstance(argument.value, BooleanValueNode):
                    value = argument.value.value
                elif isinstance(argument.value, VariableNode):
                    value = argument.value.name.value
        out.append((directive.name.value == "skip", value))
    return tuple(out)


def _fragments_used(
    field: FieldNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> tuple[str, ...]:
    """Names of the fragments `field` spreads, directly or not, sorted."""
    used: set[str] = set()
    stack: list[SelectionSetNode] = [field.selection_set] if field.selection_set else []
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                if fragment is not None and name not in used:
                    used.add(name)
                    stack.append(fragment.selection_set)
            elif (
                isinstance(selection, (FieldNode, InlineFragmentNode))
                and selection.selection_set is not None
            ):
                stack.append(selection.selection_set)
    return tuple(sorted(used))


def _variables(field: FieldNode, fragments: Any) -> tuple[str, ...]:
    """Names of the variables used by `field` and `fragments` (arguments and directives)."""
    names: set[str] = set()
    stack: list[Any] = [field, *fragments]
    while stack:
        node = stack.pop()
        if isinstance(node, VariableNode):
            names.add(node.name.value)
            continue
        for key in node.keys:
            if key == "loc":
                continue
            value = getattr(node, key, None)
            if isinstance(value, tuple):
                stack.extend(value)
            elif value is not None and hasattr(value, "keys"):
                stack.append(value)
    return tuple(sorted(names))


def _at(error: JSONObject, response_name: str) -> JSONObject:
    """`error` with its path starting at `response_name` (it was executed unaliased)."""
    path = error.get("path")
    if isinstance(path, list) and path:
        return {**error, "path": [response_name, *path[1:]]}
    return dict(error)
