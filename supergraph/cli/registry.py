"""`supergraph registry serve|history|diff`: the schema registry's HTTP API and its history.

    supergraph registry serve --registry DSN [--host 127.0.0.1] [--port 4010]
    supergraph registry history --registry DSN [--graph main] [--limit 20] [--json]
    supergraph registry diff --registry DSN [--graph main] --from N --to M [--json]

docs/registry.md. Exit status: 0, 1 (diff: breaking changes), 2 a usage problem.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from supergraph.cli.publish import REGISTRY_ENV, add_registry_argument
from supergraph.dsn import StoreError, store_errors
from supergraph.governance.schema_diff import diff_schemas
from supergraph.registry.store import Registry, RegistryError, Version
from supergraph.schema import load_supergraph

DEFAULT_PORT = 4010
T = TypeVar("T")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    serve = actions.add_parser("serve", help="serve the registry's read-only HTTP API")
    add_registry_argument(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    history = actions.add_parser("history", help="the published versions, newest first")
    add_registry_argument(history)
    history.add_argument("--graph", default="main")
    history.add_argument("--limit", type=int, default=20)
    history.add_argument("--json", action="store_true")
    diff = actions.add_parser("diff", help="the API schema changes between two versions")
    add_registry_argument(diff)
    diff.add_argument("--graph", default="main")
    diff.add_argument("--from", dest="before", type=int, required=True)
    diff.add_argument("--to", dest="after", type=int, required=True)
    diff.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    if not args.registry:
        print(f"supergraph registry: give --registry or set {REGISTRY_ENV}", file=sys.stderr)
        return 2
    if args.action == "serve":
        return _serve(args)
    try:
        with store_errors("registry"):
            return asyncio.run(_history(args) if args.action == "history" else _diff(args))
    except (RegistryError, StoreError) as error:
        print(f"supergraph registry: {error}", file=sys.stderr)
        return 2


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from supergraph.registry.server import registry_app

    uvicorn.run(registry_app(args.registry), host=args.host, port=args.port, log_level="warning")
    return 0


async def _history(args: argparse.Namespace) -> int:
    versions = await _with_registry(args.registry, lambda r: r.history(args.graph, args.limit))
    if args.json:
        print(json.dumps({"versions": [v.summary() for v in versions]}, indent=2))
        return 0
    for v in versions:
        subgraphs = ", ".join(s.name for s in v.subgraphs) or "(composed elsewhere)"
        print(
            f"{v.version:>4}  {v.created_at:%Y-%m-%d %H:%M:%S}  {v.author:<12} {v.digest[:12]}  {subgraphs}  {v.message}"
        )
    if not versions:
        print(f"graph {args.graph!r} has no version")
    return 0


async def _diff(args: argparse.Namespace) -> int:
    async def both(registry: Registry) -> tuple[Version, Version]:
        return await registry.get(args.graph, args.before), await registry.get(
            args.graph, args.after
        )

    before, after = await _with_registry(args.registry, both)
    changes = diff_schemas(
        load_supergraph(before.supergraph_sdl).api_schema,
        load_supergraph(after.supergraph_sdl).api_schema,
    )
    if args.json:
        print(
            json.dumps(
                {
                    "from": before.version,
                    "to": after.version,
                    "changes": [c.as_json() for c in changes],
                },
                indent=2,
            )
        )
    else:
        for change in changes:
            print(f"{change.severity:<9}  {change.path}  {change.message}")
        if not changes:
            print("no change to the API schema")
    return 1 if any(c.severity == "BREAKING" for c in changes) else 0


async def _with_registry(dsn: str, action: Callable[[Registry], Awaitable[T]]) -> T:
    registry = await Registry.open(dsn)
    try:
        return await action(registry)
    finally:
        await registry.close()
