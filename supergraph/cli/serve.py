"""`supergraph serve`: run the router against a supergraph SDL file (uvicorn)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--supergraph", required=True, metavar="PATH", help="supergraph SDL file")
    parser.add_argument("--config", metavar="PATH", help="router.yaml")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=4000, help="port to listen on (4000)")


def run(args: argparse.Namespace) -> int:
    # Imported here so other subcommands never load the HTTP stack.
    import uvicorn

    from supergraph.http.config import ConfigError, RouterConfig, load_config
    from supergraph.http.server import build_app
    from supergraph.schema import SupergraphError

    try:
        sdl = Path(args.supergraph).read_text(encoding="utf-8")
    except OSError as error:
        print(f"supergraph serve: {args.supergraph}: {error.strerror}", file=sys.stderr)
        return 2
    try:
        config = load_config(args.config) if args.config else RouterConfig()
        app = build_app(sdl, config)
    except ConfigError as error:
        print(f"supergraph serve: bad configuration: {error}", file=sys.stderr)
        return 2
    except SupergraphError as error:
        print(f"supergraph serve: bad supergraph {args.supergraph}: {error}", file=sys.stderr)
        return 2
    print(f"supergraph: serving on http://{args.host}:{args.port}/graphql", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0
