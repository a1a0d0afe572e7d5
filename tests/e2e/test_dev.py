"""`supergraph dev` end to end: the whole graph on its contract ports, and its lifecycle.

Every test runs the installed console script from the repository root (it serves
`schema.graphql` from there) with a temporary `SUBGRAPHS_DATA_DIR` and dev key
(seeded once, shared by the module), in its own session, on the DEFAULT ports
4000-4005. Only this module uses those ports and its tests run one after
another; a port taken by anything else fails the test, naming the port and the
process holding it.

What is checked is the process table (/proc): each child by pid, and every
process that carries this run's marker in its environment (the children inherit
it), so even a child re-parented to init is found. Whatever is left is killed.

The other stops (SIGTERM, SIGHUP, SIGKILL, `make dev` killed) each need their own
`supergraph dev`; the last tests of the file share one (`shared_dev`, in file
order: the graph is served, a killed subgraph comes back, then Ctrl-C stops it),
last so that it never holds the ports while another test needs them.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from subgraphs._common.seeding import product_price, product_upc, product_weight, username
from supergraph.cli.devports import listen_problem
from tests.http.serve_process import alive, children_of
from tests.kit.otlp_receiver import SERVER, OtlpHttpReceiver

REPO = Path(__file__).resolve().parents[2]
ROUTER_PORT = 4000
SUBGRAPH_PORTS = {
    "accounts": 4001,
    "products": 4002,
    "reviews": 4003,
    "inventory": 4004,
    "orders": 4005,
}
SUBGRAPHS = tuple(SUBGRAPH_PORTS)
ROUTER = f"http://127.0.0.1:{ROUTER_PORT}"
MARKER = "SUPERGRAPH_DEV_TEST_RUN"
ACCESS = re.compile(r'INFO: +[0-9.:]+ - "')  # uvicorn's access log (the subgraphs')
START_SECONDS = 180.0  # five subgraphs and the router on two shared cores, seeding included
STOP_SECONDS = 60.0

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


def console_script(name: str) -> str:
    path = Path(sys.executable).parent / name
    assert path.exists(), f"console script {name!r} is not installed next to {sys.executable}"
    return str(path)


def require_free_ports(*, except_port: int | None = None) -> None:
    for port in (ROUTER_PORT, *SUBGRAPH_PORTS.values()):
        if port != except_port and (problem := listen_problem("127.0.0.1", port, "dev")):
            pytest.fail(f"`supergraph dev` needs ports 4000-4005 free: {problem}")


def marked(token: str) -> list[int]:
    """Live processes (this user's) whose environment carries `token`."""
    needle = f"{MARKER}={token}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if needle in Path(f"/proc/{entry}/environ").read_bytes().split(b"\0"):
                    found.append(int(entry))
    return [pid for pid in found if alive(pid)]


def wait_for(condition: object, what: str, log: Path, timeout: float = STOP_SECONDS) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}:\n{tail(log)}")
        time.sleep(0.1)


def tail(log: Path) -> str:
    return log.read_text(errors="replace")[-4000:]


@dataclass
class DevRun:
    """A started `supergraph dev` (or `make dev`, then `dev` is make's child)."""

    process: subprocess.Popen[bytes]
    log: Path
    token: str
    via_make: bool

    @classmethod
    def start(
        cls,
        workdir: Path,
        argv: list[str],
        *,
        via_make: bool = False,
        extra_env: dict[str, str] | None = None,
    ) -> DevRun:
        token = uuid.uuid4().hex
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("OTEL_")},
            MARKER: token,
            "SUBGRAPHS_DATA_DIR": str(workdir / "data"),
            # The dev signing key is created on first use: here, not in the repository.
            "SUPERGRAPH_DEV_KEY": str(workdir / "keys" / "dev-signing-key.pem"),
            **(extra_env or {}),
        }
        for name in ("DATABASE_URL", "SUPERGRAPH_ENV"):
            env.pop(name, None)  # the embedded default: seeded SQLite, development
        log = workdir / f"dev-{token}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                argv,
                cwd=REPO,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # as a terminal runs it: its own process group
            )
        return cls(process, log, token, via_make)

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def dev_pid(self) -> int:
        """`supergraph dev` itself: the process, or the child make started."""
        if not self.via_make:
            return self.process.pid
        [dev] = children_of(self.process.pid)
        return dev

    def wait_serving(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        with httpx.Client(timeout=5.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    pytest.fail(
                        f"`supergraph dev` exited with {self.process.returncode} before "
                        f"/health was UP:\n{tail(self.log)}"
                    )
                with contextlib.suppress(httpx.HTTPError, ValueError):
                    response = client.get(f"{ROUTER}/health")
                    if response.json() == {"status": "UP"} and "GraphiQL" in self.output:
                        return
                time.sleep(0.25)
        pytest.fail(f"{ROUTER}/health not UP after {START_SECONDS:.0f}s:\n{tail(self.log)}")

    def subgraph_pids(self) -> dict[str, int]:
        """Subgraph name -> pid of the child serving it now."""
        pids = {}
        for pid in children_of(self.dev_pid()):
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"serve" in argv:
                pids[argv[argv.index(b"serve") + 1].decode()] = pid
        assert sorted(pids) == sorted(SUBGRAPHS), f"children of dev: {pids}\n{tail(self.log)}"
        return pids

    def assert_all_gone(self, children: dict[str, int]) -> None:
        wait_for(
            lambda: not any(alive(pid) for pid in children.values()),
            f"the subgraph children {children} to exit",
            self.log,
        )
        wait_for(lambda: not marked(self.token), "every process of this run to exit", self.log)

    def kill(self) -> None:
        """Whatever is left of this run, killed."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        for pid in marked(self.token):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_SECONDS)
        # Gone before the next test checks the ports.
        deadline = time.monotonic() + STOP_SECONDS
        while marked(self.token) and time.monotonic() < deadline:
            time.sleep(0.1)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert (REPO / "schema.graphql").is_file(), "schema.graphql is missing at the repo root"
    return tmp_path_factory.mktemp("dev")


@pytest.fixture
def dev(workdir: Path) -> Iterator[DevRun]:
    """A fresh `supergraph dev`, serving."""
    require_free_ports()
    run = DevRun.start(workdir, [console_script("supergraph"), "dev"])
    try:
        run.wait_serving()
        yield run
    finally:
        run.kill()


@pytest.fixture(scope="module")
def shared_dev(workdir: Path) -> Iterator[DevRun]:
    """One `supergraph dev` for the tests that leave it running (see the docstring)."""
    require_free_ports()
    run = DevRun.start(workdir, [console_script("supergraph"), "dev"])
    try:
        run.wait_serving()
        yield run
    finally:
        run.kill()


def test_a_port_in_use_is_named_with_its_holder_and_nothing_starts(workdir: Path) -> None:
    held = SUBGRAPH_PORTS["reviews"]
    require_free_ports(except_port=held)
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", held))
        except OSError as error:
            pytest.fail(f"cannot hold port {held} for the test: {error}")
        sock.listen()
        run = DevRun.start(workdir, [console_script("supergraph"), "dev"])
        try:
            status = run.process.wait(timeout=STOP_SECONDS)
        finally:
            run.kill()
    assert status == 2, run.output
    lines = run.output.splitlines()
    assert lines[0].startswith(
        f"supergraph dev: port {held} (subgraph reviews) is in use by pid {os.getpid()} ("
    ), run.output
    assert f"in {os.getcwd()})" in lines[0]
    assert lines[1:] == [
        "supergraph dev: nothing was started; free that port "
        "(an earlier `supergraph dev`?) and run again"
    ]
    assert marked(run.token) == []
    require_free_ports()  # nothing listens on the other ports (nor on this one now)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_stops_everything(dev: DevRun, signum: signal.Signals) -> None:
    children = dev.subgraph_pids()
    os.kill(dev.process.pid, signum)
    status = dev.process.wait(timeout=STOP_SECONDS)
    dev.assert_all_gone(children)
    assert status == 0, dev.output
    assert dev.output.endswith(f"supergraph dev: stopped ({signum.name})\n"), tail(dev.log)


def test_the_subgraphs_stop_when_dev_is_killed(dev: DevRun) -> None:
    children = dev.subgraph_pids()
    os.kill(dev.process.pid, signal.SIGKILL)
    assert dev.process.wait(timeout=STOP_SECONDS) == -signal.SIGKILL
    dev.assert_all_gone(children)


def test_make_dev_stops_everything_when_make_is_killed(workdir: Path) -> None:
    make = shutil.which("make")
    assert make is not None, "GNU make is needed to run `make dev`"
    venv = Path(sys.executable).parent.parent
    require_free_ports()
    # -o: the venv is there; don't let make install into it.
    argv = [make, "-s", "-o", f"{venv}/.installed-stamp", "dev", f"VENV={venv}"]
    run = DevRun.start(workdir, argv, via_make=True)
    try:
        run.wait_serving()
        dev = run.dev_pid()
        children = run.subgraph_pids()
        os.kill(run.process.pid, signal.SIGKILL)
        run.process.wait(timeout=STOP_SECONDS)
        wait_for(lambda: not alive(dev), "`supergraph dev` to stop", run.log)
        run.assert_all_gone(children)
        assert run.output.endswith(
            f"supergraph dev: stopped (its parent process {run.process.pid} exited)\n"
        ), tail(run.log)
    finally:
        run.kill()


def test_the_otel_variables_reach_the_router_and_every_subgraph(workdir: Path) -> None:
    """Set once for `supergraph dev`, the OTEL_* variables configure the router and are
    passed on to each subgraph (all but OTEL_SERVICE_NAME: each subgraph names itself);
    one client trace then holds every service's server span, and the router's metrics
    go to the same collector."""
    trace_id = "5bf92f3577b34da6a3ce929d0e0e4736"
    require_free_ports()
    with OtlpHttpReceiver() as receiver:
        run = DevRun.start(
            workdir,
            [console_script("supergraph"), "dev"],
            extra_env={
                "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
                "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
                "OTEL_SERVICE_NAME": "dev-router",
                "OTEL_BSP_SCHEDULE_DELAY": "100",
                "OTEL_METRIC_EXPORT_INTERVAL": "200",
            },
        )
        try:
            run.wait_serving()
            response = httpx.post(
                f"{ROUTER}/graphql",
                json={"query": QUERY},
                headers={
                    "accept": "application/json",
                    "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01",
                },
                timeout=30,
            )
            assert response.status_code == 200 and "errors" not in response.json(), response.text
            services = {"dev-router", *SUBGRAPHS} - {"orders"}  # what QUERY asks
            receiver.wait_for(
                lambda spans: (
                    services
                    <= {s.service for s in spans if s.trace_id == trace_id and s.kind == SERVER}
                ),
                what=f"server spans of {sorted(services)} in the client's trace",
                timeout=60,
            )
            points = receiver.wait_for_points(
                lambda got: any(p.name == "http.server.request.duration" for p in got),
                what="the router's request duration",
                timeout=60,
            )
        finally:
            run.kill()
    assert {p.service for p in points if p.name == "http.server.request.duration"} == {"dev-router"}
    names = {s.service for s in receiver.spans}
    assert "dev-router" in names and not names - {"dev-router", *SUBGRAPHS}


def test_the_whole_graph_is_served(shared_dev: DevRun, workdir: Path) -> None:
    assert f"GraphiQL: http://localhost:{ROUTER_PORT}/graphql" in shared_dev.output
    response = httpx.post(
        f"{ROUTER}/graphql",
        json={"query": QUERY},
        headers={"accept": "application/json"},
        timeout=30,
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
        env={**os.environ, "SUPERGRAPH_DEV_KEY": str(workdir / "keys" / "dev-signing-key.pem")},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()
    me = httpx.post(
        f"{ROUTER}/graphql",
        json={"query": "{ me { id username } }"},
        headers={"accept": "application/json", "authorization": f"Bearer {token}"},
        timeout=30,
    ).json()
    assert me == {"data": {"me": {"id": "3", "username": username(3)}}}
    # Each subgraph got its seeded SQLite file in the folder the environment named.
    files = sorted(p.name for p in (workdir / "data").glob("*.sqlite3"))
    assert files == [f"{n}.sqlite3" for n in sorted(SUBGRAPHS)]


def test_a_killed_subgraph_is_reported_and_restarted(shared_dev: DevRun) -> None:
    before = shared_dev.subgraph_pids()
    killed = before["products"]
    os.kill(killed, signal.SIGKILL)
    wait_for(
        lambda: "subgraph products is ready again on port 4002" in shared_dev.output,
        "products to be restarted",
        shared_dev.log,
        timeout=START_SECONDS,
    )
    assert (
        f"supergraph dev: subgraph products (pid {killed}) exited with code -9 (SIGKILL); "
        "restarting it in 0.5s" in shared_dev.output
    )
    after = shared_dev.subgraph_pids()
    assert after["products"] != killed
    assert {k: v for k, v in after.items() if k != "products"} == {
        k: v for k, v in before.items() if k != "products"
    }
    assert f"subgraph products restarted (pid {after['products']})" in shared_dev.output
    assert httpx.get("http://127.0.0.1:4002/health", timeout=10).status_code == 200
    product = httpx.post(
        f"{ROUTER}/graphql",
        json={"query": f'{{ product(upc: "{product_upc(1)}") {{ name }} }}'},
        headers={"accept": "application/json"},
        timeout=30,
    ).json()
    assert product["data"]["product"]["name"].endswith(" 1"), product


def test_ctrl_c_stops_everything_quietly(shared_dev: DevRun) -> None:
    children = shared_dev.subgraph_pids()
    before = len(shared_dev.output)
    os.killpg(shared_dev.process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    try:
        status = shared_dev.process.wait(timeout=STOP_SECONDS)
        shared_dev.assert_all_gone(children)
    finally:
        shared_dev.kill()  # the next tests need the ports, whatever happened here
    assert status == 0, shared_dev.output
    # One line (an access-log line of a request just answered may land after the signal).
    after = [line for line in shared_dev.output[before:].splitlines() if not ACCESS.match(line)]
    assert after == ["supergraph dev: stopped (SIGINT)"], shared_dev.output[before:]
