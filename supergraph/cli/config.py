"""`supergraph config validate FILE [--supergraph SDL]` / `supergraph config schema`.

validate: reads router.yaml as `supergraph serve` would (`${env.NAME}` from this
environment, SUPERGRAPH_ENV's defaults) without starting anything; prints each
deprecated key with its new name, then `FILE: valid`, or the error naming the key
path. With `--supergraph` it also builds the app: subgraph names, manifests and
asset folders are checked against it. Exit status: 0 valid, 1 invalid, 2 a file
that cannot be read.

schema: prints the JSON Schema of router.yaml (supergraph/http/config_schema.py),
for editors (e.g. `# yaml-language-server: $schema=router.schema.json`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    validate = actions.add_parser("validate", help="check a router.yaml without starting")
    validate.add_argument("file", type=Path, help="router.yaml")
    validate.add_argument(
        "--supergraph", type=Path, help="also check it against this supergraph SDL"
    )
    actions.add_parser("schema", help="print the JSON Schema of router.yaml")


def run(args: argparse.Namespace) -> int:
    if args.action == "schema":
        from supergraph.http.config_schema import json_schema

        print(json.dumps(json_schema(), indent=2))
        return 0
    return _validate(args.file, args.supergraph)


def _validate(path: Path, supergraph: Path | None) -> int:
    import asyncio
    import logging

    from supergraph.http.config import ConfigError, load_config

    if not path.is_file():
        print(f"{path}: no such file", file=sys.stderr)
        return 2
    logging.getLogger("supergraph.config").disabled = True  # printed below instead
    try:
        config = load_config(path)
    except ConfigError as error:
        print(f"invalid: {error}", file=sys.stderr)
        return 1
    for warning in config.warnings:
        print(f"{path}: warning: {warning}", file=sys.stderr)
    if supergraph is not None:
        from supergraph.http.server import StartupError, load_app

        try:
            app = load_app(str(supergraph), str(path))
        except StartupError as error:
            print(f"invalid: {error}", file=sys.stderr)
            return 1
        asyncio.run(app.state.aclose())
    print(f"{path}: valid")
    return 0
