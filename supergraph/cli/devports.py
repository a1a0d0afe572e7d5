"""Whether `supergraph dev` can listen on its ports, and if not, which process holds them.

Checked before anything starts: a port that is taken is a clear error naming the
port and its holder (pid, command line and working directory, read from /proc on
Linux; elsewhere, or when the holder belongs to another user, a hint at `lsof`),
instead of five "address already in use" lines and a router that silently talks
to whatever answers on those ports (typically an earlier `supergraph dev`).
"""

from __future__ import annotations

import errno
import os
import socket
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TCP_TABLES = ("net/tcp", "net/tcp6")
TCP_LISTEN = "0A"
MAX_HOLDERS = 3
MAX_COMMAND = 200


@dataclass(frozen=True, slots=True)
class Holder:
    pid: int
    command: str
    cwd: str | None

    def describe(self) -> str:
        where = f", in {self.cwd}" if self.cwd else ""
        return f"pid {self.pid} ({self.command}{where})"


def listen_problem(host: str, port: int, purpose: str, proc: Path = PROC) -> str | None:
    """None if host:port can be listened on now; else a sentence saying why not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # As uvicorn binds: connections of an earlier run in TIME_WAIT don't count.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                return f"cannot listen on {host}:{port} ({purpose}): {error.strerror}"
        else:
            return None
    holders = port_holders(port, proc)
    if not holders:
        return (
            f"port {port} ({purpose}) is in use by another process "
            f"(`lsof -nP -iTCP:{port} -sTCP:LISTEN` shows which)"
        )
    described = " and ".join(holder.describe() for holder in holders)
    return f"port {port} ({purpose}) is in use by {described}"


def port_holders(port: int, proc: Path = PROC) -> list[Holder]:
    """The processes (of this user) listening on TCP `port`; Linux only."""
    inodes = _socket_inodes(port, proc)
    if not inodes:
        return []
    holders: list[Holder] = []
    for pid in _pids(proc):
        if _holds_any(proc / str(pid), inodes):
            holders.append(Holder(pid, _command(proc / str(pid)), _cwd(proc / str(pid))))
            if len(holders) == MAX_HOLDERS:
                break
    return holders


def _socket_inodes(port: int, proc: Path) -> set[str]:
    """Inodes of the sockets listening on `port` (a socket only bound to it is not
    listed in /proc/net/tcp: its holder stays unknown)."""
    inodes: set[str] = set()
    for table in TCP_TABLES:
        try:
            lines = (proc / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 10 or fields[3] != TCP_LISTEN:
                continue
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def _pids(proc: Path) -> list[int]:
    try:
        return sorted(int(entry.name) for entry in proc.iterdir() if entry.name.isdigit())
    except OSError:
        return []


def _holds_any(process: Path, inodes: set[str]) -> bool:
    try:
        descriptors = list((process / "fd").iterdir())
    except OSError:  # gone, or another user's
        return False
    for descriptor in descriptors:
        try:
            target = os.readlink(descriptor)
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            return True
    return False


def _command(process: Path) -> str:
    try:
        argv = (process / "cmdline").read_bytes().rstrip(b"\0").split(b"\0")
    except OSError:
        return "?"
    command = " ".join(part.decode(errors="replace") for part in argv) or "?"
    return command if len(command) <= MAX_COMMAND else command[: MAX_COMMAND - 3] + "..."


def _cwd(process: Path) -> str | None:
    try:
        return os.readlink(process / "cwd")
    except OSError:
        return None
