"""Compute jobs: the cold path (parse, validate, plan, introspection) off the event loop.

The worker thread, the shared execution of identical jobs, the bounded queue
(REQUEST_CONCURRENCY_LIMITED, 503), jobs nobody waits for, and the router's use
of them: a cached operation never becomes a job, a fresh one does, and every
cache is still filled on the loop.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from typing import Any

import pytest
from graphql import DocumentNode

from supergraph.errors import REQUEST_CONCURRENCY_LIMITED
from supergraph.executor.mock_transport import MockTransport
from supergraph.executor.shaping import ResponseShaper
from supergraph.pipeline.compute import SWITCH_INTERVAL, ComputeBusy, ComputeJobs
from supergraph.pipeline.options import RouterOptions
from supergraph.pipeline.request import GraphQLRequest
from supergraph.pipeline.router import Router
from supergraph.planner.plan import QueryPlan
from supergraph.schema import Supergraph
from tests.executor.test_pipeline import SUPERGRAPH, fake_planner, handler


async def test_a_job_runs_on_another_thread_and_lowers_the_switch_interval() -> None:
    jobs = ComputeJobs()
    try:
        thread = await jobs.run("which", threading.get_ident)
        assert thread != threading.get_ident()
        assert sys.getswitchinterval() <= SWITCH_INTERVAL
        assert jobs.executed == 1 and jobs.queued == 0
    finally:
        jobs.close()


async def test_identical_jobs_in_flight_run_once_and_share_the_result() -> None:
    jobs = ComputeJobs()
    release = threading.Event()
    calls: list[int] = []

    def slow() -> int:
        release.wait(10)
        calls.append(1)
        return 42

    try:
        waiting = [asyncio.create_task(jobs.run("same", slow)) for _ in range(5)]
        await asyncio.sleep(0.05)
        release.set()
        assert await asyncio.gather(*waiting) == [42] * 5
        assert calls == [1] and jobs.executed == 1 and jobs.shared == 4
    finally:
        jobs.close()


async def test_a_full_queue_refuses_at_once_and_takes_jobs_again_when_it_drains() -> None:
    jobs = ComputeJobs(max_queued=2)
    release = threading.Event()
    try:
        held = [asyncio.create_task(jobs.run(n, lambda: release.wait(10))) for n in range(2)]
        await asyncio.sleep(0.05)
        assert jobs.queued == 2
        with pytest.raises(ComputeBusy):
            await jobs.run("third", lambda: True)
        assert jobs.rejected == 1
        release.set()
        await asyncio.gather(*held)
        assert jobs.queued == 0
        assert await jobs.run("again", lambda: "yes") == "yes"
    finally:
        release.set()
        jobs.close()


async def test_a_job_whose_requesters_all_left_before_it_started_never_runs() -> None:
    jobs = ComputeJobs()
    release = threading.Event()
    ran: list[str] = []
    try:
        first = asyncio.create_task(jobs.run("first", lambda: release.wait(10)))
        await asyncio.sleep(0.05)  # the worker is busy with the first job
        second = asyncio.create_task(jobs.run("second", lambda: ran.append("second")))
        await asyncio.sleep(0.01)
        second.cancel()
        with pytest.raises(asyncio.CancelledError):
            await second
        release.set()
        await first
        assert await jobs.run("third", lambda: ran.append("third")) is None
        assert ran == ["third"]
    finally:
        release.set()
        jobs.close()


async def test_a_prompt_job_runs_before_the_queued_ones_and_is_never_refused() -> None:
    jobs = ComputeJobs(max_queued=2)
    release = threading.Event()
    order: list[str] = []

    def blocking() -> None:
        release.wait(10)
        order.append("running")

    try:
        running = asyncio.create_task(jobs.run("running", blocking))
        await asyncio.sleep(0.05)  # the worker is busy with it
        queued = asyncio.create_task(jobs.run("queued", lambda: order.append("queued")))
        await asyncio.sleep(0.01)
        assert jobs.queued == 2
        with pytest.raises(ComputeBusy):
            await jobs.run("refused", lambda: order.append("refused"))
        prompt = asyncio.create_task(jobs.run_prompt(lambda: order.append("prompt")))
        await asyncio.sleep(0.01)
        release.set()
        await asyncio.gather(running, queued, prompt)
        assert order == ["running", "prompt", "queued"]
        assert jobs.executed == 2 and jobs.prompt == 1 and jobs.rejected == 1
    finally:
        release.set()
        jobs.close()


async def test_an_exception_of_the_job_reaches_its_requester() -> None:
    jobs = ComputeJobs()

    def broken() -> None:
        raise ValueError("boom")

    try:
        with pytest.raises(ValueError, match="boom"):
            await jobs.run("broken", broken)
        assert jobs.queued == 0
    finally:
        jobs.close()


TOP = "{ topProducts { name status reviews { body } } }"


def _router(planner: Any = fake_planner, **options: Any) -> Router:
    return Router(SUPERGRAPH, MockTransport(handler), RouterOptions(**options), planner=planner)


async def test_a_fresh_operation_is_planned_off_the_loop_and_a_cached_one_is_not() -> None:
    threads: list[int] = []

    def planner(supergraph: Supergraph, document: DocumentNode, name: str | None) -> QueryPlan:
        threads.append(threading.get_ident())
        return fake_planner(supergraph, document, name)

    router = _router(planner)
    try:
        for _ in range(3):
            response = await router.execute(GraphQLRequest("{ me { username } }"))
            assert response.body == {"data": {"me": {"username": "ada"}}}
        assert len(threads) == 1 and threads[0] != threading.get_ident()
        # One job (parse, validate and plan), filled into both caches on the loop.
        assert router.jobs.executed == 1
        assert len(router.documents) == 1 and len(router.plans) == 1
    finally:
        await router.aclose()


async def test_a_full_compute_queue_answers_503_request_concurrency_limited() -> None:
    release = threading.Event()

    def stuck(supergraph: Supergraph, document: DocumentNode, name: str | None) -> QueryPlan:
        release.wait(10)
        return fake_planner(supergraph, document, name)

    # The compute queue's own bound, under the fresh-operation line (fresh.py) that
    # would otherwise hold the second request before it becomes a job.
    router = _router(stuck, compute_max_queued=1, fresh_operations=None)
    try:
        first = asyncio.create_task(router.execute(GraphQLRequest("{ me { username } }")))
        for _ in range(100):  # until its plan job holds the only place in the queue
            await asyncio.sleep(0.01)
            if router.jobs.queued == 1 and router.jobs.executed == 1:
                break
        refused = await router.execute(GraphQLRequest(TOP))
        assert refused.kind == "unavailable"
        assert [e["extensions"]["code"] for e in refused.body["errors"]] == [
            REQUEST_CONCURRENCY_LIMITED
        ]
        assert router.jobs.rejected == 1
        release.set()
        assert (await first).kind == "ok"
        # Nothing about the refused document was cached: it is answered once there is room.
        assert (await router.execute(GraphQLRequest(TOP))).kind == "ok"
    finally:
        release.set()
        await router.aclose()


async def test_with_compute_jobs_off_everything_runs_inline() -> None:
    router = _router(compute_jobs=False)
    response = await router.execute(GraphQLRequest("{ me { username } }"))
    assert response.kind == "ok" and router.jobs.executed == 0


def test_the_edge_answers_unavailable_with_503_and_retry_after() -> None:
    from supergraph.http.endpoint import _graphql_answer
    from supergraph.http.negotiate import APPLICATION_JSON, GRAPHQL_RESPONSE_JSON
    from supergraph.pipeline.response import GraphQLResponse

    body = {"errors": [{"message": "busy", "extensions": {"code": REQUEST_CONCURRENCY_LIMITED}}]}
    for media_type in (GRAPHQL_RESPONSE_JSON, APPLICATION_JSON):
        status, _, headers = _graphql_answer(GraphQLResponse(body, "unavailable"), media_type)
        assert status == 503 and (b"retry-after", b"1") in headers


LIST = "query($n: Int) { topProducts(first: $n) { name } }"
"""Shaping it completes 1 + n fields: `topProducts`, then each product's name."""


def _listing(subgraph: str, request: Any) -> dict[str, Any]:
    if subgraph != "products":
        return handler(subgraph, request)
    count = request.variables.get("n") or 0
    return {"data": {"topProducts": [{"name": f"P{i}"} for i in range(count)]}}


async def test_a_large_response_is_shaped_on_the_worker_the_loop_doing_at_most_its_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shaped_on: list[str] = []
    original = ResponseShaper.shape
    loop_thread = threading.get_ident()

    def recorded(self: ResponseShaper, *args: Any, **kwargs: Any) -> Any:
        shaped_on.append("loop" if threading.get_ident() == loop_thread else "worker")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ResponseShaper, "shape", recorded)
    router = Router(
        SUPERGRAPH,
        MockTransport(_listing),
        RouterOptions(loop_shaping_fields=10),
        planner=fake_planner,
    )
    try:
        small = await router.execute(GraphQLRequest(LIST, variables={"n": 5}))
        assert small.body == {"data": {"topProducts": [{"name": f"P{i}"} for i in range(5)]}}
        assert shaped_on == ["loop"]  # 6 fields: within the loop's budget
        assert router.shaped_off_loop == 0 and router.jobs.prompt == 0
        large = await router.execute(GraphQLRequest(LIST, variables={"n": 50}))
        assert large.body == {"data": {"topProducts": [{"name": f"P{i}"} for i in range(50)]}}
        # Started on the loop with the budget, stopped past it, redone on the worker.
        assert shaped_on[1:] == ["loop", "worker"]
        assert router.shaping_restarts == 1 and router.shaped_off_loop == 1
        assert router.jobs.prompt == 1
        prepared = router.plans.peek((LIST, None))
        assert prepared is not None and prepared.shaper.work == 51
        # From then on the operation goes to the worker at once, even when small.
        again = await router.execute(GraphQLRequest(LIST, variables={"n": 3}))
        assert again.body == {"data": {"topProducts": [{"name": f"P{i}"} for i in range(3)]}}
        assert shaped_on[3:] == ["worker"]
        assert router.shaping_restarts == 1 and router.shaped_off_loop == 2
        # Another small operation stays on the loop.
        me = await router.execute(GraphQLRequest("{ me { username } }"))
        assert me.body == {"data": {"me": {"username": "ada"}}}
        assert shaped_on[4:] == ["loop"] and router.jobs.prompt == 2
    finally:
        await router.aclose()


async def test_without_compute_jobs_a_large_response_is_shaped_inline() -> None:
    router = Router(
        SUPERGRAPH,
        MockTransport(_listing),
        RouterOptions(compute_jobs=False, loop_shaping_fields=10),
        planner=fake_planner,
    )
    response = await router.execute(GraphQLRequest(LIST, variables={"n": 50}))
    assert len(response.body["data"]["topProducts"]) == 50
    assert router.shaped_off_loop == 0 and router.jobs.prompt == 0
