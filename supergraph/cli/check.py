"""`supergraph check --subgraph NAME --schema FILE [--config supergraph.yaml]
[--supergraph FILE] [--operations MANIFEST] [--json]`.

Composes the subgraphs of the composition config with NAME's SDL replaced by
FILE, diffs the API schema with the current one (`--supergraph`, or the config
composed as it is) and classifies every change BREAKING / DANGEROUS / SAFE;
persisted operations (`--operations`, a persisted query manifest) are
validated against the proposed schema. Exit status: 0 pass, 1 blocking changes
(composition errors, breaking changes, persisted operations no longer valid),
2 a usage problem. The JSON output is described in docs/schema-checks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from supergraph.cli.compose import SourceError, introspect, load_source
from supergraph.compose import SubgraphSource
from supergraph.compose.config import ConfigError, parse_config
from supergraph.dsn import StoreError, store_errors
from supergraph.governance.check import (
    Audience,
    CheckInputError,
    CheckReport,
    UsageWindow,
    affected_coordinates,
    check_subgraph,
)
from supergraph.pipeline.persisted.manifest import ManifestError, load_manifest
from supergraph.registry.store import Registry, RegistryError
from supergraph.schema import SupergraphError, load_supergraph
from supergraph.usage.store import UsageStore, Use


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--subgraph", required=True, help="the subgraph that changes")
    parser.add_argument(
        "--schema",
        required=True,
        help="its proposed SDL: a file, or a running subgraph's URL (asked `{ _service { sdl } }`)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=Path("supergraph.yaml"),
        help="the composition config naming every subgraph (default: supergraph.yaml)",
    )
    current = parser.add_mutually_exclusive_group()
    current.add_argument(
        "--supergraph",
        type=Path,
        help="the supergraph clients use now (default: the config composed as it is)",
    )
    current.add_argument(
        "--registry",
        metavar="DSN",
        help="take the current supergraph and its subgraphs from the registry's latest "
        "version of --graph (docs/registry.md) instead of --config: its database "
        "(sqlite:///..., postgresql://...) or its HTTP API (http://registry:4010)",
    )
    parser.add_argument("--graph", default="main", help="with --registry: the graph (main)")
    parser.add_argument(
        "--operations", type=Path, help="persisted query manifest to validate exactly"
    )
    parser.add_argument(
        "--new",
        action="store_true",
        help="NAME is a subgraph to add (not in the composition yet)",
    )
    parser.add_argument(
        "--include-tag",
        action="append",
        default=[],
        help="check a contract's API (as `supergraph contract`): what carries this @tag",
    )
    parser.add_argument(
        "--exclude-tag", action="append", default=[], help="with a contract: hide this @tag"
    )
    parser.add_argument(
        "--usage",
        metavar="DSN",
        help="the router's usage store: a breaking change nobody used in --window passes",
    )
    parser.add_argument(
        "--window",
        type=window_days,
        default=30.0,
        metavar="30d",
        help="how far back usage counts (days `30d` or hours `12h`; default 30d)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


class _Usage(Exception):
    pass


def run(args: argparse.Namespace) -> int:
    try:
        report = _check(args)
    except _Usage as error:
        print(f"supergraph check: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        _print_table(report)
    return 0 if report.passed else 1


def _check(args: argparse.Namespace) -> CheckReport:
    try:
        proposed = _proposed(args.subgraph, args.schema)
        current: str | None
        if args.registry:
            with store_errors("registry"):
                sources, current = asyncio.run(_from_registry(args.registry, args.graph))
        else:
            configs = parse_config(_config_text(args.config))
            sources = [load_source(config, args.config.parent) for config in configs]
            current = _current(args.supergraph)
        operations = dict(load_manifest(args.operations).by_id) if args.operations else None
        audience = Audience(tuple(args.include_tag), tuple(args.exclude_tag))
        new_url = _new_url(args.subgraph, args.schema) if args.new else None
        report = check_subgraph(
            sources, args.subgraph, proposed, current, operations, audience, new_url
        )
        if args.usage:
            with store_errors("usage store"):
                report = asyncio.run(_with_usage(report, args.usage, args.window))
        return report
    except OSError as error:
        raise _Usage(f"cannot read {error.filename}: {error.strerror}") from None
    except (
        ConfigError,
        SourceError,
        ManifestError,
        CheckInputError,
        StoreError,
        RegistryError,
    ) as error:
        raise _Usage(str(error)) from None


def _config_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        # A supergraph file does not hold its subgraphs' SDL: the proposal is composed
        # with the others, from a composition config or the registry.
        raise _Usage(
            f"cannot read {path}: {error.strerror} (the other subgraphs come from "
            "--config or --registry; --supergraph only names what clients use now)"
        ) from None


def _new_url(name: str, schema: str) -> str:
    """Where a new subgraph would be routed: its running service, else a placeholder
    (the routing URL does not change the API schema)."""
    if schema.startswith(("http://", "https://")):
        return schema
    return f"http://{name}.invalid/graphql"


def _proposed(name: str, schema: str) -> str:
    if schema.startswith(("http://", "https://")):
        return introspect(name, schema)  # SourceError when it cannot answer
    return Path(schema).read_text(encoding="utf-8")


async def _from_registry(where: str, graph: str) -> tuple[list[SubgraphSource], str]:
    """The latest version's subgraphs (to compose with the proposed one) and supergraph,
    from the registry's database or its HTTP API."""
    if where.startswith(("http://", "https://")):
        number, sdl, subgraphs = await _over_http(where.rstrip("/"), graph)
    else:
        registry = await Registry.open(where)
        try:
            latest = await registry.latest(graph)
        finally:
            await registry.close()
        if latest is None:
            raise RegistryError(f"graph {graph!r} has no version in the registry")
        number, sdl, subgraphs = latest.version, latest.supergraph_sdl, list(latest.subgraphs)
    if not subgraphs:
        raise RegistryError(
            f"{graph} version {number} was published composed (--supergraph): "
            "its subgraphs are unknown, check with --config"
        )
    return subgraphs, sdl


async def _over_http(base: str, graph: str) -> tuple[int, str, list[SubgraphSource]]:
    async with httpx.AsyncClient(timeout=30) as client:
        try:
            sdl = await client.get(f"{base}/graphs/{graph}/supergraph")
            listed = await client.get(f"{base}/graphs/{graph}/subgraphs")
        except httpx.HTTPError as error:
            raise RegistryError(f"{base}: {type(error).__name__}: {error}") from None
    for response in (sdl, listed):
        if response.status_code != 200:
            raise RegistryError(f"{response.url} answered HTTP {response.status_code}")
    body = listed.json()
    sources = [SubgraphSource(s["name"], s["url"], s["sdl"]) for s in body["subgraphs"]]
    return int(body["version"]), sdl.text, sources


async def _with_usage(report: CheckReport, dsn: str, days: float) -> CheckReport:
    """The report with, for each breaking change, who used what it breaks."""
    store = await UsageStore.open(dsn)
    try:
        since = datetime.now(UTC) - timedelta(days=days)
        uses = []
        for change in report.changes:
            found: list[Use] = []
            if change.severity == "BREAKING":
                found = await store.uses(affected_coordinates(change), since)
            uses.append(tuple(found))
    finally:
        await store.close()
    return replace(report, usage=UsageWindow(days, tuple(uses)))


MAX_WINDOW_DAYS = 36500.0
"""A hundred years: a window reaching before year 1 overflows datetime."""


def window_days(text: str) -> float:
    unit = {"d": 1.0, "h": 1 / 24}.get(text[-1:])
    try:
        value = float(text[:-1]) * unit if unit is not None else float("nan")
    except ValueError:
        value = float("nan")
    if not 0 < value <= MAX_WINDOW_DAYS:
        raise argparse.ArgumentTypeError(
            f"a duration such as 30d or 12h, at most {MAX_WINDOW_DAYS:.0f}d, not {text!r}"
        )
    return value


def _current(path: Path | None) -> str | None:
    if path is None:
        return None
    sdl = path.read_text(encoding="utf-8")
    try:
        load_supergraph(sdl)
    except SupergraphError as error:
        raise _Usage(f"{path}: invalid supergraph: {error}") from None
    return sdl


def _print_table(report: CheckReport) -> None:
    if report.composition_errors:
        print(f"{report.subgraph}: the proposed schema does not compose:")
        for code, message in report.composition_errors:
            print(f"  {code}: {message}")
    rows = []
    for index, change in enumerate(report.changes):
        message = change.message
        if report.usage is not None and change.severity == "BREAKING":
            uses = report.usage.uses[index]
            message += f" - used by {_who(uses)}" if uses else " - unused: passes"
        rows.append((change.severity, change.path, message))
    rows += [
        ("BREAKING", f"operation {op.id}", "; ".join(op.messages))
        for op in report.invalid_operations
    ]
    if rows:
        width = max(len(path) for _, path, _ in rows)
        for severity, path, message in rows:
            print(f"{severity:<9}  {path:<{width}}  {message}")
    elif not report.composition_errors:
        print("no change to the API schema")
    verdict = "PASS" if report.passed else f"FAIL ({report.blocking} blocking)"
    checked = f", {report.operations_checked} persisted operation(s) checked"
    print(f"{report.subgraph}: {verdict}{checked if report.operations_checked else ''}")


def _who(uses: tuple[Use, ...]) -> str:
    """`web 3.1: Top x12, ById x1; ios 2.0: Top x3`: each client with the operations it
    sent (by name, else the start of their id) and how many requests."""
    per_client: dict[str, dict[str, int]] = {}
    for use in uses:
        client = f"{use.client_name or '(no name)'} {use.client_version}".strip()
        operation = use.operation_name or use.operation_id[:12]
        if use.persisted_id:
            operation += f" [{use.persisted_id}]"
        operations = per_client.setdefault(client, {})
        operations[operation] = operations.get(operation, 0) + use.count
    return "; ".join(
        f"{client}: " + ", ".join(f"{op} x{n}" for op, n in sorted(ops.items()))
        for client, ops in sorted(per_client.items())
    )
