"""`supergraph serve`: run the router against a supergraph SDL file (uvicorn)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--supergraph", metavar="PATH", help="supergraph SDL file")
    source.add_argument(
        "--supergraph-url",
        metavar="URL",
        help="follow the supergraph a registry publishes there (polled every "
        "--reload-interval; implies --hot-reload; docs/registry.md)",
    )
    parser.add_argument(
        "--supergraph-cache",
        metavar="PATH",
        help="with --supergraph-url: where the last supergraph received is kept "
        "(default: a file in the temporary directory named after the URL)",
    )
    parser.add_argument("--config", metavar="PATH", help="router.yaml")
    parser.add_argument(
        "--host", help="address to listen on (router.yaml supergraph.listen, else 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, help="port to listen on (router.yaml supergraph.listen, else 4000)"
    )
    parser.add_argument(
        "--workers",
        type=_positive_int,
        default=1,
        metavar="N",
        help="router processes sharing the port (1); metrics are summed over them",
    )
    parser.add_argument(
        "--hot-reload",
        action="store_true",
        help="reload the supergraph and router.yaml when they change; a bad file keeps the old",
    )
    parser.add_argument(
        "--reload-interval",
        type=_positive_float,
        default=1.0,
        metavar="SECONDS",
        help="how often --hot-reload looks at the files (1)",
    )


def run(args: argparse.Namespace) -> int:
    # Imported here so other subcommands never load the HTTP stack.
    from supergraph import compiled
    from supergraph.http import logs
    from supergraph.http.admin import admin_config, for_app
    from supergraph.http.config import load_config
    from supergraph.http.gc_tuning import settle_after_startup
    from supergraph.http.listener import RouterServer, edge_limits, listen_address
    from supergraph.http.protocol import uvicorn_config
    from supergraph.http.reload import serving_app
    from supergraph.http.server import StartupError
    from supergraph.http.telemetry_config import TelemetryConfig
    from supergraph.http.workers import WorkerOptions, supervise

    remote = None
    if args.supergraph_url:
        from supergraph.http.remote_supergraph import (
            RemoteSupergraph,
            RemoteSupergraphError,
            default_cache_path,
        )

        cache = Path(args.supergraph_cache or default_cache_path(args.supergraph_url))
        remote = RemoteSupergraph(args.supergraph_url, cache)
        try:
            remote.start_from_registry()
        except RemoteSupergraphError as error:
            print(f"supergraph serve: {error}", file=sys.stderr)
            return 2
        args.supergraph, args.hot_reload = str(cache), True
    # Loaded once here even with --workers, so bad files are reported once (exit 2).
    try:
        # With --workers the parent watches the files (workers.py).
        hot_reload = args.hot_reload and args.workers == 1
        app = serving_app(args.supergraph, args.config, None, hot_reload, args.reload_interval)
    except StartupError as error:
        print(f"supergraph serve: {error}", file=sys.stderr)
        return 2
    if remote is not None:
        remote.follow(args.reload_interval)
    # The command line wins over router.yaml's `supergraph.listen`.
    listen = listen_address(args.config)
    args.host = args.host or listen.host or DEFAULT_HOST
    args.port = args.port if args.port is not None else listen.port or DEFAULT_PORT
    # The files loaded: what they say about logs and the admin listener holds.
    telemetry = load_config(args.config).telemetry if args.config else TelemetryConfig()
    logs.configure(telemetry.log_format)
    admin = admin_config(args.config, os.environ)
    # Which build of the hot modules runs (`make compiled`): read by people and tests.
    print(f"supergraph: executor modules: {compiled.status().describe()}", file=sys.stderr)
    if args.workers > 1:
        options = WorkerOptions(args.supergraph, args.config, args.hot_reload, args.reload_interval)
        return supervise(options, args.workers, args.host, args.port, admin)
    where = f"http://{args.host}:{args.port}{listen.path}"
    print(f"supergraph: serving on {where}", file=sys.stderr)
    # uvicorn stops gracefully on SIGTERM/SIGINT, then raises the signal again for
    # whatever handler was there before; with these no-ops a clean stop exits 0
    # (as the --workers parent does).
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _signum, _frame: None)
    limits = edge_limits(args.config)
    settle_after_startup()
    # log_config=None: uvicorn's own lines go through the root handler (logs.py).
    settings = uvicorn_config(app, limits, host=args.host, port=args.port, log_config=None)
    RouterServer(settings, None if admin is None else for_app(app, admin)).run()
    return 0


DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4000


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value
