"""Hostile connections against a real `supergraph serve`: a huge header, slow loris.

    python -m bench.edge_abuse [--header-mb 64] [--loris 250] [--seconds 60] [--config router.yaml]
    python -m bench.edge_abuse --cap-flood [--cap 50] [--seconds 20]

Starts the router (one process, the bundled supergraph; no subgraph is needed)
on a free loopback port, then:

1. **Huge header**: one request whose `x-big` header is `--header-mb` MB long,
   streamed in 64 KB writes. Reports the answer's status (or how the connection
   ended), the seconds until then, how many bytes the router took before it
   stopped reading, and the router's RSS before, right after and 5 s after.
2. **Slow loris**: `--loris` connections, half trickling a request head, half a
   request body (one byte per connection per second). Reports how many the
   router still holds after `--seconds`, and whether a normal request is
   answered meanwhile.

With `--cap-flood` it compares what happens to connections over the cap:
the router's policy (stop accepting; the kernel's backlog queues them) against
accepting them and answering 503 (uvicorn's `limit_concurrency` way, and the
protocol's backstop without the router's listener). Each policy serves the
bundled supergraph with `max_connections: --cap` and `header_read_timeout: 2s`
while an attacker keeps twice the cap of slow-loris connections open
(reopening each one the router closes), and a normal client sends `{ __typename
}` on a new connection at a time: its answers, failures and latencies.

Everything it starts it stops (by pid). Prints one JSON object per phase.
"""

from __future__ import annotations

import argparse
import json
import select
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path

import httpx

from bench import procs

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 64 * 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.edge_abuse")
    parser.add_argument("--header-mb", type=int, default=64)
    parser.add_argument("--loris", type=int, default=250)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--config", help="router.yaml for the router under test")
    parser.add_argument("--cap-flood", action="store_true", help="compare over-cap policies")
    parser.add_argument("--cap", type=int, default=50)
    parser.add_argument("--serve", choices=POLICIES, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return _serve_policy(args.serve, args.port, args.cap)
    if args.cap_flood:
        for policy in POLICIES:
            _report("cap_flood", {"policy": policy, **_cap_flood(policy, args.cap, args.seconds)})
        return 0
    port = procs.free_port()
    command = [sys.executable, "-m", "supergraph", "serve", "--supergraph", "schema.graphql"]
    command += ["--port", str(port)] + (["--config", args.config] if args.config else [])
    log = Path(tempfile.mkdtemp(prefix="edge-abuse-")) / "router.log"
    router = procs.start(command, log, cwd=ROOT)
    try:
        _wait_healthy(port, router)
        _report("huge_header", _huge_header(port, router.pid, args.header_mb))
        _report("after_huge_header", {"normal_request_status": _normal_status(port)})
        _report("slow_loris", _slow_loris(port, args.loris, args.seconds))
        _report("after_slow_loris", {"normal_request_status": _normal_status(port)})
    finally:
        procs.stop(router)
    return 0


def _report(phase: str, values: dict[str, object]) -> None:
    print(json.dumps({"phase": phase, **values}), flush=True)


def _wait_healthy(port: int, router: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if router.poll() is not None:
            raise SystemExit(f"router exited with {router.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("router did not start")


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _normal_status(port: int) -> int | str:
    try:
        response = httpx.post(
            f"http://127.0.0.1:{port}/graphql", json={"query": "{ __typename }"}, timeout=30
        )
    except httpx.TransportError as error:
        return f"{type(error).__name__}: {error}"
    return response.status_code


def _huge_header(port: int, pid: int, megabytes: int) -> dict[str, object]:
    rss_before = _rss_mib(pid)
    total = megabytes * 1024 * 1024
    chunks = iter(
        [b"GET /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\nx-big: "]
        + [b"a" * CHUNK] * (total // CHUNK)
        + [b"\r\n\r\n"]
    )
    started = time.monotonic()
    sent = 0
    answer = b""
    ended = "closed"
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setblocking(False)
        pending: bytes | None = next(chunks)
        while True:
            writers = [sock] if pending is not None else []
            readable, writable, _ = select.select([sock], writers, [], 120)
            if not readable and not writable:
                ended = "no answer within 120 s"
                break
            if readable:
                try:
                    data = sock.recv(65536)
                except ConnectionError as error:
                    ended = f"reset while reading ({type(error).__name__})"
                    break
                answer += data
                if not data or b"\r\n\r\n" in answer:
                    ended = "answered" if answer else "closed"
                    break
            if writable and pending is not None:
                try:
                    n = sock.send(pending)
                except ConnectionError as error:
                    ended = f"write failed ({type(error).__name__})"
                    break
                sent += n
                pending = pending[n:] or next(chunks, None)
    seconds = time.monotonic() - started
    rss_right_after = _rss_mib(pid)
    time.sleep(5)
    status = answer.split(b"\r\n", 1)[0].decode("latin-1") if answer else None
    return {
        "header_bytes": total,
        "status_line": status,
        "ended": ended,
        "seconds": round(seconds, 2),
        "bytes_sent_before_the_end": sent,
        "rss_mib_before": round(rss_before, 1),
        "rss_mib_right_after": round(rss_right_after, 1),
        "rss_mib_5s_after": round(_rss_mib(pid), 1),
    }


def _slow_loris(port: int, count: int, seconds: float) -> dict[str, object]:
    """Half the connections trickle a head, half a body; one byte each per second."""
    heads = count - count // 2
    sockets: list[socket.socket] = []
    for index in range(count):
        sock = socket.create_connection(("127.0.0.1", port))
        if index < heads:
            sock.sendall(b"POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: ")
        else:
            sock.sendall(
                b"POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\n"
                b"content-type: application/json\r\ncontent-length: 100000\r\n\r\n{"
            )
        sock.setblocking(False)
        sockets.append(sock)
    open_ = set(range(count))
    closed_at: dict[int, float] = {}
    started = time.monotonic()
    normal_during: int | str | None = None
    while time.monotonic() - started < seconds and open_:
        for index in list(open_):
            sock = sockets[index]
            try:
                sock.recv(4096)  # an answer (408) or the end: the router is done with it
                open_.discard(index)
            except BlockingIOError:
                try:
                    sock.send(b"a" if index < heads else b" ")
                    continue
                except BlockingIOError:
                    continue
                except ConnectionError:
                    open_.discard(index)
            except ConnectionError:
                open_.discard(index)
            closed_at[index] = time.monotonic() - started
        if normal_during is None and time.monotonic() - started > 2:
            normal_during = _normal_status(port)
        time.sleep(1.0)
    held = len(open_)
    for sock in sockets:
        sock.close()
    return {
        "connections": count,
        "trickling_heads": heads,
        "trickling_bodies": count - heads,
        "seconds": seconds,
        "held_at_the_end": held,
        "held_heads": sum(1 for i in open_ if i < heads),
        "held_bodies": sum(1 for i in open_ if i >= heads),
        "normal_request_status_meanwhile": normal_during,
        "heads_closed_after_s_max": _max_rounded(t for i, t in closed_at.items() if i < heads),
        "bodies_closed_after_s_max": _max_rounded(t for i, t in closed_at.items() if i >= heads),
    }


def _max_rounded(values: Iterable[float]) -> float | None:
    return max((round(value, 1) for value in values), default=None)


POLICIES = ("stop-accepting", "accept-and-503")
FLOOD_HEADER_TIMEOUT = 2.0


def _serve_policy(policy: str, port: int, cap: int) -> int:
    import uvicorn

    from supergraph.http.edge_limits import EdgeLimits
    from supergraph.http.listener import RouterServer
    from supergraph.http.protocol import uvicorn_config
    from supergraph.http.server import load_app

    limits = EdgeLimits(max_connections=cap, header_read_timeout=FLOOD_HEADER_TIMEOUT)
    config = uvicorn_config(load_app("schema.graphql"), limits, host="127.0.0.1", port=port)
    server = RouterServer(config) if policy == "stop-accepting" else uvicorn.Server(config)
    server.run()
    return 0


def _cap_flood(policy: str, cap: int, seconds: float) -> dict[str, object]:
    port = procs.free_port()
    command = [sys.executable, "-m", "bench.edge_abuse", "--serve", policy]
    command += ["--port", str(port), "--cap", str(cap)]
    log = Path(tempfile.mkdtemp(prefix="edge-flood-")) / "server.log"
    server = procs.start(command, log, cwd=ROOT)
    stop = threading.Event()
    try:
        _wait_healthy(port, server)
        attacker = threading.Thread(target=_flood, args=(port, 2 * cap, stop), daemon=True)
        attacker.start()
        time.sleep(FLOOD_HEADER_TIMEOUT)  # the flood holds every slot
        latencies: list[float] = []
        failures: dict[str, int] = {}
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            started = time.monotonic()
            outcome = _normal_status(port)
            if outcome == 200:
                latencies.append(time.monotonic() - started)
            else:
                failures[str(outcome)[:60]] = failures.get(str(outcome)[:60], 0) + 1
                time.sleep(0.1)  # a client backing off a little before it retries
        stop.set()
        attacker.join()
    finally:
        stop.set()
        procs.stop(server)
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "cap": cap,
        "attack_connections": 2 * cap,
        "normal_answered_200": len(latencies),
        "normal_failed": failures,
        "p50_s": round(statistics.median(latencies), 3) if latencies else None,
        "p99_s": round(quantiles[98], 3) if latencies else None,
    }


def _flood(port: int, count: int, stop: threading.Event) -> None:
    """Keep `count` slow-loris connections open: one byte each per second, reopened when closed."""
    head = b"POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: "
    sockets: list[socket.socket | None] = [None] * count
    while not stop.is_set():
        for index, sock in enumerate(sockets):
            if sock is not None:
                try:
                    if sock.recv(4096) == b"":
                        raise ConnectionError
                    raise ConnectionError  # an answer (408, 503): it is over
                except BlockingIOError:
                    try:
                        sock.send(b"a")
                        continue
                    except BlockingIOError:
                        continue
                    except OSError:
                        pass
                except OSError:
                    pass
                sock.close()
            try:
                fresh = socket.create_connection(("127.0.0.1", port), timeout=1)
                fresh.sendall(head)
                fresh.setblocking(False)
                sockets[index] = fresh
            except OSError:
                sockets[index] = None
        stop.wait(1.0)
    for sock in sockets:
        if sock is not None:
            sock.close()


if __name__ == "__main__":
    sys.exit(main())
