"""`@cost` and `@listSize` where they mean something, as @apollo/composition 2.9.2+ checks:
no `@cost` on interface fields (the cost is the implementation's), `@listSize` on lists
(or on a field with `sizedFields`, which must be list fields of its composite type),
no negative `assumedSize`, slicing arguments that exist and are `Int`/`Int!`."""

from __future__ import annotations

from graphql.language import ListTypeNode, NamedTypeNode, NonNullTypeNode, TypeNode, print_ast

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.subgraph import Field, ListSize, Subgraph, SubgraphType


def check_cost_usage(subgraph: Subgraph, errors: ErrorSink) -> None:
    for type_ in subgraph.types.values():
        for field in type_.fields.values():
            coordinate = f"{type_.name}.{field.name}"
            if field.meta.cost is not None and type_.kind == "interface":
                errors.append(
                    CompositionError(
                        "COST_APPLIED_TO_INTERFACE_FIELD",
                        f'[{subgraph.name}] @cost cannot be applied to interface "{coordinate}"',
                    )
                )
            size = field.meta.list_size
            if size is not None:
                for code, message in _list_size_problems(subgraph, coordinate, field, size):
                    errors.append(CompositionError(code, f"[{subgraph.name}] {message}"))


def _list_size_problems(
    subgraph: Subgraph, coordinate: str, field: Field, size: ListSize
) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if not size.sized_fields and not _is_list(field.type):
        problems.append(("LIST_SIZE_APPLIED_TO_NON_LIST", f'"{coordinate}" is not a list'))
    if size.assumed_size is not None and size.assumed_size < 0:
        problems.append(
            ("LIST_SIZE_INVALID_ASSUMED_SIZE", f'Assumed size of "{coordinate}" cannot be negative')
        )
    code = "LIST_SIZE_INVALID_SLICING_ARGUMENT"
    for name in size.slicing_arguments or ():
        argument = field.args.get(name)
        if argument is None:
            problems.append(
                (code, f'Slicing argument "{name}" is not an argument of "{coordinate}"')
            )
        elif print_ast(argument.type) not in ("Int", "Int!"):
            message = f'Slicing argument "{coordinate}({name}:)" must be Int or Int!'
            problems.append((code, message))
    if size.sized_fields:
        problems += _sized_field_problems(subgraph, field, size.sized_fields)
    return problems


def _sized_field_problems(
    subgraph: Subgraph, field: Field, sized_fields: tuple[str, ...]
) -> list[tuple[str, str]]:
    named = _named(field.type)
    target: SubgraphType | None = subgraph.types.get(named)
    code = "LIST_SIZE_INVALID_SIZED_FIELD"
    if target is None or target.kind not in ("object", "interface", "union"):
        type_text = print_ast(field.type)
        return [
            (code, f'Sized fields cannot be used because "{type_text}" is not a composite type')
        ]
    problems: list[tuple[str, str]] = []
    for name in sized_fields:
        sized = target.fields.get(name)
        if sized is None:
            problems.append((code, f'Sized field "{name}" is not a field on type "{named}"'))
        elif not _is_list(sized.type):
            problems.append(
                ("LIST_SIZE_APPLIED_TO_NON_LIST", f'Sized field "{named}.{name}" is not a list')
            )
    return problems


def _is_list(type_: TypeNode) -> bool:
    inner = type_.type if isinstance(type_, NonNullTypeNode) else type_
    return isinstance(inner, ListTypeNode)


def _named(type_: TypeNode) -> str:
    while not isinstance(type_, NamedTypeNode):
        type_ = type_.type  # type: ignore[attr-defined]
    return type_.name.value
