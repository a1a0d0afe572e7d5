"""Fresh operations cannot take the router from cached ones, over real HTTP.

Issue 12: four clients sending fresh 32 KB operations kept a cached simple
query's p99 at x2.3-3.5 of idle (bench/hostile.py, large_operations). Here the
cold path is held busy (the only compile slot taken by the test, on the
router's own loop) and what the router does is counted from its own queue
(`compute_jobs.fresh_operations`, pipeline/fresh.py): cached operations are
still answered, each client's fresh operations wait in their own bounded line,
more are refused with REQUEST_CONCURRENCY_LIMITED (503, `retry-after`), the
queue never passes its bound, and everything waiting is answered once the slot
is free. No timing is asserted.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from supergraph.http.config import parse_config
from supergraph.http.server import build_app
from supergraph.pipeline.fresh import FreshOperations
from supergraph.pipeline.router import Router
from tests.e2e.system import System, parse_metrics
from tests.hostile.test_operations import PRODUCT, SIMPLE
from tests.kit.asgi_server import ThreadedASGIServer

PER_CLIENT = 2
MAX_QUEUED = 3


class LoopOf:
    """The app, remembering the event loop that serves it (to run code on it)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.loop = asyncio.get_running_loop()
        await self.app(scope, receive, send)


@dataclass
class Served:
    url: str
    router: Router
    loop: asyncio.AbstractEventLoop
    client: httpx.Client

    @property
    def fresh(self) -> FreshOperations:
        assert self.router.fresh is not None
        return self.router.fresh

    def post(self, query: str, forwarded_for: str | None = None) -> httpx.Response:
        headers = {"accept": "application/graphql-response+json"}
        if forwarded_for is not None:
            headers["x-forwarded-for"] = forwarded_for
        return self.client.post(f"{self.url}/graphql", json={"query": query}, headers=headers)


@contextlib.contextmanager
def serve(system: System, processes: int) -> Iterator[Served]:
    raw = {
        **system.security_config(),
        # The test's own requests come from 127.0.0.1: trusted to name other clients.
        "supergraph": {"forwarded_allow_ips": ["127.0.0.1"]},
        "compute_jobs": {
            "processes": processes,
            "fresh_operations": {
                "max_queued_per_client": PER_CLIENT,
                "max_queued": MAX_QUEUED,
                "queue_timeout": "120s",
                # No closed time after a compilation (its unit test has it): the
                # counts here read the slot as free as soon as it is.
                "compile_share": 1.0,
            },
        },
    }
    app = LoopOf(build_app(system.supergraph_sdl, parse_config(raw)))
    server = ThreadedASGIServer(app, "fresh-operations-router", lifespan="on")
    server.start()
    try:
        assert app.loop is not None
        with httpx.Client(timeout=120) as client:
            yield Served(server.url, app.app.state.holder.router, app.loop, client)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def served(system: System) -> Iterator[Served]:
    """Compiles on the router's thread (`processes: 0`): one slot."""
    with serve(system, 0) as running:
        yield running


class HeldSlot:
    """The only compile slot, taken on the router's loop until `release`."""

    def __init__(self, served: Served) -> None:
        self._loop = served.loop
        self._released: asyncio.Event | None = None
        fresh = served.fresh

        async def hold() -> None:
            self._released = asyncio.Event()
            async with fresh.slot("test-holder"):
                await self._released.wait()

        self.done = asyncio.run_coroutine_threadsafe(hold(), self._loop)
        wait_until(lambda: fresh.running == fresh.concurrency_limit)

    def release(self) -> None:
        released = self._released
        assert released is not None
        self._loop.call_soon_threadsafe(released.set)
        self.done.result(timeout=60)


def wait_until(condition: Callable[[], bool], limit: float = 60.0) -> None:
    """Polls a count (a wait for the router to get there, not a timing assertion)."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "the router never got there"
        time.sleep(0.01)


def fresh_query(tag: str) -> str:
    """A valid operation no cache holds (its alias makes the text new)."""
    return f"{{ {tag}: products(first: 1) {{ edges {{ node {{ upc }} }} }} }}"


def assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text[:300]
    assert response.headers["retry-after"] == "1"
    codes = [e["extensions"]["code"] for e in response.json()["errors"]]
    assert codes == ["REQUEST_CONCURRENCY_LIMITED"]


def assert_answered(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text[:300]
    body = response.json()
    assert "errors" not in body, body
    assert next(iter(body["data"].values()))["edges"][0]["node"]["upc"]


def test_cached_operations_are_answered_while_fresh_ones_wait_in_bounded_lines(
    served: Served,
) -> None:
    fresh = served.fresh
    assert fresh.concurrency_limit == 1  # compute_jobs.processes 0: one slot
    assert_answered(served.post(SIMPLE))  # now cached
    refused_before, admitted_before = fresh.refused, fresh.admitted
    held = HeldSlot(served)
    with concurrent.futures.ThreadPoolExecutor(MAX_QUEUED) as pool:
        try:
            # One client fills its own line...
            waiting = [pool.submit(served.post, fresh_query(f"a{n}")) for n in range(PER_CLIENT)]
            wait_until(lambda: fresh.queued == PER_CLIENT)
            # ...and its next fresh operation is refused, not queued.
            assert_refused(served.post(fresh_query("a_more")))
            # Another client still gets its turn in line, until everyone's is full.
            waiting.append(pool.submit(served.post, fresh_query("b0"), "203.0.113.7"))
            wait_until(lambda: fresh.queued == MAX_QUEUED)
            assert_refused(served.post(fresh_query("c0"), "203.0.113.8"))
            # The cached operation never waits in that line.
            for _ in range(3):
                assert_answered(served.post(SIMPLE))
            assert fresh.queued == MAX_QUEUED
            assert fresh.refused == refused_before + 2
            assert not any(f.done() for f in waiting)
        finally:
            held.release()
        for future in waiting:
            assert_answered(future.result(timeout=120))
    assert fresh.peak_queued == MAX_QUEUED
    assert fresh.queued == 0 and fresh.running == 0
    # The holder's slot, and the three that waited for it.
    assert fresh.admitted == admitted_before + 1 + MAX_QUEUED
    metrics = parse_metrics(served.client.get(f"{served.url}/metrics").text)
    refused = metrics[("router_fresh_operations_total", (("outcome", "refused"),))]
    assert refused == fresh.refused
    assert metrics[("router_fresh_operations_queued", ())] == 0


class CachedInProgress:
    """A cached request in progress, as the router counts it, held open on its loop."""

    def __init__(self, served: Served) -> None:
        self._loop = served.loop
        self._fresh = served.fresh
        self._cached = served.fresh.cached()

    def __enter__(self) -> None:
        self._loop.call_soon_threadsafe(self._cached.__enter__)
        wait_until(lambda: self._fresh.cached_in_progress >= 1)

    def __exit__(self, *_: object) -> None:
        self._loop.call_soon_threadsafe(self._cached.__exit__, None, None, None)
        wait_until(lambda: self._fresh.cached_in_progress == 0)


def test_a_compile_result_is_loaded_stepping_aside_for_cached_requests(system: System) -> None:
    """With a compile process: its result for a fresh (small) operation is loaded
    into the router process only after a pause while a cached request is in
    progress, and not paused for once none is."""
    with serve(system, 1) as served:
        fresh = served.fresh
        assert fresh.concurrency_limit == 1  # one per compile process
        jobs = served.router.jobs
        wait_until(lambda: jobs.processes is not None and bool(jobs.processes.pids()))
        assert jobs.processes is not None
        local = jobs.processes.local
        pauses = fresh.pauses
        with CachedInProgress(served):
            assert_answered(served.post(fresh_query("while_cached")))
        assert fresh.pauses == pauses + 1  # before the load (the answer is shaped on the loop)
        assert_answered(served.post(fresh_query("alone")))
        assert fresh.pauses == pauses + 1
        assert jobs.processes.local == local  # both compiled in the child


def test_a_fresh_answer_is_shaped_stepping_aside_for_cached_requests(served: Served) -> None:
    """A cached request in progress (held open on the router's loop) while a fresh
    large operation's answer is shaped off the loop: the shaping pauses for it, and
    the answer is the same as the cached operation's later one."""
    fresh = served.fresh
    pauses = fresh.pauses
    # Aliased copies (unaliased ones would merge into one field): ~2,000 response
    # fields, over the loop's shaping budget of 1,000.
    query = (
        "{ "
        + " ".join(f'p{n}: product(upc: "000000000001") {{ {PRODUCT} }}' for n in range(90))
        + " }"
    )
    assert len(query) < 32_000
    with CachedInProgress(served):
        first = served.post(query)
    assert first.status_code == 200, first.text[:300]
    assert fresh.pauses > pauses
    metrics = parse_metrics(served.client.get(f"{served.url}/metrics").text)
    assert metrics[("router_fresh_operation_pauses_total", ())] == fresh.pauses
    again = served.post(query)
    assert again.json() == first.json()
    assert "errors" not in first.json()
