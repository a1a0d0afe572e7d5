"""`supergraph dev`: every bundled subgraph plus the router, in one command.

The subgraphs run as child processes (`subgraphs serve NAME`, seeded SQLite on
first start) on their default ports; the router serves `schema.graphql` on
:4000 in this process. Ctrl-C stops everything. This is the only module of the
router that knows the bundled subgraphs exist.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

HEALTH_TIMEOUT_SECONDS = 60.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--supergraph",
        default="schema.graphql",
        metavar="PATH",
        help="supergraph SDL (default: schema.graphql, composed from the bundled subgraphs)",
    )
    parser.add_argument("--config", metavar="PATH", help="router.yaml")
    parser.add_argument("--host", default="127.0.0.1", help="router address (127.0.0.1)")
    parser.add_argument("--port", type=int, default=4000, help="router port (4000)")


def run(args: argparse.Namespace) -> int:
    from subgraphs import registry

    try:
        sdl = Path(args.supergraph).read_text(encoding="utf-8")
    except OSError as error:
        print(f"supergraph dev: {args.supergraph}: {error.strerror}", file=sys.stderr)
        print("run it from the repository root, or pass --supergraph PATH", file=sys.stderr)
        return 2
    from auth import AuthConfigError
    from supergraph.cli.devauth import subgraph_environment

    try:
        env = subgraph_environment()
    except AuthConfigError as error:
        print(f"supergraph dev: {error}", file=sys.stderr)
        return 2
    ports = {name: entry.default_port for name, entry in registry.DOMAINS.items()}
    with _subgraph_processes(ports, env) as failed:
        if failed:
            print(f"supergraph dev: subgraph {failed} did not become healthy", file=sys.stderr)
            return 1
        return _serve_router(sdl, args)


@contextlib.contextmanager
def _subgraph_processes(ports: dict[str, int], env: dict[str, str]) -> Iterator[str | None]:
    """Start one child per subgraph; yield the name of one that never got healthy, or None."""
    children: list[subprocess.Popen[bytes]] = []
    try:
        for name, port in ports.items():
            command = [sys.executable, "-m", "subgraphs", "serve", name, "--port", str(port)]
            children.append(subprocess.Popen(command, env=env))
        deadline = time.monotonic() + HEALTH_TIMEOUT_SECONDS
        failed = next(
            (name for name, port in ports.items() if not _wait_healthy(port, deadline)), None
        )
        yield failed
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


def _wait_healthy(port: int, deadline: float) -> bool:
    url = f"http://127.0.0.1:{port}/health"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    return False


def _serve_router(sdl: str, args: argparse.Namespace) -> int:
    from auth import AuthConfigError
    from supergraph.cli.devauth import development_config
    from supergraph.http.config import ConfigError, RouterConfig, load_config
    from supergraph.http.listener import RouterServer
    from supergraph.http.protocol import uvicorn_config
    from supergraph.http.server import build_app
    from supergraph.schema import SupergraphError

    try:
        config = load_config(args.config) if args.config else RouterConfig()
        app = build_app(sdl, development_config(config))
    except (ConfigError, SupergraphError, AuthConfigError) as error:
        print(f"supergraph dev: {error}", file=sys.stderr)
        return 2
    print(f"GraphiQL: http://localhost:{args.port}/graphql", flush=True)
    RouterServer(uvicorn_config(app, config.edge, host=args.host, port=args.port)).run()
    return 0
