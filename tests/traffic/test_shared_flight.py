"""SharedFlights, the mechanism of both de-duplicators: one run for identical work in
flight, each requester but the last given its own copy, also of a result orjson
cannot encode."""

from __future__ import annotations

import asyncio
from typing import Any

from supergraph.executor.merge import copy_tree
from supergraph.executor.shared_flight import SharedFlights


async def share_among(flights: SharedFlights[str, Any], result: Any, requesters: int) -> list[Any]:
    gate = asyncio.Event()
    runs = 0

    async def work() -> Any:
        nonlocal runs
        runs += 1
        await gate.wait()
        return result

    async def request() -> Any:
        flight = flights.get("k") or flights.take_off("k", work())
        return await flights.share("k", flight)

    calls = [asyncio.create_task(request()) for _ in range(requesters)]
    await asyncio.sleep(0)  # every requester joins before the work lands
    gate.set()
    answers = await asyncio.gather(*calls)
    assert runs == 1 and len(flights) == 0
    return answers


async def test_each_requester_gets_its_own_copy() -> None:
    result = {"items": [1, 2]}
    answers = await share_among(SharedFlights(), result, 3)
    assert answers == [result] * 3
    assert len({id(a) for a in answers}) == 3
    assert len({id(a["items"]) for a in answers}) == 3


async def test_a_result_orjson_cannot_encode_is_deep_copied() -> None:
    # An integer beyond 64 bits: orjson refuses it.
    result = {"big": 2**70, "items": [{"n": 1}]}
    answers = await share_among(SharedFlights(), result, 3)
    assert answers == [result] * 3
    answers[0]["items"][0]["n"] = 99
    answers[1]["items"].append("x")
    assert answers[2] == {"big": 2**70, "items": [{"n": 1}]}
    assert len({id(a["items"]) for a in answers}) == 3


async def test_restore_gives_a_copy_back_what_encoding_lost() -> None:
    def as_tuple(copy: Any, original: Any) -> Any:
        return tuple(copy)

    answers = await share_among(SharedFlights(as_tuple), ({"a": 1}, []), 2)
    assert answers == [({"a": 1}, []), ({"a": 1}, [])]


async def test_a_requester_arriving_as_the_work_lands_gets_its_own_object() -> None:
    # The late requester resumes after the work returned but before its done callbacks
    # run: a flight that finished must not be joined (it would hand out the original
    # without a snapshot, and the first requester would get the same object).
    flights: SharedFlights[str, Any] = SharedFlights()
    finishing = asyncio.Event()

    async def work() -> Any:
        finishing.set()  # wakes the late requester ahead of the task's own callbacks
        return {"items": [1]}

    async def request() -> Any:
        flight = flights.get("k") or flights.take_off("k", work())
        return await flights.share("k", flight)

    async def late() -> Any:
        await finishing.wait()
        return await request()

    late_call = asyncio.create_task(late())
    await asyncio.sleep(0)
    first = await request()
    second = await late_call
    assert first == second == {"items": [1]}
    assert first is not second and first["items"] is not second["items"]
    assert len(flights) == 0


async def test_a_copy_function_makes_the_snapshot_and_each_copy() -> None:
    made: list[object] = []

    def counted(value: Any) -> Any:
        made.append(value)
        return copy_tree(value)

    result = {"items": [{"n": 1}], "name": "a"}
    answers = await share_among(SharedFlights(copy=counted), result, 4)
    assert answers == [result] * 4
    # The snapshot when the work lands, then a copy of it for each requester but the
    # last two: the one before last takes the snapshot itself, the last the original.
    assert len(made) == 3
    answers[0]["items"][0]["n"] = 99
    answers[1]["items"].append("x")
    assert answers[2] == answers[3] == {"items": [{"n": 1}], "name": "a"}
    assert len({id(a["items"][0]) for a in answers}) == 4


async def test_two_requesters_cost_one_copy() -> None:
    made: list[object] = []

    def counted(value: Any) -> Any:
        made.append(value)
        return copy_tree(value)

    result = {"items": [{"n": 1}]}
    first, second = await share_among(SharedFlights(copy=counted), result, 2)
    assert made == [result]  # the snapshot, taken by the first; the second: the original
    assert first == second == result and first is not second
    assert first["items"][0] is not second["items"][0]


async def test_a_result_the_copy_function_refuses_is_deep_copied() -> None:
    def refuses(value: Any) -> Any:
        raise TypeError("not decoded JSON")

    result = [{"n": 1}]
    answers = await asyncio.wait_for(share_among(SharedFlights(copy=refuses), result, 3), 5)
    assert answers == [result] * 3
    answers[0][0]["n"] = 99
    assert answers[1] == answers[2] == [{"n": 1}]
    assert len({id(a[0]) for a in answers}) == 3
