"""Hot reload (`supergraph serve --hot-reload`): swap in a new app when the files change.

(With `--workers` the parent watches the files, the workers a snapshot: workers.py.)

`ReloadingApp` is the ASGI app uvicorn serves. It polls the supergraph (and
router.yaml) every `interval` seconds; when one changed (mtime or size, then a
content hash, so a `touch` is not a reload), it builds a whole new app from the
files (`load_app`) and swaps it in for new requests. Requests already running
finish on the old app, which is closed (subgraph connections, stores) when the
last of them is done. A file that does not load is reported in one line on
stderr and the previous app keeps serving, so `/health` stays UP.

The whole app is rebuilt, not only the `Router`, so every router.yaml section
(CORS, limits, security, persisted queries) takes effect; the `Metrics` object
is handed from app to app, so counters carry on.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from supergraph.http.metrics import Metrics
from supergraph.http.server import StartupError, load_app

DEFAULT_INTERVAL = 1.0
RELOAD_FAILED = "hot reload failed, still serving the previous supergraph"


class FileWatch:
    """Which of some files changed since the last look: stat first, then a content hash.

    With `settle`, a file counts as changed once its stat is the same on two looks
    in a row, so a file caught half-written (truncated, then written) is not loaded
    until the writer is done. Files only ever replaced whole (renamed into place)
    need no settling.
    """

    def __init__(self, paths: Sequence[str], settle: bool = True) -> None:
        self._paths = list(paths)
        self._settle = settle
        self._seen = {path: _look(path) for path in self._paths}
        self._settling: dict[str, tuple[int, int] | None] = {}

    def changed(self) -> list[str]:
        changed = []
        for path in self._paths:
            stat, digest = self._seen[path]
            now = _stat(path)
            if now == stat:
                self._settling.pop(path, None)
                continue
            if self._settle and (path not in self._settling or self._settling[path] != now):
                self._settling[path] = now  # look again next time
                continue
            self._settling.pop(path, None)
            self._seen[path] = look = _look(path)
            if look[1] != digest:
                changed.append(path)
        return changed


def _stat(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _look(path: str) -> tuple[tuple[int, int] | None, str | None]:
    stat = _stat(path)
    try:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return stat, None
    return stat, digest


@dataclass(slots=True)
class _Serving:
    app: Starlette
    in_flight: int = 0
    retired: bool = False


class ReloadingApp:
    """The ASGI app of `--hot-reload`: the current app, swapped when the files change."""

    def __init__(
        self,
        supergraph_path: str,
        config_path: str | None,
        metrics: Metrics,
        interval: float = DEFAULT_INTERVAL,
        settle: bool = True,
        log: Callable[[str], None] | None = None,
        announce: bool = True,
    ) -> None:
        """Loads the app now: raises `StartupError` when the files are bad. A
        `--workers` worker watches a snapshot replaced whole (no `settle`) and does
        not `announce` its reloads (the parent did, once)."""
        self._supergraph = supergraph_path
        self._config = config_path
        self._metrics = metrics
        self._interval = interval
        self._log = log or _stderr
        self._announce = announce
        paths = [p for p in (supergraph_path, config_path) if p is not None]
        self._watch = FileWatch(paths, settle)
        self._current = _Serving(load_app(supergraph_path, config_path, metrics))
        self._task: asyncio.Task[None] | None = None
        self._closing: set[asyncio.Task[None]] = set()  # strong references until done

    @property
    def app(self) -> Starlette:
        return self._current.app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        serving = self._current
        serving.in_flight += 1
        try:
            await serving.app(scope, receive, send)
        finally:
            serving.in_flight -= 1
            if serving.retired and serving.in_flight == 0:
                await _close(serving.app)

    async def reload(self) -> bool:
        """Load the files now and swap; False (and one line on stderr) when they are bad.
        Loading runs in a thread: a large supergraph does not stall requests meanwhile."""
        try:
            app = await asyncio.to_thread(load_app, self._supergraph, self._config, self._metrics)
        except StartupError as error:
            self.failed(str(error))
            return False
        except Exception as error:  # a bug must not stop watching or serving
            self.failed(f"{type(error).__name__}: {error}")
            return False
        app.state.start()
        old, self._current = self._current, _Serving(app)
        old.retired = True
        old.app.state.retire()
        if old.in_flight == 0:
            closing = asyncio.get_running_loop().create_task(_close(old.app))
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)
        self._metrics.on_reload(ok=True)
        if self._announce:
            self._log(f"hot reload: now serving {self._supergraph}")
        return True

    def failed(self, error: str) -> None:
        """A reload that did not happen: counted, and logged unless `error` is empty."""
        self._metrics.on_reload(ok=False)
        if error:
            self._log(f"{RELOAD_FAILED}: {error}")

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            if self._watch.changed():
                await self.reload()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._current.app.state.start()
                self._task = asyncio.create_task(self._poll())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._task is not None:
                    self._task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await self._task
                await _close(self._current.app)
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _close(app: Starlette) -> None:
    await app.state.aclose()


def _stderr(line: str) -> None:
    print(f"supergraph[{os.getpid()}]: {line}", file=sys.stderr, flush=True)


def serving_app(
    supergraph_path: str,
    config_path: str | None,
    metrics: Metrics | None = None,
    hot_reload: bool = False,
    interval: float = DEFAULT_INTERVAL,
) -> Starlette | ReloadingApp:
    """What `supergraph serve` (or one of its workers) serves; raises `StartupError`."""
    if hot_reload:
        return ReloadingApp(supergraph_path, config_path, metrics or Metrics(), interval)
    return load_app(supergraph_path, config_path, metrics)
