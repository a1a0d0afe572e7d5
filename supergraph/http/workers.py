"""`supergraph serve --workers N`: N router processes sharing one listening socket.

The parent binds the socket once, then starts N workers (`python -m
supergraph.http.workers`, each a full router in its own interpreter) that all
accept on it; the kernel hands each connection to one of them. The workers are
stateless, so requests scale with cores.

- SIGTERM, SIGINT (Ctrl-C) or SIGHUP to the parent: every worker gets SIGTERM, finishes
  its in-flight requests and exits; one still running after `GRACE` seconds is
  killed. The parent exits 0. Workers run in their own process group, so a
  terminal's Ctrl-C reaches only the parent (one clean shutdown, not two).
- A worker that dies is replaced (one line on stderr), from the version of the
  files the others serve (a snapshot taken at start-up). When workers die more
  than `MAX_DEATHS` times within `DEATH_WINDOW` seconds the parent stops them
  all and exits 1, rather than restarting a crash loop forever.
- A worker whose parent is gone (killed with SIGKILL) shuts itself down.
- Metrics: the parent creates a temporary PROMETHEUS_MULTIPROC_DIR, every worker
  writes its counters and gauges there, any worker's `/metrics` reports the sums
  (gauges of live workers only: the parent drops a dead one's); the
  parent removes the directory on exit. A parent killed with SIGKILL can't:
  the next one to start removes runtime folders whose parent is gone.
- `--hot-reload`: the parent watches the files. It loads a changed version
  itself; a bad one is reported once (stderr) and the workers are told only to
  count a failed reload (SIGUSR1). A good one is renamed into a private
  snapshot, which the workers watch (reload.py) and reload. Workers, and
  replacements of dead ones, only ever load the snapshot: they all serve the
  last good version, whatever happens to the files.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import uvicorn

if TYPE_CHECKING:
    from supergraph.http.telemetry_config import AdminConfig

GRACE = 10.0
MAX_DEATHS = 5
DEATH_WINDOW = 60.0
POLL = 0.1


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    """What each worker needs to build its router (it reads the files itself)."""

    supergraph: str
    config: str | None = None
    hot_reload: bool = False
    reload_interval: float = 1.0

    def argv(self, fd: int) -> list[str]:
        argv = [sys.executable, "-m", "supergraph.http.workers", "--fd", str(fd)]
        argv += ["--supergraph", self.supergraph]
        if self.config is not None:
            argv += ["--config", self.config]
        if self.hot_reload:
            argv += ["--watch-snapshot", "--reload-interval", str(self.reload_interval)]
        return argv


def supervise(
    options: WorkerOptions,
    workers: int,
    host: str,
    port: int,
    admin: AdminConfig | None = None,
) -> int:
    """Run `workers` processes on host:port until SIGTERM/SIGINT; the exit status.
    `admin`: the admin listener, served by this parent (ready while a worker runs;
    the metrics summed over the workers, as each worker's /metrics sums them)."""
    try:
        sock = _bind(host, port)
    except OSError as error:
        _log(f"cannot listen on {host}:{port}: {error.strerror}")
        return 1
    stop = _StopFlag()
    runtime = _runtime_folder()
    metrics_dir = runtime / "metrics"
    metrics_dir.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    try:
        with sock:
            snapshot = _Snapshot(options, runtime)
            if (problem := snapshot.take()) is not None:
                _log(problem)
                return 2
            served = snapshot.options

            def spawn() -> subprocess.Popen[bytes]:
                return subprocess.Popen(
                    served.argv(sock.fileno()),
                    pass_fds=(sock.fileno(),),
                    env=env,
                    process_group=0,
                )

            def forget(pid: int) -> None:
                from supergraph.http.metrics import forget_process

                forget_process(pid, str(metrics_dir))

            processes = [spawn() for _ in range(workers)]
            if admin is not None and not _start_admin(admin, processes, metrics_dir):
                return 1
            _log(f"serving on http://{host}:{port}/graphql ({workers} workers)")
            try:
                return _run(
                    processes, spawn, stop, snapshot if options.hot_reload else None, forget
                )
            finally:
                _stop_all(processes)
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


def _start_admin(
    config: AdminConfig, processes: list[subprocess.Popen[bytes]], metrics_dir: Path
) -> bool:
    """The admin listener in a thread of this parent; False: its configured address is
    taken (the default one taken is only reported)."""
    from supergraph.http.admin import AdminListener
    from supergraph.http.metrics import render_directory

    listener = AdminListener(
        config,
        ready=lambda: any(process.poll() is None for process in processes),
        metrics=lambda: render_directory(str(metrics_dir)),
    )
    try:
        listener.run_in_thread()
    except OSError as error:
        _log(f"admin listener: cannot listen on {config.health_listen}: {error.strerror}")
        return not config.explicit
    return True


RUNTIME_PREFIX = "supergraph-workers-"


def _runtime_folder() -> Path:
    """A private temporary folder named after this process (metrics, snapshots)."""
    base = Path(tempfile.gettempdir())
    for stale in base.glob(f"{RUNTIME_PREFIX}*"):
        owner = stale.name.removeprefix(RUNTIME_PREFIX).split("-", 1)[0]
        if owner.isdigit() and not _process_exists(int(owner)):
            shutil.rmtree(stale, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{RUNTIME_PREFIX}{os.getpid()}-", dir=base))


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


class _StopFlag:
    def __init__(self) -> None:
        self.set = False
        # SIGHUP too: a closed terminal stops the workers cleanly, not by orphaning them.
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self._handle)
        # Inherited by the workers: one still starting is not killed by the parent's
        # "a reload failed" notice.
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)

    def _handle(self, _signum: int, _frame: FrameType | None) -> None:
        self.set = True


class _Snapshot:
    """Copies of the files that loaded: what every worker (and every replacement of a
    dead one) serves, so all serve the same version even if the files are edited
    without `--hot-reload`."""

    def __init__(self, options: WorkerOptions, folder: Path) -> None:
        from supergraph.http.reload import FileWatch

        self.source = options.supergraph
        self._sources = [(options.supergraph, folder / "supergraph.graphql")]
        if options.config is not None:
            self._sources.append((options.config, folder / "router.yaml"))
        self._watch = FileWatch([source for source, _ in self._sources])
        self._interval = options.reload_interval
        self._next = time.monotonic() + self._interval
        copies = [str(copy) for _, copy in self._sources]
        config = copies[1] if len(copies) > 1 else None
        self.options = WorkerOptions(copies[0], config, options.hot_reload, options.reload_interval)

    def due(self) -> bool:
        """Whether a watched file changed (looked at once per reload interval)."""
        now = time.monotonic()
        if now < self._next:
            return False
        self._next = now + self._interval
        return bool(self._watch.changed())

    def take(self) -> str | None:
        """Copy the files in if they load; else the error, naming the user's files."""
        from supergraph.http.server import StartupError, load_app

        candidates = [copy.with_suffix(copy.suffix + ".new") for _, copy in self._sources]
        try:
            contents = [Path(source).read_bytes() for source, _ in self._sources]
            for candidate, content in zip(candidates, contents, strict=True):
                candidate.write_bytes(content)
        except OSError as error:
            return f"{error.filename}: {error.strerror}"
        try:
            load_app(str(candidates[0]), str(candidates[1]) if len(candidates) > 1 else None)
        except Exception as error:  # StartupError, or a bug: either way, not served
            message = str(error) if isinstance(error, StartupError) else repr(error)
            for (source, _), candidate in zip(self._sources, candidates, strict=True):
                message = message.replace(str(candidate), source)
            return message
        for (_, copy), candidate in zip(self._sources, candidates, strict=True):
            os.replace(candidate, copy)
        return None


def _run(
    processes: list[subprocess.Popen[bytes]],
    spawn: Callable[[], subprocess.Popen[bytes]],
    stop: _StopFlag,
    snapshot: _Snapshot | None,
    forget: Callable[[int], None] = lambda _pid: None,
) -> int:
    """Serve until stopped; `forget(pid)` drops a dead worker's gauges (metrics)."""
    from supergraph.http.reload import RELOAD_FAILED

    deaths: collections.deque[float] = collections.deque()
    while not stop.set:
        time.sleep(POLL)
        if snapshot is not None and snapshot.due():
            error = snapshot.take()
            if error is None:
                _log(f"hot reload: now serving {snapshot.source}")
            else:
                _log(f"{RELOAD_FAILED}: {error}")
                _signal_all(processes, signal.SIGUSR1)
        for index, process in enumerate(processes):
            code = process.poll()
            if code is None or stop.set:
                continue
            now = time.monotonic()
            deaths.append(now)
            while deaths[0] < now - DEATH_WINDOW:
                deaths.popleft()
            if len(deaths) > MAX_DEATHS:
                _log(f"workers died {len(deaths)} times within {DEATH_WINDOW:.0f}s; stopping")
                return 1
            _log(f"worker {process.pid} exited with code {code}; starting a new one")
            forget(process.pid)
            processes[index] = spawn()
    return 0


def _signal_all(processes: list[subprocess.Popen[bytes]], signum: int) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signum)


def _stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    _signal_all(processes, signal.SIGTERM)
    deadline = time.monotonic() + GRACE
    for process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _log(f"worker {process.pid} did not stop within {GRACE:.0f}s; killing it")
            process.kill()
            process.wait()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _log(line: str) -> None:
    print(f"supergraph: {line}", file=sys.stderr, flush=True)


# -- the worker side ---------------------------------------------------------------


def worker_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="supergraph-worker")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--supergraph", required=True)
    parser.add_argument("--config")
    parser.add_argument("--watch-snapshot", action="store_true")
    parser.add_argument("--reload-interval", type=float, default=1.0)
    args = parser.parse_args(argv)
    parent = os.getppid()
    # Imported only now: PROMETHEUS_MULTIPROC_DIR (set by the parent) is read when
    # prometheus_client is first imported.
    from starlette.applications import Starlette

    from supergraph.http.gc_tuning import settle_after_startup
    from supergraph.http.listener import RouterServer, edge_limits
    from supergraph.http.metrics import Metrics
    from supergraph.http.protocol import uvicorn_config
    from supergraph.http.reload import ReloadingApp
    from supergraph.http.server import StartupError, load_app

    metrics = Metrics(multiprocess_dir=os.environ["PROMETHEUS_MULTIPROC_DIR"])
    try:
        app: Starlette | ReloadingApp = (
            ReloadingApp(
                args.supergraph,
                args.config,
                metrics,
                args.reload_interval,
                settle=False,
                announce=False,
            )
            if args.watch_snapshot
            else load_app(args.supergraph, args.config, metrics)
        )
    except StartupError as error:
        _log(f"worker {os.getpid()}: {error}")
        return 2
    from supergraph.http import logs
    from supergraph.http.config import load_config

    logs.configure(load_config(args.config).telemetry.log_format if args.config else None)
    settle_after_startup()
    sock = socket.socket(fileno=args.fd)
    # Each worker caps its own connections (server.http.max_connections is per process).
    config = uvicorn_config(app, edge_limits(args.config), lifespan="on", log_config=None)
    server = RouterServer(config)

    async def serve() -> None:
        if isinstance(app, ReloadingApp):
            loop = asyncio.get_running_loop()
            # Until now SIGUSR1 was ignored (inherited from the parent, see _StopFlag).
            loop.add_signal_handler(signal.SIGUSR1, app.failed, "")  # the parent logged it
        housekeeping = asyncio.create_task(_housekeeping(server, metrics.sync, parent))
        try:
            await server.serve(sockets=[sock])
        finally:
            housekeeping.cancel()

    with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
        runner.run(serve())
    return 0


async def _housekeeping(
    server: uvicorn.Server, sync_metrics: Callable[[], None], parent: int
) -> None:
    """Every second: publish scrape-time counters; stop when the parent is gone."""
    while True:
        await asyncio.sleep(1.0)
        try:
            sync_metrics()
        except Exception:
            # A metrics bug must not stop the parent check below (an orphan would stay).
            logging.getLogger(__name__).exception("worker %d: metrics sync failed", os.getpid())
        if os.getppid() != parent:
            server.should_exit = True
            return


if __name__ == "__main__":
    sys.exit(worker_main())
