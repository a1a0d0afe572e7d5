"""The `subgraphs` command: serve one domain subgraph, or seed the databases.

    subgraphs serve NAME [--port P] [--host H]
    subgraphs seed [--scale N] [NAME ...]
    subgraphs dead-letters [--consumer NAME] [--limit N]

Storage comes from the environment: `DATABASE_URL` (PostgreSQL, one schema per
subgraph) or SQLite files under `SUBGRAPHS_DATA_DIR` (default ./data).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from typing import Any

from subgraphs import registry
from subgraphs._common.config import DatabaseConfig
from subgraphs._common.context import CURRENT_REQUEST_ID
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

    dead = commands.add_parser(
        "dead-letters", help="list the events consumers gave up on, with the reason (NATS_URL)"
    )
    dead.add_argument("--consumer", help="only this consumer's (e.g. inventory-orders)")
    dead.add_argument("--limit", type=int, default=1000, help="at most this many (default 1000)")
    return parser


async def dead_letters(consumer: str | None, limit: int) -> int:
    import nats

    from events import EventsConfig, read_dead_letters

    config = EventsConfig.from_env()
    if config is None:
        print("NATS_URL is not set: events are off, there are no dead letters", file=sys.stderr)
        return 2
    client = await nats.connect(list(config.servers), connect_timeout=5, max_reconnect_attempts=0)
    try:
        found = await read_dead_letters(client.jetstream(), config.streams, consumer, limit)
    finally:
        await client.close()
    for letter in found:
        when = letter.stored_at.isoformat(timespec="seconds") if letter.stored_at else "?"
        print(
            f"#{letter.sequence} {when} {letter.consumer} {letter.event_type} {letter.event_id} "
            f"on {letter.subject} after {letter.attempts} attempt(s): {letter.reason}"
        )
    print(f"{len(found)} dead letter(s)" + (f" of {consumer}" if consumer else ""))
    return 0


def serve(name: str, host: str, port: int | None) -> int:
    import uvicorn

    from subgraphs._common.telemetry import traced, tracer_provider_from_env

    entry = registry.get(name)
    app = entry.create_app()
    served: Any = app
    provider = tracer_provider_from_env(name)
    if provider is not None:
        served = traced(app, provider)
    print(f"{name} subgraph on http://{host}:{port or entry.default_port}/graphql", flush=True)
    try:
        # log_config=None: uvicorn's lines go through the root handler (with the name).
        uvicorn.run(
            served, host=host, port=port or entry.default_port, log_level="info", log_config=None
        )
    finally:
        if provider is not None:
            provider.shutdown()  # the spans still held go out before the process ends
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


def configure_logging(subgraph: str | None) -> None:
    """Each line names the subgraph it comes from (`supergraph dev` interleaves five):
    text, or one JSON object per line with `SUPERGRAPH_LOG_FORMAT=json`. A line logged
    while serving a request carries its id (the router's `x-request-id`)."""
    import os

    handler = logging.StreamHandler()
    if os.environ.get("SUPERGRAPH_LOG_FORMAT", "").strip().lower() == "json":
        handler.setFormatter(_JsonLines(subgraph))
    else:
        handler.setFormatter(_TextLines(subgraph))
    logging.basicConfig(level=logging.INFO, handlers=[handler])


class _TextLines(logging.Formatter):
    def __init__(self, subgraph: str | None) -> None:
        named = f"[{subgraph}] " if subgraph else ""
        super().__init__(f"%(levelname)s {named}%(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        rid = CURRENT_REQUEST_ID.get()
        return line if rid is None else f"{line} request_id={rid}"


class _JsonLines(logging.Formatter):
    def __init__(self, subgraph: str | None) -> None:
        super().__init__()
        self.subgraph = subgraph

    def format(self, record: logging.LogRecord) -> str:
        import json

        line: dict[str, object] = {
            "timestamp": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if self.subgraph:
            line["subgraph"] = self.subgraph
        rid = CURRENT_REQUEST_ID.get()
        if rid is not None:
            line["request_id"] = rid
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.name if args.command == "serve" else None)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.command == "serve":
        return serve(args.name, args.host, args.port)
    if args.command == "dead-letters":
        return asyncio.run(dead_letters(args.consumer, args.limit))
    for name in args.names:
        if name not in registry.DOMAINS:
            build_parser().error(
                f"unknown subgraph {name!r} (known: {', '.join(registry.DOMAINS)})"
            )
    return asyncio.run(seed(args.names, Scale(args.scale)))


if __name__ == "__main__":
    sys.exit(main())
