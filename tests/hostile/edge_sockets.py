"""Raw sockets for the HTTP edge tests: what a hostile client sends, what the kernel holds.

`/proc/net/tcp` tells what the kernel has: the accept backlog of a listening
socket (its `rx_queue`) and which established connections a process holds.
"""

from __future__ import annotations

import os
import select
import socket
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

LISTEN = "0A"
ESTABLISHED = "01"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def code(self) -> str:
        errors = orjson.loads(self.body)["errors"]
        code: str = errors[0]["extensions"]["code"]
        return code


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    return sock


def parse_answer(raw: bytes) -> Answer | None:
    """The first complete response in `raw`, None while it is incomplete."""
    head, found, rest = raw.partition(b"\r\n\r\n")
    if not found:
        return None
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    if len(rest) < length:
        return None
    return Answer(int(lines[0].split()[1]), headers, rest[:length])


def read_answer(sock: socket.socket, timeout: float = 10.0) -> Answer | None:
    """The response on `sock`; None if the connection closed without one."""
    raw = b""
    deadline = time.monotonic() + timeout
    while (answer := parse_answer(raw)) is None:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no answer within {timeout} s (got {raw[:200]!r})"
        sock.settimeout(remaining)
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            data = b""
        if not data:
            return None
        raw += data
    return answer


def closed_by_peer(sock: socket.socket, timeout: float = 10.0) -> bytes:
    """Wait until the other side closes; the bytes that came first (none for a quiet close)."""
    received = b""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"still open after {timeout} s"
        sock.settimeout(remaining)
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            return received
        if not data:
            return received
        received += data


def stream_until_answered(
    sock: socket.socket, chunks: Iterable[bytes], timeout: float = 60.0
) -> tuple[bytes, int]:
    """Send `chunks` while watching for an answer: (what came back, bytes the kernel took).

    Stops at the first byte of an answer, or when the server closes or resets."""
    pending: Iterator[bytes] = iter(chunks)
    chunk: bytes | None = next(pending, None)
    sent = 0
    received = b""
    sock.setblocking(False)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            writers = [sock] if chunk is not None else []
            readable, writable, _ = select.select([sock], writers, [], 1.0)
            if readable:
                try:
                    data = sock.recv(65536)
                except ConnectionResetError:
                    return received, sent
                received += data
                if not data or parse_answer(received) is not None:
                    return received, sent
            if writable and chunk is not None:
                try:
                    n = sock.send(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    chunk = None
                    continue
                sent += n
                chunk = chunk[n:] or next(pending, None)
        raise AssertionError(f"no answer within {timeout} s")
    finally:
        sock.setblocking(True)


def trickle_until_answered(
    sock: socket.socket, byte: bytes, every: float = 0.1, timeout: float = 20.0
) -> Answer | None:
    """Send `byte` every `every` seconds until the server answers or closes."""
    raw = b""
    deadline = time.monotonic() + timeout
    sock.settimeout(every)
    while time.monotonic() < deadline:
        try:
            sock.sendall(byte)
        except (BrokenPipeError, ConnectionResetError):
            return parse_answer(raw)
        try:
            data = sock.recv(65536)
        except TimeoutError:
            continue
        except ConnectionResetError:
            return parse_answer(raw)
        if not data:
            return parse_answer(raw)
        raw += data
        if (answer := parse_answer(raw)) is not None:
            return answer
    raise AssertionError(f"still open after trickling for {timeout} s")


def request(path: str = "/health", headers: Iterable[str] = (), close: bool = False) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "host: 127.0.0.1", *headers]
    if close:
        lines.append("connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


# -- what the kernel holds ---------------------------------------------------------------


def _tcp_table() -> list[list[str]]:
    rows = []
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        lines = Path(name).read_text().splitlines()[1:]
        rows += [line.split() for line in lines]
    return rows


def _port(address: str) -> int:
    return int(address.rsplit(":", 1)[1], 16)


def listen_backlog(port: int) -> int:
    """Connections the kernel has completed on `port` that no process accepted yet."""
    for row in _tcp_table():
        if row[3] == LISTEN and _port(row[1]) == port:
            return int(row[4].split(":")[1], 16)
    raise AssertionError(f"nothing listens on {port}")


def accepted(pid: int, port: int) -> int:
    """Established connections to `port` that process `pid` holds (has accepted)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return sum(
        1
        for row in _tcp_table()
        if row[3] == ESTABLISHED and _port(row[1]) == port and row[9] in inodes
    )


def wait_for(condition: object, timeout: float = 10.0, what: str = "condition") -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
