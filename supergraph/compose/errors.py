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

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


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
