"""`supergraph dev`'s embedded NATS (devnats.py): started with JetStream in the data
folder, its URL handed to the subgraphs, stopped with dev, never an orphan.

The whole `supergraph dev` binds :4000-4005 (tests/e2e/test_dev.py); these tests
run its NATS part alone, on a free port (4222 is taken on the project's machines).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import nats

from events.embedded import port_is_free
from supergraph.cli.devnats import DEFAULT_PORT, start_dev_nats


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie still answers kill(0): it has exited.
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "\nState:\tZ" in status.read_text()


def wait_gone(pid: int) -> None:
    for _ in range(200):  # a deadline against hangs
        if gone(pid):
            return
        time.sleep(0.05)
    raise AssertionError(f"nats-server {pid} is still running")


async def jetstream_works(url: str) -> bool:
    client = await nats.connect(url, connect_timeout=2, max_reconnect_attempts=0)
    try:
        info = await client.jetstream().account_info()
        return info is not None
    finally:
        await client.close()


def test_dev_starts_jetstream_in_the_data_folder_and_passes_its_url(tmp_path: Path) -> None:
    env = {"SUBGRAPHS_DATA_DIR": str(tmp_path)}
    lines: list[str] = []
    server = start_dev_nats(env, lines.append)
    assert server is not None
    pid = server.pid()
    assert pid is not None
    try:
        assert env["NATS_URL"] == server.url
        if not port_is_free(DEFAULT_PORT):  # as here: 4222 is the shared test server
            assert server.port != DEFAULT_PORT
        assert asyncio.run(jetstream_works(server.url))
        assert (tmp_path / "nats" / "jetstream").is_dir()
        assert lines == [
            f"events: embedded nats-server (JetStream in {tmp_path / 'nats'}) on {server.url}"
        ]
    finally:
        server.stop()
    wait_gone(pid)


def test_a_given_nats_url_is_used_as_it_is(tmp_path: Path) -> None:
    env = {"NATS_URL": "nats://10.0.0.1:4222", "SUBGRAPHS_DATA_DIR": str(tmp_path)}
    lines: list[str] = []
    assert start_dev_nats(env, lines.append) is None
    assert env["NATS_URL"] == "nats://10.0.0.1:4222"
    assert not (tmp_path / "nats").exists()


def test_the_server_stops_when_dev_is_killed(tmp_path: Path) -> None:
    script = (
        "import sys, time\n"
        "from supergraph.cli.devnats import start_dev_nats\n"
        "server = start_dev_nats({'SUBGRAPHS_DATA_DIR': sys.argv[1]}, lambda line: None)\n"
        "print(server.pid(), flush=True)\n"
        "time.sleep(120)\n"
    )
    dev = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert dev.stdout is not None
        pid = int(dev.stdout.readline())
        assert not gone(pid)
        dev.kill()  # SIGKILL: dev cannot stop anything itself
        dev.wait()
        wait_gone(pid)
    finally:
        if dev.poll() is None:
            dev.kill()
            dev.wait()
        if dev.stdout is not None:
            dev.stdout.close()
