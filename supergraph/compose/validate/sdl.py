"""A subgraph's SDL is valid GraphQL: known types and directives, no duplicates, right locations.

graphql-core's SDL rules do the work, on the subgraph's document plus a prelude
that defines the federation directives under the names this subgraph uses
(and the federation scalars), so `@key` is known but `@nope` is not. Extending
a type defined in another subgraph is normal in federation, so the
"extension without definition" rule is left out (composition checks it across
all subgraphs instead).
"""

from __future__ import annotations

import re

from graphql import parse
from graphql.language import (
    DirectiveDefinitionNode,
    DocumentNode,
    InputObjectTypeDefinitionNode,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
)
from graphql.validation.rules.possible_type_extensions import PossibleTypeExtensionsRule
from graphql.validation.specified_rules import specified_sdl_rules
from graphql.validation.validate import validate_sdl

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.subgraph import FederationNames

_RULES = tuple(rule for rule in specified_sdl_rules if rule is not PossibleTypeExtensionsRule)
_ANYWHERE = (
    "FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | "
    "ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION"
)
_AUTH = "FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM"
# Federation directive -> (arguments, "repeatable " or "", locations).
_DIRECTIVES: dict[str, tuple[str, str, str]] = {
    "key": (
        "(fields: {fieldset}!, resolvable: Boolean = true)",
        "repeatable ",
        "OBJECT | INTERFACE",
    ),
    "requires": ("(fields: {fieldset}!)", "", "FIELD_DEFINITION"),
    "provides": ("(fields: {fieldset}!)", "", "FIELD_DEFINITION"),
    "external": ("(reason: String)", "", "OBJECT | FIELD_DEFINITION"),
    "extends": ("", "", "OBJECT | INTERFACE"),
    "shareable": ("", "repeatable ", "OBJECT | FIELD_DEFINITION"),
    "inaccessible": ("", "", _ANYWHERE),
    "tag": ("(name: String!)", "repeatable ", _ANYWHERE + " | SCHEMA"),
    "override": ("(from: String!, label: String)", "", "FIELD_DEFINITION"),
    "composeDirective": ("(name: String!)", "repeatable ", "SCHEMA"),
    "interfaceObject": ("", "", "OBJECT"),
    "authenticated": ("", "", _AUTH),
    "requiresScopes": ("(scopes: [[federation__Scope!]!]!)", "", _AUTH),
    "policy": ("(policies: [[federation__Policy!]!]!)", "", _AUTH),
    "context": ("(name: String!)", "repeatable ", "INTERFACE | OBJECT | UNION"),
    "fromContext": ("(field: federation__ContextFieldValue)", "", "ARGUMENT_DEFINITION"),
    "cost": (
        "(weight: Int!)",
        "",
        "ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR",
    ),
    "listSize": (
        "(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], "
        "requireOneSlicingArgument: Boolean = true)",
        "",
        "FIELD_DEFINITION",
    ),
}
_PRELUDE_TYPES = {
    "federation__FieldSet": "scalar federation__FieldSet",
    "federation__Scope": "scalar federation__Scope",
    "federation__Policy": "scalar federation__Policy",
    "federation__ContextFieldValue": "scalar federation__ContextFieldValue",
    "link__Import": "scalar link__Import",
    "link__Purpose": "enum link__Purpose { SECURITY EXECUTION }",
    "FieldSet": "scalar FieldSet",
    "_FieldSet": "scalar _FieldSet",
    "_Any": "scalar _Any",
}
_LINK = (
    "directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) "
    "repeatable on SCHEMA"
)


def check_subgraph_sdl(
    name: str, document: DocumentNode, names: FederationNames, errors: ErrorSink
) -> None:
    defined = {
        d.name.value
        for d in document.definitions
        if isinstance(d, TypeDefinitionNode | DirectiveDefinitionNode)
    }
    prelude = [sdl for type_name, sdl in _PRELUDE_TYPES.items() if type_name not in defined]
    # A type only extended here is defined in another subgraph: make its name known.
    extended = {d.name.value for d in document.definitions if isinstance(d, TypeExtensionNode)}
    prelude += [f"scalar {type_name}" for type_name in sorted(extended - defined)]
    if "link" not in defined:
        prelude.append(_LINK)
    for local, canonical in names.by_local.items():
        if local not in defined:
            arguments, repeatable, locations = _DIRECTIVES[canonical]
            # Field sets are `FieldSet` in Federation 2 and `_FieldSet` in Federation 1.
            arguments = arguments.replace(
                "{fieldset}", "FieldSet" if names.is_fed2 else "_FieldSet"
            )
            prelude.append(f"directive @{local}{arguments} {repeatable}on {locations}")
    full = DocumentNode(
        definitions=(
            *document.definitions,
            *parse("\n".join(prelude), no_location=True).definitions,
        )
    )
    for error in validate_sdl(full, rules=_RULES):
        errors.append(CompositionError("INVALID_GRAPHQL", f"[{name}] {_message(error.message)}"))
    _check_empty_types(name, document, errors)


def _check_empty_types(name: str, document: DocumentNode, errors: ErrorSink) -> None:
    """Object, interface and input types need fields (counting their extensions)."""
    counts: dict[str, int] = {}
    for definition in document.definitions:
        if isinstance(
            definition,
            ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode | InputObjectTypeDefinitionNode,
        ) or (isinstance(definition, TypeExtensionNode) and hasattr(definition, "fields")):
            fields = getattr(definition, "fields", None) or ()
            counts[definition.name.value] = counts.get(definition.name.value, 0) + len(fields)
    for type_name, count in counts.items():
        if count == 0:
            errors.append(
                CompositionError(
                    "INVALID_GRAPHQL", f"[{name}] Type {type_name} must define one or more fields."
                )
            )


_MISSING_ARGUMENT = re.compile(
    r"Argument '@(\w+)\((\w+):\)' of type '([^']+)' is required, but it was not provided\."
)


def _message(message: str) -> str:
    """graphql-core's wording, quoted like the other composition messages (double quotes)."""
    missing = _MISSING_ARGUMENT.fullmatch(message)
    if missing is not None:
        directive, argument, type_ = missing.groups()
        return (
            f'Directive "@{directive}" argument "{argument}" of type "{type_}" is required, '
            "but it was not provided."
        )
    return re.sub(r"'([^'\s]+)'", r'"\1"', message)
