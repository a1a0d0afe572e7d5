"""Which runtime `__typename` satisfies which type condition, from the API schema."""

from __future__ import annotations

from collections.abc import Iterable

from graphql import GraphQLObjectType, GraphQLSchema, is_interface_type, is_union_type


class PossibleTypes:
    """`matches(typename, condition)`: is an object of `typename` also a `condition`?

    Exact names always match (also for types the API schema hides, e.g.
    inaccessible ones); abstract conditions match their possible object types.
    """

    __slots__ = ("_possible",)

    def __init__(self, schema: GraphQLSchema | None = None) -> None:
        self._possible: dict[str, frozenset[str]] = {}
        if schema is None:
            return
        for name, named_type in schema.type_map.items():
            # schema.get_possible_types, spelt out: it is typed as returning a list but
            # gives a union's tuple, which the compiled build (scripts/build_compiled.py)
            # refuses where a list is declared.
            possible: Iterable[GraphQLObjectType]
            if is_union_type(named_type):
                possible = named_type.types
            elif is_interface_type(named_type):
                possible = schema.get_implementations(named_type).objects
            else:
                continue
            self._possible[name] = frozenset(t.name for t in possible)

    def matches(self, typename: object, condition: str | None) -> bool:
        if condition is None or typename == condition:
            return True
        possible = self._possible.get(condition)
        return possible is not None and typename in possible
