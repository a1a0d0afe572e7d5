"""`supergraph dev` smoke test: the one command starts everything on its contract ports.

It runs the installed console script from the repository root (it serves
`schema.graphql` from there) with a temporary `SUBGRAPHS_DATA_DIR`, in its own
process group, on the DEFAULT ports 4000-4005 (the command's contract: this is the
only test that uses them, and it fails, naming them, when they are taken). Ctrl-C
(SIGINT to the group) must stop the router and every subgraph; whatever is left is
killed at the end.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from subgraphs._common.seeding import product_price, product_upc, product_weight, username

REPO = Path(__file__).resolve().parents[2]
PORTS = range(4000, 4006)
SUBGRAPHS = ("accounts", "products", "reviews", "inventory", "orders")
ROUTER = "http://127.0.0.1:4000"
START_SECONDS = 120.0
STOP_SECONDS = 30.0

QUERY = f"""{{
  users(first: 2) {{ edges {{ node {{ id username }} }} }}
  product(upc: "{product_upc(1)}") {{
    name
    price {{ amount }}
    weight
    shippingEstimate
    reviews(first: 1) {{ author {{ id username }} }}
  }}
}}"""


def port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def console_script(name: str) -> str:
    path = Path(sys.executable).parent / name
    assert path.exists(), f"console script {name!r} is not installed next to {sys.executable}"
    return str(path)


def wait_healthy(process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    with httpx.Client(timeout=5.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(
                    f"`supergraph dev` exited with {process.returncode} before /health was UP:\n"
                    + log.read_text(errors="replace")[-4000:]
                )
            try:
                response = client.get(f"{ROUTER}/health")
                if response.status_code == 200 and response.json() == {"status": "UP"}:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
    pytest.fail(
        f"`supergraph dev`: {ROUTER}/health not UP after {START_SECONDS:.0f}s:\n"
        + log.read_text(errors="replace")[-4000:]
    )


def stop_group(process: subprocess.Popen[bytes]) -> int | None:
    """Ctrl-C the process group; its exit status (None if it had to be killed)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            return process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            pass
    else:
        return process.returncode
    return None


def kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=STOP_SECONDS)


def test_supergraph_dev_serves_the_whole_graph_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    taken = [port for port in PORTS if port_taken(port)]
    if taken:
        pytest.fail(
            f"`supergraph dev` needs ports 4000-4005; something listens on {taken}: "
            "stop it (another `supergraph dev`?) and rerun"
        )
    assert (REPO / "schema.graphql").is_file(), "schema.graphql is missing at the repo root"
    env = {
        **os.environ,
        "SUBGRAPHS_DATA_DIR": str(tmp_path / "data"),
        # The dev signing key is created on first use: here, not in the repository.
        "SUPERGRAPH_DEV_KEY": str(tmp_path / "keys" / "dev-signing-key.pem"),
    }
    for name in ("DATABASE_URL", "SUPERGRAPH_ENV"):
        env.pop(name, None)  # the embedded default: seeded SQLite, development
    log = tmp_path / "dev.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [console_script("supergraph"), "dev"],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the subgraphs are in it too
        )
    try:
        wait_healthy(process, log)
        assert "http://localhost:4000/graphql" in log.read_text(errors="replace")
        response = httpx.post(
            f"{ROUTER}/graphql",
            json={"query": QUERY},
            headers={"accept": "application/json"},
            timeout=30.0,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        data = body["data"]
        assert data["users"]["edges"] == [
            {"node": {"id": str(i), "username": username(i)}} for i in (1, 2)
        ]
        product = data["product"]
        assert product["name"].endswith(" 1")
        assert product["price"] == {"amount": product_price(1)}
        assert product["weight"] == product_weight(1)
        assert isinstance(product["shippingEstimate"], int)
        for review in product["reviews"]:
            assert review["author"]["username"] == username(int(review["author"]["id"]))
        # A `supergraph token` token signs the user in.
        token = subprocess.run(
            [console_script("supergraph"), "token", "--sub", "3"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.strip()
        me = httpx.post(
            f"{ROUTER}/graphql",
            json={"query": "{ me { id username } }"},
            headers={"accept": "application/json", "authorization": f"Bearer {token}"},
            timeout=30.0,
        ).json()
        assert me == {"data": {"me": {"id": "3", "username": username(3)}}}
        # Each subgraph got its seeded SQLite file in the folder the environment named.
        files = sorted(p.name for p in (tmp_path / "data").glob("*.sqlite3"))
        assert files == [f"{n}.sqlite3" for n in sorted(SUBGRAPHS)]
        status = stop_group(process)
        assert status is not None, "`supergraph dev` did not stop on Ctrl-C"
        assert status in (0, -signal.SIGINT, 128 + signal.SIGINT), status
        left = [port for port in PORTS if port_taken(port)]
        assert left == [], f"ports still served after Ctrl-C: {left}"
    finally:
        kill_group(process)
