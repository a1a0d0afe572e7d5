"""`supergraph usage --usage DSN [--window 30d] [--top 50] [--json]`: what clients used;
`supergraph usage --usage DSN --prune-older-than 90d`: retention.

Reads the usage the routers recorded (router.yaml `usage_reporting`,
docs/usage.md): the most used schema coordinates over the window, with their
request counts. `--prune-older-than` deletes the counts of older hours and the
operations nothing counts any more (run it from cron: the store otherwise grows
by a row per hour, operation and client). Exit status: 0, 2 a usage problem.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta

from supergraph.cli.check import window_days
from supergraph.dsn import StoreError, store_errors
from supergraph.usage.store import UsageStore


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--usage", required=True, metavar="DSN", help="the usage store")
    parser.add_argument("--window", type=window_days, default=30.0, metavar="30d")
    parser.add_argument("--top", type=int, default=50, help="how many coordinates (50)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--prune-older-than",
        type=window_days,
        metavar="90d",
        help="delete the usage recorded before this (instead of reporting)",
    )


def run(args: argparse.Namespace) -> int:
    if args.prune_older_than is not None:
        return _prune(args.usage, args.prune_older_than)
    try:
        with store_errors("usage store"):
            counts = asyncio.run(_counts(args.usage, args.window))
    except StoreError as error:
        print(f"supergraph usage: {error}", file=sys.stderr)
        return 2
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[: args.top]
    if args.json:
        print(json.dumps({"windowDays": args.window, "coordinates": dict(ranked)}, indent=2))
        return 0
    if not ranked:
        print("no usage recorded in the window")
    width = max((len(coordinate) for coordinate, _ in ranked), default=0)
    for coordinate, count in ranked:
        print(f"{coordinate:<{width}}  {count}")
    return 0


def _prune(dsn: str, days: float) -> int:
    async def prune() -> tuple[int, int]:
        store = await UsageStore.open(dsn)
        try:
            return await store.prune(datetime.now(UTC) - timedelta(days=days))
        finally:
            await store.close()

    try:
        with store_errors("usage store"):
            rows, operations = asyncio.run(prune())
    except StoreError as error:
        print(f"supergraph usage: {error}", file=sys.stderr)
        return 2
    print(f"pruned {rows} hourly count(s) and {operations} operation(s) older than {days:g} days")
    return 0


async def _counts(dsn: str, days: float) -> dict[str, int]:
    store = await UsageStore.open(dsn)
    try:
        return await store.coordinate_counts(datetime.now(UTC) - timedelta(days=days))
    finally:
        await store.close()
