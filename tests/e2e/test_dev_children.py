"""The parts of `supergraph dev`'s lifecycle, with real processes on free ports.

- devports: a taken port is reported with the pid, command line and folder of
  the process holding it (this test process), listening or only bound.
- devchildren: children tied by the lifeline, restarted when they exit, a crash
  loop reported, a start-up failure reported, a stop that lets them stop
  themselves. The children are a stdlib stand-in (dev_child_stub.py), so a
  crash loop takes a second here; test_dev.py runs the real command.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from supergraph.cli.devchildren import Children, ChildSpec, RestartPolicy, healthy
from supergraph.cli.devports import listen_problem
from tests.http.serve_process import alive, wait_until
from tests.kit.processes import free_port

REPO = Path(__file__).resolve().parents[2]
FAST = RestartPolicy(max_restarts=2, window=60.0, first_backoff=0.05, max_backoff=0.1)


def stub(port: int, *args: str) -> ChildSpec:
    return ChildSpec(f"stub {port}", "tests.e2e.dev_child_stub", ("--port", str(port), *args), port)


@pytest.fixture
def log() -> list[str]:
    return []


@pytest.fixture
def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


@pytest.fixture
def start(env: dict[str, str], log: list[str]) -> Iterator[Callable[..., Children]]:
    """Start children of the stand-in (stopped at the end), logging into `log`."""
    started: list[Children] = []

    def starter(*specs: ChildSpec) -> Children:
        children = Children(specs, env, log.append, FAST)
        started.append(children)
        children.start()
        return children

    yield starter
    for children in started:
        children.stop(grace=5.0)


def supervise(children: Children) -> str | None:
    """One turn of what `supergraph dev` does while it serves."""
    problem = children.check()
    for spec in children.unready():
        if healthy(spec.health_url):
            children.mark_ready(spec)
    return problem


def test_a_listening_port_names_this_process_as_its_holder() -> None:
    port = free_port()
    assert listen_problem("127.0.0.1", port, "router") is None
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
        problem = listen_problem("127.0.0.1", port, "router")
    assert problem is not None
    assert problem.startswith(f"port {port} (router) is in use by pid {os.getpid()} (")
    assert "pytest" in problem, problem
    assert f"in {os.getcwd()})" in problem, problem


def test_a_socket_only_bound_to_the_port_makes_it_taken_too() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        problem = listen_problem("127.0.0.1", port, "subgraph x")
    # Only listening sockets are listed in /proc/net/tcp: the holder stays unknown.
    assert problem is not None
    assert problem.startswith(f"port {port} (subgraph x) is in use by another process"), problem


def test_a_holder_that_cannot_be_seen_gets_a_generic_hint(tmp_path: Path) -> None:
    # What dev says without /proc (not Linux), or when the holder is another user's.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        problem = listen_problem("127.0.0.1", port, "router", proc=tmp_path)
    assert problem == (
        f"port {port} (router) is in use by another process "
        f"(`lsof -nP -iTCP:{port} -sTCP:LISTEN` shows which)"
    )


def test_a_child_that_exits_is_reported_restarted_and_ready_again(
    start: Callable[..., Children], log: list[str]
) -> None:
    port = free_port()
    children = start(stub(port))
    assert children.wait_ready(time.monotonic() + 60, lambda: False) is None
    [first] = children.pids()
    os.kill(first, signal.SIGKILL)
    wait_until(
        lambda: supervise(children) is None and any("ready again" in line for line in log),
        timeout=60,
        what="the restarted child to be ready",
    )
    [second] = children.pids()
    assert second != first
    assert log == [
        f"stub {port} (pid {first}) exited with code -9 (SIGKILL); restarting it in 0.05s "
        "(restart 1 of at most 2 within 60s)",
        f"stub {port} restarted (pid {second})",
        f"stub {port} is ready again on port {port}",
    ]


def supervise_until_it_gives_up(children: Children) -> str:
    """Run the supervision turns until `check()` reports a crash loop; that report."""
    problems: list[str] = []

    def gave_up() -> bool:
        if (problem := supervise(children)) is not None:
            problems.append(problem)
        return bool(problems)

    wait_until(gave_up, timeout=60, what="the crash loop to be reported")
    return problems[0]


def test_a_crash_loop_is_reported_and_not_restarted_again(
    start: Callable[..., Children], log: list[str]
) -> None:
    port = free_port()
    children = start(stub(port, "--exit-after", "0.3"))
    assert children.wait_ready(time.monotonic() + 60, lambda: False) is None
    problem = supervise_until_it_gives_up(children)
    assert f"stub {port} (pid " in problem
    assert problem.endswith("exited with code 3: 3 exits within 60s, not restarting it again")
    restarts = [line for line in log if "; restarting it in" in line]
    assert len(restarts) == 2, log
    assert all("exited with code 3; restarting" in line for line in restarts), log
    assert children.pids() == []


def test_an_exit_report_names_the_process_that_took_the_port(
    start: Callable[..., Children], log: list[str]
) -> None:
    port = free_port()
    children = start(stub(port))
    assert children.wait_ready(time.monotonic() + 60, lambda: False) is None
    [pid] = children.pids()
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not alive(pid), what="the child to die")
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # The dead child's connections may keep the port a moment longer on a busy
        # machine (seen in CI as EADDRINUSE): take it as soon as the kernel lets go.
        wait_until(lambda: _bound(sock, port), what=f"port {port} to be free")
        sock.listen()
        problem = supervise_until_it_gives_up(children)
    reports = [line for line in log if " exited with code " in line] + [problem]
    assert len(reports) == 3, reports
    note = f"; port {port} is held by pid {os.getpid()} ("
    assert all(note in line for line in reports), reports
    # The first exit was the kill; the restarts could not listen.
    assert "exited with code -9 (SIGKILL)" in reports[0]
    assert all("exited with code 1" in line for line in reports[1:]), reports


def _bound(sock: socket.socket, port: int) -> bool:
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        return False
    return True


def test_a_child_that_exits_while_starting_fails_the_start(
    start: Callable[..., Children], log: list[str]
) -> None:
    port = free_port()
    children = start(stub(port, "--exit-after", "0"))
    problem = children.wait_ready(time.monotonic() + 60, lambda: False)
    assert problem == f"stub {port} exited with code 3 before it was ready"


def test_a_start_up_failure_names_the_process_that_took_the_port(
    start: Callable[..., Children], log: list[str]
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        children = start(stub(port))
        problem = children.wait_ready(time.monotonic() + 60, lambda: False)
    assert problem is not None
    assert problem.startswith(f"stub {port} exited with code 1 before it was ready; ")
    assert f"port {port} is held by pid {os.getpid()} (" in problem


def test_stop_lets_every_child_stop_itself_through_the_lifeline(
    env: dict[str, str], log: list[str]
) -> None:
    ports = [free_port(), free_port()]
    children = Children([stub(port) for port in ports], env, log.append, FAST)
    children.start()
    try:
        assert children.wait_ready(time.monotonic() + 60, lambda: False) is None
        pids = children.pids()
    finally:
        children.stop(grace=30.0)
    assert not any(alive(pid) for pid in pids)
    assert log == []


def test_an_interrupted_start_returns_at_once(
    start: Callable[..., Children], log: list[str]
) -> None:
    children = start(stub(free_port()))
    assert children.wait_ready(time.monotonic() + 60, lambda: True) is None
