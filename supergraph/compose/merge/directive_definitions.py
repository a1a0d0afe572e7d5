"""Merge the definitions of a `@composeDirective`d directive across subgraphs.

Subgraphs may be on different versions of the same spec: the supergraph gets
every argument and every location any of them declares, so each subgraph's
applications stay valid.
"""

from __future__ import annotations

from collections.abc import Sequence

from graphql.language import DirectiveDefinitionNode, InputValueDefinitionNode, NameNode


def merge_directive_definitions(
    definitions: Sequence[DirectiveDefinitionNode],
) -> DirectiveDefinitionNode:
    first = definitions[0]
    arguments: dict[str, InputValueDefinitionNode] = {}
    locations: dict[str, NameNode] = {}
    for definition in definitions:
        for argument in definition.arguments or ():
            arguments.setdefault(argument.name.value, argument)
        for location in definition.locations:
            locations.setdefault(location.value, location)
    return DirectiveDefinitionNode(
        name=first.name,
        description=next((d.description for d in definitions if d.description), None),
        arguments=tuple(arguments.values()),
        repeatable=all(d.repeatable for d in definitions),
        locations=tuple(locations.values()),
    )
