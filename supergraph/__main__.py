"""The `supergraph` command: dev, serve, compose, plan, token, lint, check, contract, publish, registry, usage, deprecations, config, version.

Each subcommand lives in its own module under `supergraph.cli`, imported only
when it runs, so `supergraph plan` never loads the HTTP stack.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Protocol

COMMANDS: dict[str, str] = {
    "dev": "start every bundled subgraph and the router on :4000 (seeded SQLite)",
    "serve": "run the router against a supergraph SDL file",
    "compose": "compose subgraph SDLs into a supergraph SDL",
    "plan": "print the query plan of an operation",
    "token": "print a development JWT that `supergraph dev` accepts",
    "lint": "check schema design rules on subgraph or supergraph SDL",
    "check": "classify a subgraph change (breaking, dangerous, safe) before it ships",
    "contract": "derive a supergraph that shows only what a @tag filter selects",
    "publish": "compose and store the supergraph as the registry's next version",
    "registry": "serve the schema registry, list its versions, diff two of them",
    "usage": "what clients used of the schema (from the routers' usage reporting)",
    "deprecations": "deprecated fields and who still uses them",
    "config": "check a router.yaml without starting (validate), print its JSON Schema (schema)",
    "version": "print the version, Python and whether the hot modules run compiled (mypyc) or pure",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="supergraph", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        _command_module(name).add_arguments(sub)
    return parser


def _command_module(name: str) -> CommandModule:
    module: CommandModule = importlib.import_module(f"supergraph.cli.{name}")
    return module


class CommandModule(Protocol):
    """What each `supergraph.cli.<name>` module provides."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return _command_module(args.command).run(args)


if __name__ == "__main__":
    sys.exit(main())
