"""Every change between two API schemas, classified BREAKING / DANGEROUS / SAFE.

The classification is graphql-js's (`findBreakingChanges` /
`findDangerousChanges`, which graphql-core ports): a change is BREAKING when
an operation valid before can be invalid now or get a value of another type,
DANGEROUS when it stays valid but may answer differently (an enum value a
client does not know, a changed default), SAFE otherwise. graphql-core's
functions say neither where a change is (a schema coordinate) nor which changes
are safe, which `supergraph check` needs for its report; tests/governance check
that this module and graphql-core agree on every breaking and dangerous case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLType,
    GraphQLUnionType,
    Undefined,
    ast_from_value,
    is_specified_directive,
    is_specified_scalar_type,
    print_ast,
)

Severity = Literal["BREAKING", "DANGEROUS", "SAFE"]
SEVERITY_ORDER: dict[Severity, int] = {"BREAKING": 0, "DANGEROUS": 1, "SAFE": 2}


@dataclass(frozen=True, slots=True)
class Change:
    severity: Severity
    code: str
    """What changed, in graphql-js's names where it has one (FIELD_REMOVED, ...)."""
    path: str
    """The schema coordinate: `Product.weight`, `Query.product(upc:)`, `Status.SHIPPED`,
    `@cacheControl`."""
    message: str
    input_field: bool = False
    """Whether `path` is an input object's field (`Type.field` names either kind)."""
    newly_required: bool = False
    """An argument or input field that clients could leave out and now must give: it
    breaks the operations that use its field or input type without naming it."""

    def as_json(self) -> dict[str, str]:
        return {
            "severity": self.severity,
            "code": self.code,
            "path": self.path,
            "message": self.message,
        }


def diff_schemas(old: GraphQLSchema, new: GraphQLSchema) -> list[Change]:
    """The changes from `old` to `new`, most severe first, then by path."""
    changes = list(_types(old, new)) + list(_directives(old, new)) + list(_roots(old, new))
    changes.sort(key=lambda c: (SEVERITY_ORDER[c.severity], c.path, c.code))
    return changes


def _user_types(schema: GraphQLSchema) -> dict[str, GraphQLNamedType]:
    """The schema's own types: not introspection's, nor the built-in scalars (a schema
    holds `Float` only while something uses it)."""
    return {
        n: t
        for n, t in schema.type_map.items()
        if not n.startswith("__") and not is_specified_scalar_type(t)
    }


def _kind(named: GraphQLNamedType) -> str:
    return type(named).__name__.removeprefix("GraphQL").removesuffix("Type").lower()


def _types(old: GraphQLSchema, new: GraphQLSchema) -> Iterator[Change]:
    before, after = _user_types(old), _user_types(new)
    for name, old_type in before.items():
        new_type = after.get(name)
        if new_type is None:
            yield Change("BREAKING", "TYPE_REMOVED", name, f"type {name} was removed")
        elif type(old_type) is not type(new_type):
            yield Change(
                "BREAKING",
                "TYPE_CHANGED_KIND",
                name,
                f"{name} changed from {_kind(old_type)} to {_kind(new_type)}",
            )
        else:
            if (old_type.description or "") != (new_type.description or ""):
                yield Change("SAFE", "DESCRIPTION_CHANGED", name, f"{name}'s description changed")
            yield from _same_kind(old_type, new_type)
    for name, new_type in after.items():
        if name not in before:
            yield Change("SAFE", "TYPE_ADDED", name, f"{_kind(new_type)} {name} was added")


def _same_kind(old: GraphQLNamedType, new: GraphQLNamedType) -> Iterator[Change]:
    if isinstance(old, GraphQLObjectType | GraphQLInterfaceType):
        assert isinstance(new, GraphQLObjectType | GraphQLInterfaceType)
        yield from _interfaces(old, new)
        yield from _output_fields(old.name, old.fields, new.fields)
    elif isinstance(old, GraphQLInputObjectType):
        assert isinstance(new, GraphQLInputObjectType)
        yield from _input_fields(old.name, old.fields, new.fields)
    elif isinstance(old, GraphQLUnionType):
        assert isinstance(new, GraphQLUnionType)
        yield from _union(old, new)
    elif isinstance(old, GraphQLEnumType):
        assert isinstance(new, GraphQLEnumType)
        yield from _enum(old, new)


def _interfaces(
    old: GraphQLObjectType | GraphQLInterfaceType, new: GraphQLObjectType | GraphQLInterfaceType
) -> Iterator[Change]:
    before = {i.name for i in old.interfaces}
    after = {i.name for i in new.interfaces}
    for name in sorted(before - after):
        yield Change(
            "BREAKING",
            "IMPLEMENTED_INTERFACE_REMOVED",
            old.name,
            f"{old.name} no longer implements {name}",
        )
    for name in sorted(after - before):
        yield Change(
            "DANGEROUS",
            "IMPLEMENTED_INTERFACE_ADDED",
            old.name,
            f"{old.name} now implements {name}: clients switching on __typename of {name} "
            "may not expect it",
        )


def _output_fields(
    owner: str, before: Mapping[str, GraphQLField], after: Mapping[str, GraphQLField]
) -> Iterator[Change]:
    for name, old_field in before.items():
        path = f"{owner}.{name}"
        new_field = after.get(name)
        if new_field is None:
            was = " (it was deprecated)" if old_field.deprecation_reason is not None else ""
            yield Change("BREAKING", "FIELD_REMOVED", path, f"field {path} was removed{was}")
            continue
        if not _safe_output_change(old_field.type, new_field.type):
            yield Change(
                "BREAKING",
                "FIELD_CHANGED_KIND",
                path,
                f"{path} changed type from {old_field.type} to {new_field.type}",
            )
        elif str(old_field.type) != str(new_field.type):
            yield Change(
                "SAFE",
                "FIELD_TYPE_NARROWED",
                path,
                f"{path} changed type from {old_field.type} to {new_field.type}",
            )
        yield from _deprecation(path, old_field.deprecation_reason, new_field.deprecation_reason)
        if (old_field.description or "") != (new_field.description or ""):
            yield Change("SAFE", "DESCRIPTION_CHANGED", path, f"{path}'s description changed")
        yield from _arguments(path, old_field.args, new_field.args)
    for name in after:
        if name not in before:
            path = f"{owner}.{name}"
            yield Change("SAFE", "FIELD_ADDED", path, f"field {path} was added")


def _arguments(
    field: str, before: Mapping[str, GraphQLArgument], after: Mapping[str, GraphQLArgument]
) -> Iterator[Change]:
    return _input_values(
        before, after, lambda name: f"{field}({name}:)", "ARG", ("ARG_REMOVED", "argument")
    )


def _input_fields(
    owner: str, before: Mapping[str, GraphQLInputField], after: Mapping[str, GraphQLInputField]
) -> Iterator[Change]:
    return _input_values(
        before,
        after,
        lambda name: f"{owner}.{name}",
        "INPUT_FIELD",
        ("FIELD_REMOVED", "input field"),
    )


def _input_values(
    before: Mapping[str, _Input],
    after: Mapping[str, _Input],
    path_of: Callable[[str], str],
    prefix: Literal["ARG", "INPUT_FIELD"],
    removed: tuple[str, str],
) -> Iterator[Change]:
    """Arguments or input fields: removed, changed, added (required ones break)."""
    code, what = removed
    is_input_field = prefix == "INPUT_FIELD"
    for name, old in before.items():
        path = path_of(name)
        new = after.get(name)
        if new is None:
            yield Change("BREAKING", code, path, f"{what} {path} was removed", is_input_field)
        else:
            yield from _input_value_change(path, prefix, old, new)
    for name, new in after.items():
        if name in before:
            continue
        path = path_of(name)
        if _required(new):
            message = f"required {what} {path} was added"
            yield Change("BREAKING", f"REQUIRED_{prefix}_ADDED", path, message, is_input_field)
        else:
            message = f"optional {what} {path} was added"
            yield Change("DANGEROUS", f"OPTIONAL_{prefix}_ADDED", path, message, is_input_field)


def _input_value_change(path: str, prefix: str, old: _Input, new: _Input) -> Iterator[Change]:
    is_input_field = prefix == "INPUT_FIELD"
    newly_required = _required(new) and not _required(old)
    if not _safe_input_change(old.type, new.type):
        code = "ARG_CHANGED_KIND" if prefix == "ARG" else "FIELD_CHANGED_KIND"
        message = f"{path} changed type from {old.type} to {new.type}"
        yield Change("BREAKING", code, path, message, is_input_field, newly_required)
        return  # a changed default beside it is no news (graphql-js reports neither)
    if str(old.type) != str(new.type):
        yield Change(
            "SAFE",
            f"{prefix}_TYPE_WIDENED",
            path,
            f"{path} changed type from {old.type} to {new.type}",
        )
    before, after = _default(old), _default(new)
    if newly_required:
        # A non-null value whose default went: graphql-js calls it a dangerous default
        # change, but every operation that left it out no longer validates.
        yield Change(
            "BREAKING",
            f"{prefix}_BECAME_REQUIRED",
            path,
            f"{path} is now required: its default {before} was removed",
            is_input_field,
            newly_required,
        )
    elif before is not None and before != after:
        yield Change(
            "DANGEROUS",
            f"{prefix}_DEFAULT_VALUE_CHANGE",
            path,
            f"{path}'s default changed from {before} to {after or '(none)'}",
        )


def _union(old: GraphQLUnionType, new: GraphQLUnionType) -> Iterator[Change]:
    before = {t.name for t in old.types}
    after = {t.name for t in new.types}
    for name in sorted(before - after):
        yield Change(
            "BREAKING", "TYPE_REMOVED_FROM_UNION", old.name, f"{name} left the union {old.name}"
        )
    for name in sorted(after - before):
        yield Change(
            "DANGEROUS",
            "TYPE_ADDED_TO_UNION",
            old.name,
            f"{name} joined the union {old.name}: clients may not expect it",
        )


def _enum(old: GraphQLEnumType, new: GraphQLEnumType) -> Iterator[Change]:
    for name, value in old.values.items():
        path = f"{old.name}.{name}"
        if name not in new.values:
            yield Change(
                "BREAKING", "VALUE_REMOVED_FROM_ENUM", path, f"enum value {path} was removed"
            )
        else:
            yield from _deprecation(
                path, value.deprecation_reason, new.values[name].deprecation_reason
            )
    for name in new.values:
        if name not in old.values:
            path = f"{old.name}.{name}"
            yield Change(
                "DANGEROUS",
                "VALUE_ADDED_TO_ENUM",
                path,
                f"enum value {path} was added: clients may not handle it",
            )


def _deprecation(path: str, before: str | None, after: str | None) -> Iterator[Change]:
    if before is None and after is not None:
        yield Change("SAFE", "DEPRECATION_ADDED", path, f"{path} is deprecated: {after}")
    elif before is not None and after is None:
        yield Change("SAFE", "DEPRECATION_REMOVED", path, f"{path} is no longer deprecated")


def _directives(old: GraphQLSchema, new: GraphQLSchema) -> Iterator[Change]:
    before = {d.name: d for d in old.directives if not is_specified_directive(d)}
    after = {d.name: d for d in new.directives if not is_specified_directive(d)}
    for name, old_directive in before.items():
        path = f"@{name}"
        new_directive = after.get(name)
        if new_directive is None:
            yield Change("BREAKING", "DIRECTIVE_REMOVED", path, f"directive {path} was removed")
            continue
        for location in old_directive.locations:
            if location not in new_directive.locations:
                yield Change(
                    "BREAKING",
                    "DIRECTIVE_LOCATION_REMOVED",
                    path,
                    f"{path} can no longer be used on {location.name}",
                )
        if old_directive.is_repeatable and not new_directive.is_repeatable:
            yield Change(
                "BREAKING",
                "DIRECTIVE_REPEATABLE_REMOVED",
                path,
                f"{path} is no longer repeatable",
            )
        for arg_name in old_directive.args:
            if arg_name not in new_directive.args:
                yield Change(
                    "BREAKING",
                    "DIRECTIVE_ARG_REMOVED",
                    f"{path}({arg_name}:)",
                    f"argument {arg_name} of {path} was removed",
                )
        for arg_name, arg in old_directive.args.items():
            if arg_name in new_directive.args:
                arg_path = f"{path}({arg_name}:)"
                yield from _input_value_change(arg_path, "ARG", arg, new_directive.args[arg_name])
        for arg_name, arg in new_directive.args.items():
            if arg_name not in old_directive.args and _required(arg):
                yield Change(
                    "BREAKING",
                    "REQUIRED_DIRECTIVE_ARG_ADDED",
                    f"{path}({arg_name}:)",
                    f"required argument {arg_name} of {path} was added",
                )
    for name in after:
        if name not in before:
            yield Change("SAFE", "DIRECTIVE_ADDED", f"@{name}", f"directive @{name} was added")


def _roots(old: GraphQLSchema, new: GraphQLSchema) -> Iterator[Change]:
    for operation, before, after in (
        ("query", old.query_type, new.query_type),
        ("mutation", old.mutation_type, new.mutation_type),
        ("subscription", old.subscription_type, new.subscription_type),
    ):
        if before is not None and (after is None or after.name != before.name):
            yield Change(
                "BREAKING",
                "ROOT_TYPE_CHANGED",
                before.name,
                f"the {operation} root type {before.name} was replaced or removed",
            )


_Input = GraphQLArgument | GraphQLInputField


def _required(value: _Input) -> bool:
    return isinstance(value.type, GraphQLNonNull) and _default(value) is None


def _default(value: _Input) -> str | None:
    """The default as GraphQL source text (None: it has none). graphql-core 3.3 keeps a
    default from SDL as its literal, one given in Python as its value."""
    default = value.default
    if default is None:
        return None
    if default.literal is not None:
        return print_ast(default.literal)
    if default.value is Undefined:
        return None
    node = ast_from_value(default.value, value.type)
    return "null" if node is None else print_ast(node)


def _safe_output_change(old: GraphQLType, new: GraphQLType) -> bool:
    """`new` returns only values `old` could: same named type, or stricter nullability."""
    if isinstance(old, GraphQLList):
        return (isinstance(new, GraphQLList) and _safe_output_change(old.of_type, new.of_type)) or (
            isinstance(new, GraphQLNonNull) and _safe_output_change(old, new.of_type)
        )
    if isinstance(old, GraphQLNonNull):
        return isinstance(new, GraphQLNonNull) and _safe_output_change(old.of_type, new.of_type)
    if isinstance(new, GraphQLNonNull):
        return _safe_output_change(old, new.of_type)
    return not isinstance(new, GraphQLList) and _name(old) == _name(new)


def _safe_input_change(old: GraphQLType, new: GraphQLType) -> bool:
    """`new` accepts every value `old` did: same named type, or looser nullability."""
    if isinstance(old, GraphQLList):
        return isinstance(new, GraphQLList) and _safe_input_change(old.of_type, new.of_type)
    if isinstance(old, GraphQLNonNull):
        inner = new.of_type if isinstance(new, GraphQLNonNull) else new
        return _safe_input_change(old.of_type, inner)
    return not isinstance(new, GraphQLList | GraphQLNonNull) and _name(old) == _name(new)


def _name(type_: GraphQLType | GraphQLOutputType) -> str:
    return getattr(type_, "name", "")
