"""The `subgraphs` command: serve one domain subgraph, or seed the databases.

    subgraphs serve NAME [--port P] [--host H]
    subgraphs seed [--scale N] [NAME ...]

Storage comes from the environment: `DATABASE_URL` (PostgreSQL, one schema per
subgraph) or SQLite files under `SUBGRAPHS_DATA_DIR` (default ./data).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from subgraphs import registry
from subgraphs._common.config import DatabaseConfig
from subgraphs._common.database import Database
from subgraphs._common.seeding import DEFAULT_SCALE, MAX_SCALE, Scale


def _scale(value: str) -> int:
    try:
        scale = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {value!r}") from None
    if not 1 <= scale <= MAX_SCALE:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_SCALE}")
    return scale


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="subgraphs", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    names = list(registry.DOMAINS)

    serve = commands.add_parser("serve", help="run one subgraph over HTTP")
    serve.add_argument("name", choices=names)
    serve.add_argument("--port", type=int, help="default: accounts 4001, products 4002, ...")
    serve.add_argument("--host", default="127.0.0.1")

    seed = commands.add_parser("seed", help="(re)create the databases with deterministic data")
    seed.add_argument("--scale", type=_scale, default=DEFAULT_SCALE, help="data size (default 1)")
    seed.add_argument("names", nargs="*", metavar="NAME", help=f"default: all ({', '.join(names)})")
    return parser


def serve(name: str, host: str, port: int | None) -> int:
    import uvicorn

    entry = registry.get(name)
    app = entry.create_app()
    print(f"{name} subgraph on http://{host}:{port or entry.default_port}/graphql", flush=True)
    uvicorn.run(app, host=host, port=port or entry.default_port, log_level="info")
    return 0


async def seed(names: Sequence[str], scale: Scale) -> int:
    for name in names or list(registry.DOMAINS):
        domain = registry.get(name).load()
        database = Database(name, DatabaseConfig.from_env(name))
        try:
            await database.reset()
            report = await database.prepare(domain, seed_scale=scale)
        finally:
            await database.dispose()
        print(
            f"{name}: seeded at scale {scale.n} "
            f"({database.config.describe()}, schema version {report.applied[-1]})",
            flush=True,
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.command == "serve":
        return serve(args.name, args.host, args.port)
    for name in args.names:
        if name not in registry.DOMAINS:
            build_parser().error(
                f"unknown subgraph {name!r} (known: {', '.join(registry.DOMAINS)})"
            )
    return asyncio.run(seed(args.names, Scale(args.scale)))


if __name__ == "__main__":
    sys.exit(main())
