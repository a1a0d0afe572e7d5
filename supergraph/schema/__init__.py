"""The supergraph model: parse a supergraph SDL into an immutable, typed model.

`load_supergraph(sdl)` is the entry point; it raises `SupergraphError`.
"""

from __future__ import annotations

from supergraph.schema.errors import SupergraphError
from supergraph.schema.model import (
    Authorization,
    ContextArgument,
    FieldDef,
    FieldInGraph,
    FieldSet,
    FieldSetField,
    FieldSetFragment,
    Key,
    Subgraph,
    Supergraph,
    TypeDef,
    TypeInGraph,
)
from supergraph.schema.parse import load_supergraph

__all__ = [
    "Authorization",
    "ContextArgument",
    "FieldDef",
    "FieldInGraph",
    "FieldSet",
    "FieldSetField",
    "FieldSetFragment",
    "Key",
    "Subgraph",
    "Supergraph",
    "SupergraphError",
    "TypeDef",
    "TypeInGraph",
    "load_supergraph",
]
