"""The "it has type X in subgraph a but type Y in subgraph b" phrase of mismatch errors."""

from __future__ import annotations

from supergraph.compose.errors import subgraphs_phrase


def mismatch_phrase(by_graph: list[tuple[str, str]], what: str, *, quote: bool = True) -> str:
    groups: dict[str, list[str]] = {}
    for graph, value in by_graph:
        groups.setdefault(value, []).append(graph)
    parts = [
        f"{what} {_quoted(value) if quote else value} in {subgraphs_phrase(graphs)}"
        for value, graphs in groups.items()
    ]
    return "it has " + parts[0] + "".join(f" but {part}" for part in parts[1:])


def _quoted(value: str) -> str:
    return f'"{value}"'
