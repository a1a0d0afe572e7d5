"""Definitions of the core features a supergraph links: link v1.0, join v0.5 and the optional ones.

Printed verbatim at the top of every supergraph, as the specifications at
specs.apollo.dev define them, so routers recognise each feature by its URL.
"""

from __future__ import annotations

from dataclasses import dataclass

LINK_URL = "https://specs.apollo.dev/link/v1.0"
JOIN_URL = "https://specs.apollo.dev/join/v0.5"

LINK_DEFINITIONS = '''directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

scalar link__Import

enum link__Purpose {
  """
  `SECURITY` features provide metadata necessary to securely resolve fields.
  """
  SECURITY

  """
  `EXECUTION` features provide metadata necessary for operation execution.
  """
  EXECUTION
}'''

JOIN_DEFINITIONS = """directive @join__directive(graphs: [join__Graph!], name: String!, args: join__DirectiveArguments) repeatable on SCHEMA | OBJECT | INTERFACE | FIELD_DEFINITION

directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE

directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean, overrideLabel: String, contextArguments: [join__ContextArgument!]) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION

directive @join__graph(name: String!, url: String!) on ENUM_VALUE

directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE

directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR

directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION

input join__ContextArgument {
  name: String!
  type: String!
  context: String!
  selection: join__FieldValue!
}

scalar join__DirectiveArguments

scalar join__FieldSet

scalar join__FieldValue"""


@dataclass(frozen=True, slots=True)
class Feature:
    """An optional core feature: linked only when the supergraph uses its directive."""

    directive: str
    url: str
    purpose: str | None
    definitions: str
    imports: str = ""
    """The link's `import:` argument as printed (empty: none)."""


FEATURES = (
    Feature(
        "tag",
        "https://specs.apollo.dev/tag/v0.3",
        None,
        "directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | "
        "UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | "
        "INPUT_FIELD_DEFINITION | SCHEMA",
    ),
    Feature(
        "inaccessible",
        "https://specs.apollo.dev/inaccessible/v0.2",
        "SECURITY",
        "directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | "
        "ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION",
    ),
    Feature(
        "authenticated",
        "https://specs.apollo.dev/authenticated/v0.1",
        "SECURITY",
        "directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM",
    ),
    Feature(
        "requiresScopes",
        "https://specs.apollo.dev/requiresScopes/v0.1",
        "SECURITY",
        "directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) on FIELD_DEFINITION | "
        "OBJECT | INTERFACE | SCALAR | ENUM\n\nscalar requiresScopes__Scope",
    ),
    Feature(
        "policy",
        "https://specs.apollo.dev/policy/v0.1",
        "SECURITY",
        "directive @policy(policies: [[policy__Policy!]!]!) on FIELD_DEFINITION | OBJECT | "
        "INTERFACE | SCALAR | ENUM\n\nscalar policy__Policy",
    ),
)

COST_URL = "https://specs.apollo.dev/cost/v0.1"
_COST = (
    "directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | "
    "INPUT_FIELD_DEFINITION | OBJECT | SCALAR"
)
_LIST_SIZE = (
    "(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], "
    "requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION"
)


def cost_feature(list_size_used: bool) -> Feature:
    """Demand control's directives, linked as @apollo/composition 2.9+ links them: both
    defined whenever either is used, `@listSize` imported only when some field uses it
    (else it keeps its namespaced name, `@cost__listSize`)."""
    if list_size_used:
        return Feature(
            "cost", COST_URL, None, f"{_COST}\n\ndirective @listSize{_LIST_SIZE}", '["@listSize"]'
        )
    return Feature("cost", COST_URL, None, f"{_COST}\n\ndirective @cost__listSize{_LIST_SIZE}")
