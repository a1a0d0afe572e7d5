"""`supergraph deprecations --supergraph schema.graphql [--usage DSN] [--window 30d] [--json]`.

Every deprecated field, argument, input field and enum value of the API schema,
with its reason and, from the usage the routers recorded, who still uses it:
requests per client over the window and per day, so a team sees when it may go
(no use in the window: it can be removed without breaking a recorded client).
Exit status: 0, 2 a usage problem.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
)

from supergraph.cli.check import window_days
from supergraph.dsn import StoreError, store_errors
from supergraph.schema import SupergraphError, load_supergraph
from supergraph.usage.store import UsageStore


@dataclass(frozen=True, slots=True)
class Deprecated:
    coordinate: str
    reason: str


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--supergraph", type=Path, default=Path("schema.graphql"))
    parser.add_argument("--usage", metavar="DSN", help="the usage store (without: no usage)")
    parser.add_argument("--window", type=window_days, default=30.0, metavar="30d")
    parser.add_argument("--json", action="store_true")


def deprecated_elements(schema: GraphQLSchema) -> list[Deprecated]:
    out: list[Deprecated] = []
    for name, named in sorted(schema.type_map.items()):
        if name.startswith("__"):
            continue
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in named.fields.items():
                if field.deprecation_reason is not None:
                    out.append(Deprecated(f"{name}.{field_name}", field.deprecation_reason))
                for arg_name, arg in field.args.items():
                    if arg.deprecation_reason is not None:
                        coordinate = f"{name}.{field_name}({arg_name}:)"
                        out.append(Deprecated(coordinate, arg.deprecation_reason))
        elif isinstance(named, GraphQLInputObjectType):
            for field_name, input_field in named.fields.items():
                if input_field.deprecation_reason is not None:
                    out.append(Deprecated(f"{name}.{field_name}", input_field.deprecation_reason))
        elif isinstance(named, GraphQLEnumType):
            for value_name, value in named.values.items():
                if value.deprecation_reason is not None:
                    out.append(Deprecated(f"{name}.{value_name}", value.deprecation_reason))
    return out


def run(args: argparse.Namespace) -> int:
    try:
        schema = load_supergraph(args.supergraph.read_text(encoding="utf-8")).api_schema
        elements = deprecated_elements(schema)
        with store_errors("usage store"):
            report = asyncio.run(_report(elements, args.usage, args.window))
    except OSError as error:
        print(f"supergraph deprecations: {args.supergraph}: {error.strerror}", file=sys.stderr)
        return 2
    except (SupergraphError, StoreError) as error:
        print(f"supergraph deprecations: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"windowDays": args.window, "deprecated": report}, indent=2))
        return 0
    if not report:
        print("nothing is deprecated")
    for entry in report:
        line = f"{entry['coordinate']}  ({entry['reason']})"
        clients = entry.get("clients")
        if isinstance(clients, dict):
            used = ", ".join(f"{c} {n}" for c, n in clients.items()) or "unused: may be removed"
            line += f"  {used}"
            if entry.get("lastUsed"):
                line += f" (last used {entry['lastUsed']})"
        print(line)
    return 0


async def _report(
    elements: list[Deprecated], dsn: str | None, days: float
) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    store = await UsageStore.open(dsn) if dsn else None
    try:
        since = datetime.now(UTC) - timedelta(days=days)
        for element in elements:
            entry: dict[str, object] = {"coordinate": element.coordinate, "reason": element.reason}
            if store is not None:
                daily = await store.daily([element.coordinate], since)
                clients: dict[str, int] = {}
                for per_client in daily.values():
                    for client, count in per_client.items():
                        clients[client] = clients.get(client, 0) + count
                entry["clients"] = dict(sorted(clients.items(), key=lambda item: -item[1]))
                entry["daily"] = daily
                # The day of the last use in the window: how long it has been unused.
                entry["lastUsed"] = max(daily) if daily else None
            out.append(entry)
    finally:
        if store is not None:
            await store.close()
    return out
