"""`supergraph publish --registry DSN [--graph main] [--config supergraph.yaml |
--supergraph FILE] [--author NAME] [--message TEXT]`.

Composes the subgraphs of the composition config (or takes an already composed
supergraph, e.g. a contract) and stores it in the registry as the graph's next
version (docs/registry.md); routers polling the registry pick it up. Publishing
what the latest version holds stores nothing. Exit status: 0 published (or
unchanged), 1 composition errors, 2 a usage problem.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from pathlib import Path

from supergraph.cli.compose import SourceError, load_source
from supergraph.compose import SubgraphSource, compose
from supergraph.compose.config import ConfigError, parse_config
from supergraph.dsn import StoreError, store_errors
from supergraph.registry.store import Registry, RegistryError, Version
from supergraph.schema import SupergraphError, load_supergraph

REGISTRY_ENV = "SUPERGRAPH_REGISTRY"


def add_registry_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--registry",
        default=os.environ.get(REGISTRY_ENV),
        help=f"sqlite:///PATH or postgresql://... (default: ${REGISTRY_ENV})",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_registry_argument(parser)
    parser.add_argument("--graph", default="main", help="the graph (or variant) name (main)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--config", type=Path, help="composition config to compose (default: supergraph.yaml)"
    )
    source.add_argument("--supergraph", type=Path, help="publish this composed supergraph")
    parser.add_argument("--author", default=None, help="who publishes (default: the user)")
    parser.add_argument("--message", default="", help="why")


def run(args: argparse.Namespace) -> int:
    if not args.registry:
        print(f"supergraph publish: give --registry or set {REGISTRY_ENV}", file=sys.stderr)
        return 2
    try:
        sdl, subgraphs = _supergraph(args)
    except _Usage as error:
        print(f"supergraph publish: {error}", file=sys.stderr)
        return 2
    except _CompositionFailed as error:
        print(
            f"supergraph publish: nothing published, composition failed:\n{error}", file=sys.stderr
        )
        return 1
    author = args.author or getpass.getuser()
    try:
        with store_errors("registry"):
            version, new = asyncio.run(
                _publish(args.registry, args.graph, sdl, subgraphs, author, args.message)
            )
    except (RegistryError, StoreError) as error:
        print(f"supergraph publish: {error}", file=sys.stderr)
        return 2
    if new:
        print(f"published {args.graph} version {version.version} ({version.digest[:12]})")
    else:
        print(f"unchanged: {args.graph} version {version.version} holds this supergraph")
    return 0


class _Usage(Exception):
    pass


class _CompositionFailed(Exception):
    pass


def _supergraph(args: argparse.Namespace) -> tuple[str, list[SubgraphSource]]:
    if args.supergraph is not None:
        try:
            sdl = args.supergraph.read_text(encoding="utf-8")
            load_supergraph(sdl)
        except OSError as error:
            raise _Usage(f"cannot read {args.supergraph}: {error.strerror}") from None
        except SupergraphError as error:
            raise _Usage(f"{args.supergraph}: invalid supergraph: {error}") from None
        return sdl, []
    config = args.config or Path("supergraph.yaml")
    try:
        sources = [load_source(c, config.parent) for c in parse_config(config.read_text("utf-8"))]
    except OSError as error:
        raise _Usage(f"cannot read {config}: {error.strerror}") from None
    except (ConfigError, SourceError) as error:
        raise _Usage(f"{config}: {error}") from None
    result = compose(sources)
    if result.errors or result.supergraph_sdl is None:
        raise _CompositionFailed("\n".join(f"- {e.code}: {e.message}" for e in result.errors))
    return result.supergraph_sdl, sources


async def _publish(
    dsn: str, graph: str, sdl: str, subgraphs: list[SubgraphSource], author: str, message: str
) -> tuple[Version, bool]:
    registry = await Registry.open(dsn)
    try:
        return await registry.publish(graph, sdl, subgraphs, author, message)
    finally:
        await registry.close()
