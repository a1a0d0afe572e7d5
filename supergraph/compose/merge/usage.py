"""Where each type is used: as an input (argument, input field) or as an output (field type).

Enum merging depends on it: an output-only enum may grow (union of values), an
input-only enum must shrink (intersection), one used both ways must agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from supergraph.compose.subgraph import Subgraph
from supergraph.schema.sdl import named_type


@dataclass(slots=True)
class Usage:
    input_example: dict[str, str] = field(default_factory=dict)
    """Type name -> one coordinate using it as an input (for error messages)."""
    output_example: dict[str, str] = field(default_factory=dict)


def collect_usage(subgraphs: Sequence[Subgraph]) -> Usage:
    usage = Usage()
    for subgraph in subgraphs:
        for type_ in subgraph.types.values():
            for f in type_.fields.values():
                usage.output_example.setdefault(named_type(f.type), f"{type_.name}.{f.name}")
                for arg in f.args.values():
                    usage.input_example.setdefault(
                        named_type(arg.type), f"{type_.name}.{f.name}({arg.name}:)"
                    )
            for input_field in type_.input_fields.values():
                usage.input_example.setdefault(
                    named_type(input_field.type), f"{type_.name}.{input_field.name}"
                )
    return usage
