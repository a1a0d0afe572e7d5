"""`supergraph compose [--config supergraph.yaml] [--output schema.graphql]`.

Gathers each subgraph's SDL as the config says (file, `{ _service { sdl } }`
over HTTP, or a Python module's Strawberry schema asked in-process), composes
them with the pure composer, and writes the supergraph SDL (stdout by default).
Exit status: 0 composed, 1 composition errors, 2 configuration or source errors.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

import httpx

from supergraph.compose import SubgraphSource, compose
from supergraph.compose.config import ConfigError, SubgraphConfig, parse_config

INTROSPECTION_QUERY = "{ _service { sdl } }"
INTROSPECTION_TIMEOUT_SECONDS = 10.0


class SourceError(Exception):
    """A subgraph's SDL could not be obtained; the message names the subgraph."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        default="supergraph.yaml",
        help="subgraphs to compose (default: supergraph.yaml)",
    )
    parser.add_argument("--output", help="write the supergraph SDL here (default: stdout)")


def run(args: argparse.Namespace) -> int:
    config_path = Path(args.config)
    try:
        configs = parse_config(config_path.read_text(encoding="utf-8"))
        sources = [load_source(c, config_path.parent) for c in configs]
    except OSError as error:
        print(f"supergraph compose: cannot read {args.config}: {error.strerror}", file=sys.stderr)
        return 2
    except (ConfigError, SourceError) as error:
        print(f"supergraph compose: {args.config}: {error}", file=sys.stderr)
        return 2
    result = compose(sources)
    if result.errors or result.supergraph_sdl is None:
        print(f"supergraph compose: {len(result.errors)} composition error(s):", file=sys.stderr)
        for problem in result.errors:
            print(f"- {problem.code}: {problem.message}", file=sys.stderr)
            if problem.hint:
                print(f"  to fix: {problem.hint}", file=sys.stderr)
        return 1
    if args.output:
        Path(args.output).write_text(result.supergraph_sdl, encoding="utf-8")
        print(f"wrote {args.output} ({len(sources)} subgraphs)", file=sys.stderr)
    else:
        sys.stdout.write(result.supergraph_sdl)
    return 0


def load_source(
    config: SubgraphConfig, base: Path, client: httpx.Client | None = None
) -> SubgraphSource:
    """The subgraph's SDL from where the config says (`client` is for `introspect` sources)."""
    if config.kind == "file":
        sdl = _read_file(config, base)
    elif config.kind == "introspect":
        sdl = introspect(config.name, config.location, client)
    else:
        sdl = module_sdl(config.name, config.location)
    return SubgraphSource(config.name, config.routing_url, sdl)


def _read_file(config: SubgraphConfig, base: Path) -> str:
    path = base / config.location
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise SourceError(
            f"subgraph {config.name!r}: cannot read {path}: {error.strerror}"
        ) from None


def introspect(name: str, url: str, client: httpx.Client | None = None) -> str:
    """Ask a running subgraph for its SDL (`{ _service { sdl } }`)."""
    try:
        if client is None:
            with httpx.Client(timeout=INTROSPECTION_TIMEOUT_SECONDS) as own:
                response = own.post(url, json={"query": INTROSPECTION_QUERY})
        else:
            response = client.post(url, json={"query": INTROSPECTION_QUERY})
        payload = response.json()
    except httpx.HTTPError as error:
        raise SourceError(f"subgraph {name!r}: cannot reach {url}: {error}") from None
    except ValueError:
        raise SourceError(f"subgraph {name!r}: {url} did not answer with JSON") from None
    sdl = _service_sdl(payload)
    if sdl is None:
        raise SourceError(
            f"subgraph {name!r}: {url} did not answer {INTROSPECTION_QUERY} "
            f"(HTTP {response.status_code}); is it a federation subgraph?"
        )
    return sdl


def module_sdl(name: str, location: str) -> str:
    """The SDL of a Strawberry schema in a Python module (`package.module:attribute`)."""
    module_name, _, attribute = location.partition(":")
    try:
        target = getattr(importlib.import_module(module_name), attribute or "schema")
    except (ImportError, AttributeError) as error:
        raise SourceError(f"subgraph {name!r}: cannot load {location}: {error}") from None
    schema = getattr(target, "schema", target)  # a Domain-like holder or the schema itself
    execute_sync = getattr(schema, "execute_sync", None)
    if callable(execute_sync):
        # The same answer a running subgraph gives, without a server or a database.
        result = execute_sync(INTROSPECTION_QUERY)
        sdl = _service_sdl({"data": getattr(result, "data", None)})
        if sdl is not None:
            return sdl
    as_str = getattr(schema, "as_str", None)
    if callable(as_str):
        return str(as_str())
    raise SourceError(f"subgraph {name!r}: {location} is not a Strawberry schema")


def _service_sdl(payload: object) -> str | None:
    data = payload.get("data") if isinstance(payload, dict) else None
    service = data.get("_service") if isinstance(data, dict) else None
    sdl = service.get("sdl") if isinstance(service, dict) else None
    return sdl if isinstance(sdl, str) else None
