"""A field whose `@requires` reads protected data carries the same protection.

Otherwise a client could read the protected field through the requiring one:
the router fetches the required fields on its behalf, whatever the client may see.
"""

from __future__ import annotations

from collections.abc import Sequence

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.merged import MergedSchema
from supergraph.compose.subgraph import Meta, Subgraph


def check_transitive_auth(
    subgraphs: Sequence[Subgraph], merged: MergedSchema, errors: ErrorSink
) -> None:
    for subgraph in subgraphs:
        for type_ in subgraph.types.values():
            for field in type_.fields.values():
                if not field.requires:
                    continue
                selected, _ = subgraph.walk_field_set(type_.name, field.requires)
                for item in selected:
                    owner = merged.types.get(item.type_name)
                    required = None if owner is None else owner.fields.get(item.field_name)
                    if required is None or _covers(field.meta, type_.meta, required.meta):
                        continue
                    errors.append(
                        CompositionError(
                            "MISSING_TRANSITIVE_AUTH_REQUIREMENTS",
                            f'[{subgraph.name}] Field "{type_.name}.{field.name}" does not '
                            "specify necessary @authenticated, @requiresScopes and/or @policy "
                            "auth requirements to access the transitive field "
                            f'"{item.type_name}.{item.field_name}" data from @requires selection '
                            "set.",
                        )
                    )


def _covers(field: Meta, parent: Meta, required: Meta) -> bool:
    """Whether the requiring field (with its type's requirements) asks at least what `required` asks."""
    if required.authenticated and not (field.authenticated or parent.authenticated):
        return False
    if required.scopes and not (field.scopes or parent.scopes):
        return False
    return not (required.policies and not (field.policies or parent.policies))
