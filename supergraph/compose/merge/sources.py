"""Where each element of the supergraph comes from: one entry per subgraph defining it."""

from __future__ import annotations

from dataclasses import dataclass

from supergraph.compose.subgraph import Field, Subgraph, SubgraphType


@dataclass(slots=True)
class TypeSource:
    subgraph: Subgraph
    type: SubgraphType

    @property
    def graph(self) -> str:
        return self.subgraph.name


@dataclass(slots=True)
class FieldSource:
    subgraph: Subgraph
    type: SubgraphType
    field: Field
    overridden: bool = False
    """Taken over by another subgraph's `@override(from:)` without a label."""
    override_label: str | None = None
    """Set on the overridden side of a progressive (labelled) override."""
    used_overridden: bool = False
    """Overridden, but still needed here (a key of this subgraph selects it)."""
    override_ignored: bool = False
    """Its `@override(from:)` names a subgraph that does not resolve the field: nothing moves."""

    @property
    def graph(self) -> str:
        return self.subgraph.name

    @property
    def resolves(self) -> bool:
        """This subgraph resolves the field itself (a query may be routed here for it)."""
        # The overridden side of a progressive override still serves some
        # requests, but sharing is not needed for it: the label decides who resolves.
        return not self.field.external and not self.overridden and self.override_label is None

    @property
    def shareable(self) -> bool:
        return self.field.shareable or self.field.name in self.type.key_field_names()
