"""`supergraph lint [--config FILE] [--subgraphs supergraph.yaml] [--json] SDL...`.

Checks schema design rules (supergraph/governance/lint_rules.py, docs/lint.md)
on subgraph SDL files as written, on supergraphs through their API schema, and
on every subgraph a composition config names (`--subgraphs`). Prints one line
per violation (`file:line:column: severity [rule] message`), or JSON.
Exit status: 0 no error (warnings allowed), 1 errors, 2 a usage problem.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from graphql import GraphQLSyntaxError

from supergraph.cli.compose import SourceError, load_source
from supergraph.compose.config import ConfigError, parse_config
from supergraph.governance.lint import SupergraphError, Violation, lint, read_schema
from supergraph.governance.lint_config import LintConfig, LintConfigError, parse_lint_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sdl", nargs="*", type=Path, help="subgraph or supergraph SDL files")
    parser.add_argument("--config", type=Path, help="lint configuration (YAML; docs/lint.md)")
    parser.add_argument(
        "--subgraphs",
        type=Path,
        help="also lint every subgraph of this composition config (e.g. supergraph.yaml)",
    )
    parser.add_argument("--json", action="store_true", help="print the violations as JSON")


class _Usage(Exception):
    pass


def run(args: argparse.Namespace) -> int:
    try:
        config = _config(args.config)
        sources = _sources(args.sdl, args.subgraphs)
        if not sources:
            raise _Usage("nothing to lint: give SDL files or --subgraphs")
        violations: list[Violation] = []
        for name, sdl in sources:
            try:
                schema = read_schema(sdl, name)
            except GraphQLSyntaxError as error:
                raise _Usage(f"{name}: {error.message}") from None
            except SupergraphError as error:
                raise _Usage(f"{name}: invalid supergraph: {error}") from None
            violations += lint(schema, config)
    except _Usage as error:
        print(f"supergraph lint: {error}", file=sys.stderr)
        return 2
    errors = sum(v.severity == "error" for v in violations)
    if args.json:
        print(json.dumps({"violations": [v.as_json() for v in violations]}, indent=2))
    else:
        for violation in violations:
            print(violation.as_text())
        warnings = len(violations) - errors
        print(
            f"{len(sources)} schema(s): {errors} error(s), {warnings} warning(s)", file=sys.stderr
        )
    return 1 if errors else 0


def _config(path: Path | None) -> LintConfig:
    if path is None:
        return LintConfig()
    try:
        return parse_lint_config(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise _Usage(f"cannot read {path}: {error.strerror}") from None
    except LintConfigError as error:
        raise _Usage(f"{path}: {error}") from None


def _sources(files: list[Path], subgraphs: Path | None) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for path in files:
        try:
            out.append((str(path), path.read_text(encoding="utf-8")))
        except OSError as error:
            raise _Usage(f"cannot read {path}: {error.strerror}") from None
    if subgraphs is not None:
        try:
            configs = parse_config(subgraphs.read_text(encoding="utf-8"))
            for config in configs:
                source = load_source(config, subgraphs.parent)
                out.append((f"{subgraphs}#{source.name}", source.sdl))
        except OSError as error:
            raise _Usage(f"cannot read {subgraphs}: {error.strerror}") from None
        except (ConfigError, SourceError) as error:
            raise _Usage(f"{subgraphs}: {error}") from None
    return out
