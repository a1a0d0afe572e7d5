"""Compute jobs in child processes (compute_process.py): the same answers as on the
thread, the same back-pressure, and a child that dies, is stuck or cannot start.

Counting assertions only: which process compiled, how many jobs ran, failed or
were refused; nothing is timed.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.hostile_payloads import large_operation_text
from supergraph.errors import COMPUTE_JOB_FAILED, REQUEST_CONCURRENCY_LIMITED
from supergraph.executor.mock_transport import MockTransport
from supergraph.executor.selections import FieldSelection
from supergraph.executor.transport import SubgraphRequest
from supergraph.pipeline.compute_process import ProcessSpec, ProcessWorker
from supergraph.pipeline.options import RouterOptions
from supergraph.pipeline.request import GraphQLRequest
from supergraph.pipeline.router import Router
from supergraph.schema import load_supergraph
from tests.executor.compute_helpers import HOLD_ENV, held_planner

ROOT = Path(__file__).resolve().parents[2]
SUPERGRAPH = load_supergraph((ROOT / "schema.graphql").read_text())

PRODUCT = {"__typename": "Product", "upc": "1", "name": "Table", "price": 10.5, "id": "p1"}


def answer(subgraph: str, request: SubgraphRequest) -> dict[str, Any]:
    """Deterministic subgraph answers: some data, some gaps (errors the shaper adds)."""
    if subgraph == "products" and "products" in request.query:
        return {"data": {"products": {"edges": [{"node": PRODUCT}], "pageInfo": {}}}}
    if subgraph == "products" and "product(" in request.query:
        return {"data": {"product": PRODUCT}}
    if subgraph == "accounts":
        return {"data": {"me": None}}
    return {"data": None, "errors": [{"message": f"{subgraph} is a stub"}]}


CORPUS: list[tuple[str, dict[str, Any] | None, str | None]] = [
    ("{ products(first: 2) { edges { node { upc name price } } } }", None, None),
    (
        "query P($n: Int, $all: Boolean!) { products(first: $n) { edges { node { upc"
        " ...F @include(if: $all) ... on Product { id } } } } } fragment F on Product { name }",
        {"n": 1, "all": True},
        "P",
    ),
    ('query A { me { id } } query B { product(upc: "1") { name } }', None, "B"),
    ("query A { me { id } } query B { me { id } }", None, None),  # no operation name
    ("query A { me { id } }", None, "Nope"),  # unknown operation name
    ("{ products(first: 1) { edges { node { nope } } } }", None, None),  # invalid
    ("{ products(first: ", None, None),  # parse error
    ("subscription { me { id } }", None, None),
    ("query($n: Int) { products(first: $n) { edges { node { upc } } } }", {"n": "x"}, None),
    ("{ __schema { queryType { name } } __typename }", None, None),
    ('{ __type(name: "Product") { name fields { name } } me { id } }', None, None),
    ('{ order(id: "1") { id } me { id } }', None, None),  # @authenticated: denied variant
    (large_operation_text("equivalence"), {"first": 1}, None),
]


def _router(processes: int, planner: Any = None, **options: Any) -> Router:
    extra = {"planner": planner} if planner is not None else {}
    return Router(
        SUPERGRAPH,
        MockTransport(answer),
        RouterOptions(compute_processes=processes, **options),
        **extra,
    )


async def _children_up(router: Router) -> ProcessWorker:
    """The router's compile processes, once they are up (until then, jobs run on the
    router's thread: compute_process.py)."""
    router.jobs.start()
    workers = router.jobs.processes
    assert workers is not None
    await _until(lambda: len(workers.pids()) == workers.spec.processes, "the children to start")
    return workers


@pytest.fixture
async def process_router() -> AsyncIterator[Router]:
    router = _router(1)
    await _children_up(router)
    try:
        yield router
    finally:
        await router.aclose()


async def test_a_compile_process_answers_as_the_thread_does_and_weighs_the_same() -> None:
    thread, process = _router(0), _router(1)
    await _children_up(process)
    try:
        for query, variables, name in CORPUS:
            for _ in range(2):  # fresh, then from the caches
                request = GraphQLRequest(query, name, variables)
                expected = await thread.execute(request)
                got = await process.execute(request)
                assert (got.kind, got.body) == (expected.kind, expected.body), query[:80]
        workers = process.jobs.processes
        assert workers is not None and workers.local == 0 and workers.failed == 0
        assert thread.jobs.processes is None
        # Every compile went to the child: the same jobs ran, none on this process's
        # thread but introspection's (which stays here) and large shaping.
        assert process.jobs.executed == thread.jobs.executed
        # Cache accounting: the child weighs what it built, the same as the thread (up
        # to a string the key shares with the entry there, which the copy does not:
        # an operation name, 50 bytes).
        for cache in ("documents", "plans", "authorized_plans"):
            mine, theirs = getattr(process, cache), getattr(thread, cache)
            assert len(mine) == len(theirs), cache
            assert abs(mine.bytes - theirs.bytes) <= theirs.bytes // 100, cache
    finally:
        await thread.aclose()
        await process.aclose()


async def test_a_result_is_bound_to_this_process_schema_and_shared_leaves(
    process_router: Router,
) -> None:
    query = "{ products(first: 1) { edges { node { upc name } } } }"
    await process_router.execute(GraphQLRequest(query))
    prepared = process_router.plans.peek((query, None))
    assert prepared is not None
    shaper = prepared.shaper
    assert shaper._schema is process_router.schema
    assert shaper._shared is process_router._shapes
    leaves = process_router._shapes.leaves
    assert isinstance(leaves.get("upc"), FieldSelection)
    # The leaf inside the compiled selections is the router's own shared one.
    found: list[FieldSelection] = []

    def walk(selections: Any) -> None:
        for selection in selections or ():
            if isinstance(selection, FieldSelection) and selection.name == "upc":
                found.append(selection)
            walk(getattr(selection, "selections", None))

    walk(shaper._root.selection_sets[0])
    assert found and all(each is leaves["upc"] for each in found)


@pytest.fixture
def hold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The hold file of `held_planner` (created: `Held` operations wait until removed)."""
    path = tmp_path / "hold"
    path.touch()
    monkeypatch.setenv(HOLD_ENV, str(path))  # inherited by the children started after
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


HELD = "query Held { products(first: 1) { edges { node { upc } } } }"


def _release(hold: Path) -> None:
    hold.unlink(missing_ok=True)


def _pid_in(started: Path) -> int:
    return int(started.read_text())


async def _until(condition: Any, what: str) -> None:
    for _ in range(3000):  # polling, not timing: 30 s at most on a loaded machine
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def test_a_full_queue_answers_503_with_the_child_busy(hold: Path) -> None:
    # The compute queue itself: the fresh-operation line (fresh.py) would hold the
    # requests before they become jobs.
    router = _router(1, held_planner, compute_max_queued=2, fresh_operations=None)
    await _children_up(router)
    try:
        held = asyncio.create_task(router.execute(GraphQLRequest(HELD)))
        started = Path(f"{hold}.started")
        await _until(started.exists, "the child to start the held job")
        assert _pid_in(started) != os.getpid()
        queued = asyncio.create_task(router.execute(GraphQLRequest("{ me { id } }")))
        await _until(lambda: router.jobs.queued == 2, "the second job to queue")
        refused = await router.execute(GraphQLRequest("{ categories { slug } }"))
        assert refused.kind == "unavailable"
        assert [e["extensions"]["code"] for e in refused.body["errors"]] == [
            REQUEST_CONCURRENCY_LIMITED
        ]
        assert router.jobs.rejected == 1
        _release(hold)
        assert (await held).kind == "ok" and (await queued).kind == "ok"
        assert router.jobs.queued == 0
        # Room again: the refused operation is compiled now.
        assert (await router.execute(GraphQLRequest("{ categories { slug } }"))).kind == "ok"
    finally:
        _release(hold)
        await router.aclose()


async def test_identical_jobs_share_one_child_compile_and_a_left_one_is_skipped(
    hold: Path,
) -> None:
    router = _router(1, held_planner, fresh_operations=None)  # jobs, not the fresh line
    await _children_up(router)
    try:
        held = asyncio.create_task(router.execute(GraphQLRequest(HELD)))
        await _until(Path(f"{hold}.started").exists, "the held job to start")
        same = [
            asyncio.create_task(router.execute(GraphQLRequest("{ me { id } }"))) for _ in range(3)
        ]
        left = asyncio.create_task(router.execute(GraphQLRequest("{ categories { slug } }")))
        await _until(lambda: router.jobs.queued == 3, "two more jobs to queue")
        left.cancel()
        _release(hold)
        answers = await asyncio.gather(held, *same)
        assert [a.kind for a in answers] == ["ok"] * 4
        assert router.jobs.shared == 2
        assert router.jobs.executed == 2  # the held one and the shared one; not the left one
        assert "{ categories { slug } }" not in router.documents
    finally:
        _release(hold)
        await router.aclose()


async def test_a_child_killed_mid_job_answers_a_coded_503_then_a_new_child_serves(
    hold: Path,
) -> None:
    router = _router(1, held_planner)
    await _children_up(router)
    try:
        held = asyncio.create_task(router.execute(GraphQLRequest(HELD)))
        started = Path(f"{hold}.started")
        await _until(started.exists, "the held job to start")
        child = _pid_in(started)
        os.kill(child, signal.SIGKILL)
        failed = await held
        assert failed.kind == "unavailable"
        assert [e["extensions"]["code"] for e in failed.body["errors"]] == [COMPUTE_JOB_FAILED]
        workers = router.jobs.processes
        assert workers is not None and workers.failed == 1 and workers.restarts == 1
        # Nothing of the failed job was cached: the next request compiles it again, in
        # a new child (started in the background: until it is up, jobs run here).
        _release(hold)
        await _children_up(router)
        again = await router.execute(GraphQLRequest(HELD))
        assert again.kind == "ok" and "errors" not in again.body
        assert workers.pids() and child not in workers.pids()
        assert workers.local == 0
    finally:
        _release(hold)
        await router.aclose()


async def test_a_child_killed_between_jobs_is_restarted_without_failing_a_job(
    process_router: Router,
) -> None:
    assert (await process_router.execute(GraphQLRequest("{ me { id } }"))).kind == "ok"
    workers = process_router.jobs.processes
    assert workers is not None
    [child] = workers.pids()
    os.kill(child, signal.SIGKILL)
    await _until(lambda: not _alive(child), "the child to exit")
    answer = await process_router.execute(GraphQLRequest("{ categories { slug } }"))
    assert answer.kind == "ok"
    assert workers.failed == 0 and workers.restarts == 1 and child not in workers.pids()
    # That job ran here while the new child started; the next one goes to the child.
    assert workers.local == 1
    [new] = (await _children_up(process_router)).pids()
    assert new != child
    answer = await process_router.execute(GraphQLRequest("{ categories { name } }"))
    assert answer.kind == "ok" and workers.local == 1


async def test_no_job_waits_for_a_child_to_start() -> None:
    router = _router(1)
    spec = router.jobs._spec
    assert spec is not None
    # A child that never says it is ready: jobs run here meanwhile.
    router.jobs._spec = ProcessSpec("tests.executor.compute_helpers:never_ready", b"", spec.shared)
    try:
        for query in ("{ me { id } }", "{ categories { slug } }"):
            assert (await router.execute(GraphQLRequest(query))).kind == "ok"
        workers = router.jobs.processes
        assert workers is not None and workers.local == 2 and workers.pids() == []
    finally:
        await router.aclose()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def test_a_result_over_the_size_bound_is_computed_in_this_process() -> None:
    router = _router(1)
    spec = router.jobs._spec
    assert spec is not None
    router.jobs._spec = ProcessSpec(spec.entry, spec.payload, spec.shared, 1, 1_000)
    try:
        small = await router.execute(GraphQLRequest("{ me { id } }"))
        large = await router.execute(
            GraphQLRequest(large_operation_text("big"), None, {"first": 1})
        )
        assert small.kind == "ok" and large.kind == "ok"
        workers = router.jobs.processes
        assert workers is not None and workers.local >= 1 and workers.failed == 0
    finally:
        await router.aclose()


async def test_a_child_that_cannot_start_leaves_the_jobs_on_this_process() -> None:
    router = _router(1)
    spec = router.jobs._spec
    assert spec is not None
    router.jobs._spec = ProcessSpec("tests.executor.no_such_module:entry", b"", spec.shared)
    try:
        for query in ("{ me { id } }", "{ categories { slug } }", "{ me { username } }"):
            assert (await router.execute(GraphQLRequest(query))).kind == "ok"
        workers = router.jobs.processes
        assert workers is not None
        await _until(lambda: workers.unavailable is not None, "the process mode to be given up")
        assert workers.unavailable is not None
        assert "ModuleNotFoundError" in workers.unavailable
        assert workers.local == 3 and workers.pids() == []
    finally:
        await router.aclose()


def test_without_an_importable_planner_or_sdl_the_thread_is_used() -> None:
    def local_planner(*args: Any) -> Any:  # not importable by name
        raise AssertionError("never called")

    assert _router(1, local_planner).jobs._spec is None
    built = load_supergraph((ROOT / "schema.graphql").read_text())
    from dataclasses import replace

    assert (
        Router(
            replace(built, source=""), MockTransport(answer), RouterOptions(compute_processes=1)
        ).jobs._spec
        is None
    )
    assert _router(1, compute_jobs=False).jobs._spec is None
    with pytest.raises(ValueError, match="at most"):
        _router(33)


async def test_closing_the_router_stops_its_children(process_router: Router) -> None:
    assert (await process_router.execute(GraphQLRequest("{ me { id } }"))).kind == "ok"
    workers = process_router.jobs.processes
    assert workers is not None
    children = workers.pids()
    assert len(children) == 1
    await process_router.aclose()
    await _until(lambda: not any(_alive(pid) for pid in children), "the children to exit")


def test_the_worker_refuses_an_unbounded_process_count() -> None:
    spec = ProcessSpec("x:y", b"", lambda: None, 0)  # type: ignore[arg-type,return-value]
    with pytest.raises(ValueError):
        ProcessWorker(spec)
