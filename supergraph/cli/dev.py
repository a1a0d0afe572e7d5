"""`supergraph dev`: every bundled subgraph plus the router, in one command.

The subgraphs run as child processes (`subgraphs serve NAME`, seeded SQLite on
first start) on their default ports; the router serves `schema.graphql` on
:4000 in this process. This is the only module of the router that knows the
bundled subgraphs exist. Its lifecycle (README.md, "make dev"):

- Before anything starts, every port (router and subgraphs) must be free: a
  taken one is reported with the process holding it (devports.py), exit 2.
- SIGINT (Ctrl-C), SIGTERM or SIGHUP stop the router, then every child; one line
  says so, exit 0. A second signal kills the children still stopping. The
  children stop even when this process is killed (lifeline.py).
- A subgraph that exits is reported and restarted with backoff; a crash loop
  stops everything, exit 1 (devchildren.py): dev runs the whole graph or
  nothing, rather than a router that keeps answering with one subgraph gone for
  good. The router's `/health` stays the router's own liveness (the contract,
  as Apollo Router's): the state of the subgraphs is in this command's log.
- Events (devnats.py): an embedded nats-server with JetStream in the data folder
  (4222 if free, else a free port) unless NATS_URL is set; its URL goes to the
  subgraphs as NATS_URL, and it stops after them (and if dev dies).
- `--stop-with-parent` (what `make dev` uses): also stop when the process that
  started this one exits; make forwards only SIGTERM to its recipe and a killed
  make would otherwise leave the whole stack running.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from supergraph.cli.devchildren import Children, ChildSpec, healthy
from supergraph.cli.devports import listen_problem

if TYPE_CHECKING:
    import uvicorn

    from supergraph.http.config import RouterConfig

HEALTH_TIMEOUT_SECONDS = 120.0  # first start seeds five databases, maybe on a busy machine
GRACE = 5.0  # for the router's open requests, then for the children, on a stop
TICK = 0.2
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


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
    parser.add_argument(
        "--entity-cache",
        action="store_true",
        help="cache subgraph answers in this process's memory (response_cache with its"
        " defaults; when --config turns response_cache on, that one)",
    )
    parser.add_argument(
        "--stop-with-parent",
        action="store_true",
        help="also stop when the process that started this one exits (`make dev` uses it)",
    )


def run(args: argparse.Namespace) -> int:
    stop = _StopRequest(watch_parent=args.stop_with_parent)
    status = _run(args, stop)
    if stop.reason is not None:
        _log(f"stopped ({stop.reason})")
        return 0
    return status


def _run(args: argparse.Namespace, stop: _StopRequest) -> int:
    from subgraphs import registry

    try:
        sdl = Path(args.supergraph).read_text(encoding="utf-8")
    except OSError as error:
        _log(f"{args.supergraph}: {error.strerror}")
        _log("run it from the repository root, or pass --supergraph PATH")
        return 2
    from auth import AuthConfigError
    from supergraph.cli.devauth import subgraph_environment

    try:
        env = subgraph_environment()
    except AuthConfigError as error:
        _log(str(error))
        return 2
    # The OTEL_* variables go on to the subgraphs (their traces join the router's), but
    # OTEL_SERVICE_NAME names the router: each subgraph names itself (subgraphs serve).
    env.pop("OTEL_SERVICE_NAME", None)
    specs = [
        ChildSpec(
            f"subgraph {name}",
            "subgraphs",
            ("serve", name, "--port", str(entry.default_port)),
            entry.default_port,
        )
        for name, entry in registry.DOMAINS.items()
    ]
    if (clash := next((spec for spec in specs if spec.port == args.port), None)) is not None:
        _log(f"--port {args.port} is the port of {clash.name}: choose another")
        return 2
    if problems := _port_problems(args.host, args.port, specs):
        for problem in problems:
            _log(problem)
        ports = "that port" if len(problems) == 1 else "those ports"
        _log(f"nothing was started; free {ports} (an earlier `supergraph dev`?) and run again")
        return 2
    server = _router(sdl, args)
    if isinstance(server, str):
        _log(server)
        return 2
    if stop.requested():
        return 0
    from supergraph.cli.devnats import start_dev_nats

    try:
        nats_server = start_dev_nats(env, _log)
    except RuntimeError as error:
        _log(f"events: {error}")
        return 2
    children = Children(specs, env, _log)
    try:
        children.start()
        deadline = time.monotonic() + HEALTH_TIMEOUT_SECONDS
        failure = children.wait_ready(deadline, stop.requested)
        if stop.requested():
            return 0
        if failure is not None:
            _log(f"{failure}; stopping")
            return 1
        return _serve(server, children, stop, f"http://localhost:{args.port}/graphql")
    finally:
        children.stop(GRACE, stop.hurried)
        if nats_server is not None:  # after the subgraphs that use it
            nats_server.stop(GRACE)


def with_entity_cache(config: RouterConfig) -> RouterConfig:
    """`config` with the entity cache on, in memory (`--entity-cache`), unless its own
    `response_cache` says otherwise. Entries live their TTL: no invalidation events."""
    if config.entity_cache is not None:
        return config
    from supergraph.pipeline.entity_cache import CacheSettings, EntityCacheOptions

    return dataclasses.replace(config, entity_cache=EntityCacheOptions(CacheSettings()))


def _port_problems(host: str, port: int, specs: list[ChildSpec]) -> list[str]:
    checks = [(host, port, "router"), *(("127.0.0.1", spec.port, spec.name) for spec in specs)]
    return [problem for check in checks if (problem := listen_problem(*check)) is not None]


def _router(sdl: str, args: argparse.Namespace) -> uvicorn.Server | str:
    """The router's server, or why it cannot be built (before any child starts)."""

    from auth import AuthConfigError
    from supergraph.cli.devauth import development_config
    from supergraph.http import logs
    from supergraph.http.admin import admin_config, for_app
    from supergraph.http.config import ConfigError, RouterConfig, load_config
    from supergraph.http.listener import RouterServer
    from supergraph.http.protocol import uvicorn_config
    from supergraph.http.server import build_app
    from supergraph.schema import SupergraphError

    try:
        config = load_config(args.config) if args.config else RouterConfig()
        if args.entity_cache:
            config = with_entity_cache(config)
        app = build_app(sdl, development_config(config))
    except (ConfigError, SupergraphError, AuthConfigError) as error:
        return str(error)
    logs.configure(config.telemetry.log_format)  # text on a terminal
    admin = admin_config(args.config, os.environ)
    settings = uvicorn_config(
        app,
        config.edge,
        host=args.host,
        port=args.port,
        timeout_graceful_shutdown=GRACE,
        log_config=None,
    )
    return RouterServer(settings, None if admin is None else for_app(app, admin))


def _serve(server: uvicorn.Server, children: Children, stop: _StopRequest, url: str) -> int:
    try:
        with asyncio.Runner(loop_factory=server.config.get_loop_factory()) as runner:
            return runner.run(_supervise(server, children, stop, url))
    except SystemExit:  # how uvicorn fails when it cannot listen (it logged why)
        _log("the router could not start; stopping")
        return 1


async def _supervise(
    server: uvicorn.Server, children: Children, stop: _StopRequest, url: str
) -> int:
    """Serve the router until a stop; meanwhile restart children that exit."""
    serving = asyncio.create_task(server.serve())
    announced = False
    problem: str | None = None
    while not serving.done():
        await asyncio.wait({serving}, timeout=TICK)
        if server.started and not announced:
            announced = True
            print(f"GraphiQL: {url}", flush=True)
        if stop.requested() or problem is not None:
            server.should_exit = True
            continue
        problem = children.check()
        if problem is not None:
            _log(f"{problem}; stopping everything")
            server.should_exit = True
            continue
        for spec in children.unready():
            if await asyncio.to_thread(healthy, spec.health_url):
                children.mark_ready(spec)
    if problem is not None or not (announced or stop.requested()):
        return 1
    return 0


class _StopRequest:
    """Why the command should stop (a signal's name, or the parent's exit), if it should.

    The handlers are installed first thing and only record: uvicorn replaces the
    ones for SIGINT and SIGTERM while the router serves and raises the signal
    again when it is done, which lands here instead of killing the process
    before the children are stopped (or printing a KeyboardInterrupt traceback).
    """

    def __init__(self, *, watch_parent: bool) -> None:
        self.reason: str | None = None
        self.signals = 0
        self._parent = os.getppid() if watch_parent else None
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        self.signals += 1
        if self.reason is None:
            self.reason = signal.Signals(signum).name

    def requested(self) -> bool:
        if self.reason is None and self._parent is not None and os.getppid() != self._parent:
            self.reason = f"its parent process {self._parent} exited"
        return self.reason is not None

    def hurried(self) -> bool:
        """A second signal: don't wait for the children to finish stopping."""
        return self.signals >= 2


def _log(line: str) -> None:
    print(f"supergraph dev: {line}", file=sys.stderr, flush=True)
