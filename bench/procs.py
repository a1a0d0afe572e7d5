"""Processes for the benchmark: start, wait until serving, measure (/proc), stop.

Every process is started by us, tracked in `STARTED`, and stopped by its own pid
(SIGTERM, then SIGKILL) when the run ends, also on Ctrl-C.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
STARTED: list[subprocess.Popen[bytes]] = []


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(
    argv: Sequence[str],
    log: Path,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.Popen[bytes]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        process = subprocess.Popen(
            list(argv),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            cwd=cwd,
        )
    STARTED.append(process)
    return process


def stop(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
    with contextlib.suppress(ValueError):
        STARTED.remove(process)


@atexit.register
def stop_all() -> None:
    for process in list(STARTED):
        with contextlib.suppress(Exception):
            stop(process, timeout=5.0)


def post_json(
    url: str, body: object, headers: Mapping[str, str] | None = None, timeout: float = 60.0
) -> tuple[int, bytes]:
    data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header("content-type", "application/json")
    request.add_header("accept", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def get_text(url: str, timeout: float = 10.0) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as reply:
        return str(reply.read().decode())


def wait_until(
    process: subprocess.Popen[bytes], probe: str, log: Path, *, post: bool, timeout: float = 90.0
) -> None:
    """Poll `probe` (GET, or POST `{__typename}`) until it answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}:\n{tail}")
        with contextlib.suppress(OSError):
            if post:
                status, _ = post_json(probe, {"query": "{ __typename }"}, timeout=5)
            else:
                with urllib.request.urlopen(probe, timeout=5) as reply:
                    status = reply.status
            if status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{probe} not ready after {timeout:.0f}s (log: {log})")


def tree(pid: int) -> list[int]:
    """`pid` and its descendants (gateways that fork workers are measured whole)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{entry}/stat").read_text()
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, ()))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of `pid` and its descendants."""
    total = 0
    for member in tree(pid):
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{member}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def settle(pid: int, *, quiet: float = 0.05, step: float = 0.5, limit: float = 60.0) -> float:
    """Wait until `pid` is idle (under `quiet` CPU seconds per `step`); the seconds waited.

    A load generator that stops leaves requests in flight; Node gateways finish
    them all, so without this the next measurement would queue behind them.
    """
    started = time.monotonic()
    before = cpu_seconds(pid)
    while time.monotonic() - started < limit:
        time.sleep(step)
        now = cpu_seconds(pid)
        if now - before < quiet:
            break
        before = now
    return time.monotonic() - started


def peak_rss_mb(pid: int) -> float:
    """Peak resident set (VmHWM) of `pid` plus its descendants, in MB."""
    total_kb = 0
    for member in tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total_kb += int(line.split()[1])
    return total_kb / 1024


def scrape(url: str, metric: str) -> dict[str, float]:
    """`metric{...="LABEL"} VALUE` lines of a Prometheus text page, by first label value."""
    values: dict[str, float] = {}
    for line in get_text(url).splitlines():
        if not line.startswith(metric):
            continue
        head, _, value = line.rpartition(" ")
        label = head.partition('"')[2].partition('"')[0] if "{" in head else ""
        if head.split("{")[0] == metric:
            values[label] = values.get(label, 0.0) + float(value)
    return values
