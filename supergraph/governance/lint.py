"""Run the design rules over a schema: violations with their severity and position."""

from __future__ import annotations

from dataclasses import dataclass

from supergraph.schema import SupergraphError, load_supergraph

from .lint_config import LintConfig
from .lint_model import LintSchema, Position, from_sdl, from_supergraph_api
from .lint_rules import Severity


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    severity: Severity
    source: str
    coordinate: str
    message: str
    position: Position | None

    def as_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": self.severity.upper(),
            "source": self.source,
            "path": self.coordinate,
            "message": self.message,
            "line": self.position.line if self.position else None,
            "column": self.position.column if self.position else None,
        }

    def as_text(self) -> str:
        where = self.source
        if self.position is not None:
            where += f":{self.position.line}:{self.position.column}"
        return f"{where}: {self.severity} [{self.rule}] {self.message}"


def is_supergraph(sdl: str) -> bool:
    """A supergraph links the join spec (its elements say which subgraph has them)."""
    return "specs.apollo.dev/join/" in sdl


def read_schema(sdl: str, source: str) -> LintSchema:
    """A supergraph through its API schema, anything else as written. Raises
    GraphQLSyntaxError or SupergraphError for input that is not a schema."""
    if is_supergraph(sdl):
        return from_supergraph_api(load_supergraph(sdl).api_schema, source, sdl)
    return from_sdl(sdl, source)


def lint(schema: LintSchema, config: LintConfig) -> list[Violation]:
    violations: list[Violation] = []
    for settings in config.rules:
        if settings.severity == "off":
            continue
        for finding in settings.rule.check(schema, settings.options):
            if settings.ignores(finding.coordinate):
                continue
            violations.append(
                Violation(
                    settings.rule.id,
                    settings.severity,
                    schema.source,
                    finding.coordinate,
                    finding.message,
                    finding.position,
                )
            )
    violations.sort(
        key=lambda v: (
            v.source,
            v.position.line if v.position else 0,
            v.position.column if v.position else 0,
            v.coordinate,
            v.rule,
        )
    )
    return violations


__all__ = ["SupergraphError", "Violation", "is_supergraph", "lint", "read_schema"]
