"""Default values of an argument or input field must agree where several subgraphs give one."""

from __future__ import annotations

from collections.abc import Sequence

from graphql.language import ConstValueNode, print_ast

from supergraph.compose.errors import CompositionError, ErrorSink

from .mismatch import mismatch_phrase


def merge_default(
    what: str,
    coordinate: str,
    defaults: Sequence[tuple[str, ConstValueNode | None]],
    errors: ErrorSink,
) -> ConstValueNode | None:
    """The common default (a subgraph without one accepts any); report conflicting ones."""
    given = [(graph, value) for graph, value in defaults if value is not None]
    printed = [(graph, print_ast(value)) for graph, value in given]
    if len({text for _, text in printed}) > 1:
        code = (
            "FIELD_ARGUMENT_DEFAULT_MISMATCH"
            if what == "Argument"
            else "INPUT_FIELD_DEFAULT_MISMATCH"
        )
        errors.append(
            CompositionError(
                code,
                f'{what} "{coordinate}" has incompatible default values across subgraphs: '
                f"{mismatch_phrase(printed, 'default value', quote=False)}",
            )
        )
    return given[0][1] if given else None
