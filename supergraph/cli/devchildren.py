"""The child processes of `supergraph dev`: started, watched, restarted, stopped.

- Each child runs `python -m MODULE ARGS` tied to the parent by a lifeline
  (lifeline.py): it stops when the parent stops it or dies, SIGKILL included.
  Children run in their own process group, so a terminal's Ctrl-C reaches only
  the parent, which stops everything in order (one shutdown, not six at once).
- Start-up: every child must answer `GET /health` on its port; one that exits or
  is not ready within the deadline fails the start (nothing is restarted then:
  a start-up failure repeats).
- Afterwards a child that exits is reported (name, pid, exit code) and started
  again after a backoff (0.5 s, doubling up to 8 s). More than 5 exits of one
  child within 60 s is a crash loop (about 30 s of retries for a child that
  fails at once): reported, and the caller stops everything (`check` returns
  the reason).
"""

from __future__ import annotations

import collections
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from supergraph.cli.devports import port_holders
from supergraph.cli.lifeline import Lifeline

POLL = 0.2
# The children are on loopback: never ask a proxy from the environment (http_proxy).
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))

Log = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class RestartPolicy:
    max_restarts: int = 5  # within `window`; one more exit is a crash loop
    window: float = 60.0
    first_backoff: float = 0.5
    max_backoff: float = 8.0

    def backoff(self, exits: int) -> float:
        """The wait before restarting a child that exited `exits` times within the window."""
        return float(min(self.max_backoff, self.first_backoff * 2 ** (exits - 1)))


@dataclass(frozen=True, slots=True)
class ChildSpec:
    """One child: `python -m module *args`, serving `GET /health` on 127.0.0.1:port."""

    name: str  # as the log names it, e.g. "subgraph products"
    module: str
    args: tuple[str, ...]
    port: int

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/health"


@dataclass(slots=True)
class _Child:
    spec: ChildSpec
    process: subprocess.Popen[bytes] | None = None
    ready: bool = False
    restart_at: float | None = None
    exits: collections.deque[float] = field(default_factory=collections.deque)


class Children:
    """All children of one `supergraph dev` run."""

    def __init__(
        self,
        specs: Sequence[ChildSpec],
        env: dict[str, str],
        log: Log,
        policy: RestartPolicy = RestartPolicy(),
    ) -> None:
        self._env = env
        self._log = log
        self._policy = policy
        self._lifeline = Lifeline()
        self._children = [_Child(spec) for spec in specs]

    def pids(self) -> list[int]:
        return [child.process.pid for child in self._children if child.process is not None]

    def start(self) -> None:
        for child in self._children:
            self._spawn(child)

    def wait_ready(self, deadline: float, interrupted: Callable[[], bool]) -> str | None:
        """Wait until every child answers /health; None, or why the start failed.
        Returns None early (children not ready) when `interrupted()` becomes true."""
        waiting = list(self._children)
        while waiting:
            if interrupted():
                return None
            for child in list(waiting):
                assert child.process is not None
                code = child.process.poll()
                if code is not None:
                    return f"{child.spec.name} {_exit_status(code)} before it was ready" + (
                        _port_note(child.spec.port)
                    )
                if healthy(child.spec.health_url):
                    child.ready = True
                    waiting.remove(child)
            if waiting and time.monotonic() >= deadline:
                late = ", ".join(f"{c.spec.name} ({c.spec.health_url})" for c in waiting)
                return f"not ready in time: {late}"
            if waiting:
                time.sleep(POLL)
        return None

    def check(self) -> str | None:
        """Report and restart children that exited; the reason to stop (a crash loop), or None."""
        now = time.monotonic()
        for child in self._children:
            if child.process is not None and (code := child.process.poll()) is not None:
                problem = self._exited(child, code, now)
                if problem is not None:
                    return problem
            elif child.process is None and child.restart_at is not None and now >= child.restart_at:
                child.restart_at = None
                pid = self._spawn(child)
                self._log(f"{child.spec.name} restarted (pid {pid})")
        return None

    def unready(self) -> list[ChildSpec]:
        """Restarted children that have not answered /health yet."""
        return [c.spec for c in self._children if c.process is not None and not c.ready]

    def mark_ready(self, spec: ChildSpec) -> None:
        for child in self._children:
            if child.spec == spec and child.process is not None and not child.ready:
                child.ready = True
                self._log(f"{spec.name} is ready again on port {spec.port}")

    def stop(self, grace: float = 5.0, hurry: Callable[[], bool] = lambda: False) -> None:
        """Stop every child: cut the lifeline, wait up to `grace` seconds (less once
        `hurry()` is true), then kill what is left."""
        self._lifeline.cut()
        deadline = time.monotonic() + grace
        running = [c.process for c in self._children if c.process is not None]
        while running and time.monotonic() < deadline and not hurry():
            time.sleep(0.05)
            running = [process for process in running if process.poll() is None]
        for child in self._children:
            if child.process is not None and child.process.poll() is None:
                self._log(
                    f"{child.spec.name} (pid {child.process.pid}) is still running; killing it"
                )
                child.process.kill()
                child.process.wait()
        for child in self._children:
            child.process = None
            child.restart_at = None
        self._lifeline.close()

    def _spawn(self, child: _Child) -> int:
        spec = child.spec
        process = child.process = subprocess.Popen(
            self._lifeline.argv(spec.module, spec.args),
            env=self._env,
            stdin=subprocess.DEVNULL,
            pass_fds=(self._lifeline.fd,),
            process_group=0,  # a terminal's Ctrl-C is for the parent alone
        )
        child.ready = False
        return process.pid

    def _exited(self, child: _Child, code: int, now: float) -> str | None:
        assert child.process is not None
        pid = child.process.pid
        child.process = None
        child.exits.append(now)
        policy = self._policy
        while child.exits[0] < now - policy.window:
            child.exits.popleft()
        exits = len(child.exits)
        what = f"{child.spec.name} (pid {pid}) {_exit_status(code)}{_port_note(child.spec.port)}"
        if exits > policy.max_restarts:
            return f"{what}: {exits} exits within {policy.window:g}s, not restarting it again"
        backoff = policy.backoff(exits)
        child.restart_at = now + backoff
        self._log(
            f"{what}; restarting it in {backoff:g}s "
            f"(restart {exits} of at most {policy.max_restarts} within {policy.window:g}s)"
        )
        return None


def healthy(url: str) -> bool:
    try:
        with _DIRECT.open(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _exit_status(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"exited with code {code} ({name})"
    return f"exited with code {code}"


def _port_note(port: int) -> str:
    """Why a child may have failed: its port taken by another process since the check."""
    holders = port_holders(port)
    if not holders:
        return ""
    return f"; port {port} is held by " + " and ".join(holder.describe() for holder in holders)
