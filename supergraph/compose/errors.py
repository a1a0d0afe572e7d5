"""Composition errors: one code (the same codes Apollo and Hive composition use) and a message.

Every message names the subgraphs, the type and the field involved and, where
it can, says what to change, so a subgraph team can act on it without reading
the composer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class CompositionError:
    code: str
    message: str
    """What is wrong and where; worded like Apollo's and Hive's messages where they exist."""

    @property
    def hint(self) -> str | None:
        """What to change, for the codes whose message does not already say it."""
        return HINTS.get(self.code)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


HINTS: dict[str, str] = {
    "UNSUPPORTED_FEATURE": "compose these subgraphs with Apollo composition 2.8 or later (rover "
    "supergraph compose) and give its supergraph to the router",
    "FIELD_TYPE_MISMATCH": "give the field the same type in every subgraph (only nullability may "
    "differ, or an output field may return an implementation of the interface or union)",
    "FIELD_ARGUMENT_TYPE_MISMATCH": "give the argument the same type in every subgraph (only "
    "nullability may differ)",
    "EXTERNAL_TYPE_MISMATCH": "declare the @external field with exactly the type of the subgraph "
    "that resolves it",
    "EXTERNAL_MISSING_ON_BASE": "define the field without @external in the subgraph that resolves "
    "it, or add that subgraph to the composition",
    "ENUM_VALUE_MISMATCH": "define the value in every subgraph that defines the enum (it is used "
    "both as input and output, so all subgraphs must agree)",
    "EMPTY_MERGED_ENUM_TYPE": "share at least one value between the subgraphs defining the enum",
    "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH": "add the field to the input type in every "
    "subgraph, or make it optional where it is required",
    "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH": "add the argument to the field in every "
    "subgraph, or make it optional where it is required",
    "EMPTY_MERGED_INPUT_TYPE": "share at least one field between the subgraphs defining the input",
    "FIELD_ARGUMENT_DEFAULT_MISMATCH": "use the same default value in every subgraph",
    "INPUT_FIELD_DEFAULT_MISMATCH": "use the same default value in every subgraph",
    "TYPE_KIND_MISMATCH": "declare the type with the same kind in every subgraph (an interface "
    "may be an object only with @interfaceObject)",
    "INTERFACE_FIELD_NO_IMPLEM": "add the field to the implementing type in that subgraph",
    "EXTENSION_WITH_NO_BASE": "define the type (without `extend`) in the subgraph that owns it, "
    "or check the type name",
    "INVALID_GRAPHQL": "fix the subgraph's SDL (the message says where)",
    "NO_QUERIES": "give at least one subgraph a Query type with a field",
    "REFERENCED_INACCESSIBLE": "mark the referencing field @inaccessible too, or make the type "
    "accessible",
    "ONLY_INACCESSIBLE_CHILDREN": "keep at least one field accessible, or mark the type "
    "@inaccessible",
    "REQUIRED_INACCESSIBLE": "make it optional (nullable or with a default), or accessible",
    "IMPLEMENTED_BY_INACCESSIBLE": "make the field accessible, or the interface field "
    "@inaccessible too",
    "QUERY_ROOT_TYPE_INACCESSIBLE": "remove @inaccessible from the query type (mark its fields "
    "instead)",
    "INTERFACE_KEY_NOT_ON_IMPLEMENTATION": "add the same @key to the implementation type",
    "INTERFACE_OBJECT_USAGE_ERROR": "add the interface's @key to the @interfaceObject type",
    "INVALID_SHAREABLE_USAGE": "remove @shareable from the interface field (mark the "
    "implementations' fields instead)",
    "MERGED_DIRECTIVE_APPLICATION_ON_EXTERNAL": "apply the directive in the subgraph that "
    "resolves the field",
    "DIRECTIVE_COMPOSITION_ERROR": "define the directive in the subgraph and import it with "
    '@link(url: "...", import: ["@name"]) from its spec',
    "MISSING_TRANSITIVE_AUTH_REQUIREMENTS": "give the requiring field the same @authenticated, "
    "@requiresScopes and @policy as the fields its @requires reads",
    "PROVIDES_ON_NON_OBJECT_FIELD": "use @provides only on fields returning an object, interface "
    "or union",
    "COST_APPLIED_TO_INTERFACE_FIELD": "put @cost on the field of each implementation (the "
    "router costs what the object type says)",
    "LIST_SIZE_APPLIED_TO_NON_LIST": "use @listSize on list fields, or give it sizedFields naming "
    "list fields of the object the field returns",
    "LIST_SIZE_INVALID_ASSUMED_SIZE": "give assumedSize 0 or more",
    "LIST_SIZE_INVALID_SLICING_ARGUMENT": "name Int or Int! arguments of the field in "
    "slicingArguments",
    "LIST_SIZE_INVALID_SIZED_FIELD": "name list fields of the object type the field returns in "
    "sizedFields",
}


class ErrorSink(Protocol):
    """Where rules report; a plain list satisfies it."""

    def append(self, error: CompositionError, /) -> None: ...


def quote_list(names: list[str] | tuple[str, ...]) -> str:
    """`"a"`, `"a" and "b"`, `"a", "b" and "c"` — the way the reference names subgraphs."""
    quoted = [f'"{name}"' for name in names]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def subgraphs_phrase(names: list[str] | tuple[str, ...]) -> str:
    word = "subgraph" if len(names) == 1 else "subgraphs"
    return f"{word} {quote_list(names)}"
