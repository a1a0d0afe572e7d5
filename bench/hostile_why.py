"""`python -m bench.hostile --why`: each measured bullet of issue 12's "Why", per revision.

Every item starts a fresh router of each revision (so CPU and RSS are that
item's alone), measures, and stops it. The router-level bullets only: the
subgraph-level ones (products' CancelledError, pool exhaustion, log flooding,
`supergraph dev`'s lifecycle) are measured by their own tests and notes.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench import hostile_payloads as payloads
from bench import procs
from bench.hostile_env import Environment
from bench.hostile_http import Connection, Reply, describe, error_codes, post_bytes
from bench.hostile_load import Abuse
from bench.hostile_routers import Revision, Router

BATCHING = "batching:\n  enabled: true\n"
BAD_VALUES_QUERY = "{ products(first: 1) { edges { node { upc inStock } } } }"
"""Every field non-null: a null anywhere in `data` (or `data: null`) needs an error."""
HUGE_BODY_QUERY = "{ products(first: 1) { edges { node { upc name } } } }"
BODY_ITEM_NAME = 1000
"""The huge subgraph answer is a list of products with 1 KB names (about 300,000 for 300 MB):
objects as a real answer has them, not one string."""


SEARCH_RULE: dict[str, object] = {
    "subgraph": "products",
    "match": "search",
    "body": '{"data":{"search":[]}}',
}
"""The stub's answer to the cache flood's searches: nothing recorded, nothing forwarded."""


@dataclass
class WhySettings:
    flood_operations: int = 150
    flood_bytes: int = payloads.FLOOD_STRING_BYTES
    header_bytes: int = 64 * 2**20
    loris_connections: int = 250
    loris_seconds: float = 60.0
    loris_interval: float = 2.0
    subgraph_body_bytes: int = 300_000_000
    fragment_chains: tuple[int, ...] = (200, 489, 2000)
    fresh_operations: int = 5
    cached_repeats: int = 20
    request_timeout: float = 300.0


@dataclass
class Measures:
    """What one item measured on one revision: (measure, value) in order."""

    values: list[tuple[str, object]] = field(default_factory=list)

    def add(self, measure: str, value: object) -> None:
        self.values.append((measure, value))


Item = Callable[[Environment, Revision, WhySettings, Measures], None]


# -- helpers -------------------------------------------------------------------------------


def _send(router: Router, raw: bytes, timeout: float) -> Reply:
    """One request on a fresh connection, answered or not."""

    async def one() -> Reply:
        connection = Connection("127.0.0.1", router.port)
        try:
            return await asyncio.wait_for(connection.request(raw), timeout)
        finally:
            await connection.close()

    return asyncio.run(one())


def _post(router: Router, body: object, timeout: float) -> Reply:
    data = body if isinstance(body, bytes) else payloads.encode(body)
    return _send(router, post_bytes("/graphql", data), timeout)


def _outcome(reply: Reply) -> str:
    codes = sorted(set(error_codes(reply.body)))
    return f"{reply.status}" + (f" {'+'.join(codes)}" if codes else "")


def _cpu_of(router: Router, work: Callable[[], object]) -> tuple[float, float, object]:
    """Router CPU seconds and wall seconds of `work` (the router idle before and after)."""
    procs.settle(router.pid, limit=30)
    cpu, wall = router.cpu_seconds(), time.monotonic()
    result = work()
    wall = time.monotonic() - wall
    procs.settle(router.pid, limit=30)
    return router.cpu_seconds() - cpu, wall, result


def _mib(value: float) -> str:
    return f"{value:,.0f}"


def _size(count: int) -> str:
    if count >= 2**20 and count % 2**20 == 0:
        return f"{count // 2**20:,} MiB"
    return f"{count / 1e6:,.1f} MB" if count >= 100_000 else f"{count:,} B"


# -- the items -----------------------------------------------------------------------------


def memory(env: Environment, revision: Revision, settings: WhySettings, out: Measures) -> None:
    """150 distinct operations, each with a 1.5 MB string argument: RSS kept."""
    env.script([SEARCH_RULE])
    router = env.router(revision, "stub", "", "why-memory")
    try:
        procs.settle(router.pid, limit=30)
        before = router.rss_mb()
        outcomes: dict[str, int] = {}

        async def flood() -> None:
            connection = Connection("127.0.0.1", router.port)
            try:
                for n in range(settings.flood_operations):
                    body = payloads.flood_operation(f"why{n}n", settings.flood_bytes)
                    try:
                        reply = await asyncio.wait_for(
                            connection.request(post_bytes("/graphql", body)),
                            settings.request_timeout,
                        )
                        outcome = _outcome(reply)
                    except (OSError, asyncio.IncompleteReadError, TimeoutError) as error:
                        outcome = type(error).__name__
                    outcomes[outcome] = outcomes.get(outcome, 0) + 1
            finally:
                await connection.close()

        started = time.monotonic()
        asyncio.run(flood())
        seconds = time.monotonic() - started
        procs.settle(router.pid, limit=30)
        after = router.rss_mb()
        count = settings.flood_operations
        out.add(
            f"RSS MiB before -> after {count} x {_size(settings.flood_bytes)} distinct operations",
            f"{_mib(before)} -> {_mib(after)} (peak {_mib(router.peak_rss_mb())})",
        )
        out.add("kept per operation (MiB)", round((after - before) / count, 2))
        out.add("answers", ", ".join(f"{n} x {k}" for k, n in outcomes.items()))
        out.add("seconds for all", round(seconds, 1))
        cache = router.cache_bytes()
        out.add(
            "cache bytes in /metrics",
            ", ".join(f"{k} {v:,.0f}" for k, v in cache.items()) or "none exposed",
        )
    finally:
        router.stop()
        env.script([])


def _one_request_cost(
    env: Environment,
    revision: Revision,
    settings: WhySettings,
    out: Measures,
    *,
    name: str,
    config: str,
    body: object,
) -> None:
    router = env.router(revision, "stub", config, f"why-{name}")
    try:
        cpu, wall, reply = _cpu_of(router, lambda: _post(router, body, settings.request_timeout))
        assert isinstance(reply, Reply)
        out.add(f"{name}: router CPU s", round(cpu, 2))
        out.add(f"{name}: wall s", round(wall, 2))
        out.add(f"{name}: answer", f"{_outcome(reply)}, {_size(len(reply.body))}")
    finally:
        router.stop()


def introspection(env: Environment, revision: Revision, s: WhySettings, out: Measures) -> None:
    """One anonymous request of 700 aliased `__schema` selections, and a batch of ten."""
    single = payloads.introspection_aliases()
    out.add("request size", _size(len(payloads.encode(single))))
    _one_request_cost(env, revision, s, out, name="700 aliases", config="", body=single)
    batch = payloads.introspection_batch()
    _one_request_cost(env, revision, s, out, name="batch of 10", config=BATCHING, body=batch)


def large_operations(env: Environment, revision: Revision, s: WhySettings, out: Measures) -> None:
    """A fresh 32 KB operation; the cached one with invalid, then valid variables."""
    router = env.router(revision, "stub", "", "why-large")
    try:
        text = payloads.large_operation_text("x")
        out.add("operation", f"{_size(len(text))}, {payloads.large_operation_fields():,} fields")
        _post(router, payloads.large_operation("warm"), s.request_timeout)  # stub recording

        def fresh() -> list[Reply]:
            return [
                _post(router, payloads.large_operation(f"fresh{n}"), s.request_timeout)
                for n in range(s.fresh_operations)
            ]

        cpu, _, replies = _cpu_of(router, fresh)
        assert isinstance(replies, list)
        out.add("fresh: router CPU ms per operation", round(cpu / s.fresh_operations * 1000, 1))
        out.add("fresh: answers", ", ".join(sorted({_outcome(r) for r in replies})))
        valid = payloads.large_operation("cached")
        invalid = payloads.invalid_variables()
        _post(router, valid, s.request_timeout)
        for label, body in (("cached, invalid variables", invalid), ("cached, valid", valid)):

            def repeat(body: object = body) -> list[Reply]:
                return [_post(router, body, s.request_timeout) for _ in range(s.cached_repeats)]

            cpu, _, replies = _cpu_of(router, repeat)
            assert isinstance(replies, list)
            out.add(f"{label}: router CPU ms", round(cpu / s.cached_repeats * 1000, 1))
            out.add(f"{label}: answers", ", ".join(sorted({_outcome(r) for r in replies})))
    finally:
        router.stop()


def fragment_chains(env: Environment, revision: Revision, s: WhySettings, out: Measures) -> None:
    """Linear fragment chains: legal, but deep."""
    router = env.router(revision, "stub", "", "why-fragments")
    try:
        for length in s.fragment_chains:
            reply = _post(router, payloads.fragment_chain(length), s.request_timeout)
            message = ""
            try:
                errors = json.loads(reply.body).get("errors") or []
                message = str(errors[0].get("message", ""))[:60] if errors else ""
            except (ValueError, AttributeError):
                message = describe(reply.body, 60)
            out.add(f"chain of {length}", f"{_outcome(reply)} {message}".strip())
    finally:
        router.stop()


def huge_header(env: Environment, revision: Revision, s: WhySettings, out: Measures) -> None:
    """One request with a 64 MB header."""
    router = env.router(revision, "stub", "", "why-header")
    try:
        procs.settle(router.pid, limit=30)
        before = router.rss_mb()
        raw = post_bytes(
            "/graphql", payloads.encode(payloads.NORMAL_BODY), {"x-pad": "x" * s.header_bytes}
        )
        started = time.monotonic()
        try:
            outcome = _outcome(_send(router, raw, s.request_timeout))
        except asyncio.IncompleteReadError:
            outcome = "connection closed without an answer"
        except (OSError, TimeoutError) as error:
            outcome = type(error).__name__
        seconds = time.monotonic() - started
        procs.settle(router.pid, limit=30)
        out.add(f"{_size(s.header_bytes)} header: answer", outcome)
        out.add(f"{_size(s.header_bytes)} header: seconds", round(seconds, 2))
        out.add(
            "RSS MiB before -> after",
            f"{_mib(before)} -> {_mib(router.rss_mb())} (peak {_mib(router.peak_rss_mb())})",
        )
    finally:
        router.stop()


def slow_loris(env: Environment, revision: Revision, s: WhySettings, out: Measures) -> None:
    """Slow-loris connections (half trickle headers, half bodies): how many are still held."""
    router = env.router(revision, "stub", "", "why-loris")
    try:
        abuse = Abuse(
            scenario="slow_loris",
            host="127.0.0.1",
            port=router.port,
            path="/graphql",
            clients=1,
            seconds=s.loris_seconds,
            rate=0.0,
            request_timeout=s.request_timeout,
            loris_connections=s.loris_connections,
            loris_interval=s.loris_interval,
            header_bytes=0,
            max_operations=0,
            announce=False,
        )

        async def held_while_served() -> tuple[dict[str, object], str]:
            holding = asyncio.ensure_future(abuse.run())
            await asyncio.sleep(s.loris_seconds / 2)
            # Does the router still serve others while they are held?
            connection = Connection("127.0.0.1", router.port)
            started = time.monotonic()
            try:
                raw = post_bytes("/graphql", payloads.encode(payloads.NORMAL_BODY))
                reply = await asyncio.wait_for(connection.request(raw), 30)
                normal = f"{_outcome(reply)} in {(time.monotonic() - started) * 1000:.0f} ms"
            except (OSError, TimeoutError, asyncio.IncompleteReadError) as error:
                normal = type(error).__name__
            finally:
                await connection.close()
            return await holding, normal

        result, normal = asyncio.run(held_while_served())
        out.add("the simple query meanwhile", normal)
        loris = result["loris"]
        assert isinstance(loris, dict)
        out.add(
            f"{s.loris_connections} connections, a byte every {s.loris_interval:g} s:"
            f" held after {s.loris_seconds:g} s",
            loris["held_at_end"],
        )
        out.add(
            "closed by the router / answered", f"{loris['closed_by_server']} / {loris['answered']}"
        )
        outcomes = result["outcomes"]
        assert isinstance(outcomes, dict)
        out.add(
            "by connection (head or body trickled)",
            ", ".join(f"{v} x {k}" for k, v in outcomes.items()),
        )
    finally:
        router.stop()


def subgraph_body(env: Environment, revision: Revision, s: WhySettings, out: Measures) -> None:
    """A subgraph that answers a 300 MB body."""
    item = '{"node":{"upc":"1","name":"' + "x" * BODY_ITEM_NAME + '"}}'
    env.script(
        [
            {
                "subgraph": "products",
                "match": "",
                "body": '{"data":{"products":{"edges":[@ITEMS@]}}}',
                "item": item,
                "items": max(1, s.subgraph_body_bytes // (len(item) + 1)),
            }
        ]
    )
    router = env.router(revision, "stub", "", "why-body")
    try:
        procs.settle(router.pid, limit=30)
        before = router.rss_mb()
        started = time.monotonic()
        try:
            reply = _post(router, {"query": HUGE_BODY_QUERY}, s.request_timeout)
            outcome = f"{_outcome(reply)}, {_size(len(reply.body))} to the client"
        except (OSError, TimeoutError, asyncio.IncompleteReadError) as error:
            outcome = type(error).__name__
        seconds = time.monotonic() - started
        procs.settle(router.pid, limit=30)
        out.add(f"{_size(s.subgraph_body_bytes)} subgraph answer: client got", outcome)
        out.add("seconds", round(seconds, 2))
        out.add(
            "RSS MiB before -> peak -> held after",
            f"{_mib(before)} -> {_mib(router.peak_rss_mb())} -> {_mib(router.rss_mb())}",
        )
    finally:
        router.stop()
        env.script([])


BAD_ANSWERS: tuple[tuple[str, str], ...] = (
    ('inStock: "yes"', '{"data":{"_entities":[{"__typename":"Product","inStock":"yes"}]}}'),
    ("inStock: 5", '{"data":{"_entities":[{"__typename":"Product","inStock":5}]}}'),
    ('inStock: {"x":1}', '{"data":{"_entities":[{"__typename":"Product","inStock":{"x":1}}]}}'),
    ("_entities shorter than the representations", '{"data":{"_entities":[]}}'),
    ("_entities: [null]", '{"data":{"_entities":[null]}}'),
    ("_entities not a list", '{"data":{"_entities":{"__typename":"Product","inStock":true}}}'),
)
"""What the inventory stub answers to the entity fetch of BAD_VALUES_QUERY (one product)."""


def bad_values(env: Environment, revision: Revision, s: WhySettings, out: Measures) -> None:
    """Wrong scalar values and malformed `_entities` from the inventory subgraph."""
    router = env.router(revision, "stub", "", "why-values")
    try:
        # The well-behaved answer first (the stubs record products' and inventory's answers).
        out.add("inventory as recorded", judge(_post(router, {"query": BAD_VALUES_QUERY}, 60)))
        for case, answer in BAD_ANSWERS:
            env.script([{"subgraph": "inventory", "match": "_entities", "body": answer}])
            reply = _post(router, {"query": BAD_VALUES_QUERY}, s.request_timeout)
            out.add(case, judge(reply))
    finally:
        router.stop()
        env.script([])


def judge(reply: Reply) -> str:
    """What the client got for BAD_VALUES_QUERY, and whether the GraphQL spec allows it."""
    try:
        answer = json.loads(reply.body)
    except ValueError:
        return f"{reply.status} not JSON: {describe(reply.body, 80)}"
    data = answer.get("data") if isinstance(answer, dict) else None
    errors = answer.get("errors") if isinstance(answer, dict) else None
    codes = sorted(set(error_codes(reply.body)))
    seen = "errors " + "+".join(codes) if codes else ("errors" if errors else "no errors")
    if data is None:
        shape = "data: null"
    else:
        values = _in_stock(data)
        shape = "inStock " + ", ".join(json.dumps(v) for v in values) if values else "no inStock"
    verdict = ""
    if not errors and (data is None or _has_null(data)):
        verdict = " (SPEC VIOLATION: a null without errors)"
    elif not errors and any(not isinstance(v, bool) for v in _in_stock(data)):
        verdict = " (wrong value passed through)"
    return f"{reply.status} {shape}, {seen}{verdict}"


def _in_stock(data: object) -> list[object]:
    values: list[object] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "inStock":
                values.append(value)
            else:
                values.extend(_in_stock(value))
    elif isinstance(data, list):
        for item in data:
            values.extend(_in_stock(item))
    return values


def _has_null(data: object) -> bool:
    if data is None:
        return True
    if isinstance(data, dict):
        return any(_has_null(value) for value in data.values())
    if isinstance(data, list):
        return any(_has_null(item) for item in data)
    return False


ITEMS: dict[str, tuple[str, Item]] = {
    "memory": ("Memory held by anonymous clients", memory),
    "introspection": ("CPU amplification (introspection)", introspection),
    "large": ("Large operations", large_operations),
    "fragments": ("A 500 for bad input (fragment chains)", fragment_chains),
    "header": ("Unbounded request headers", huge_header),
    "loris": ("No read timeouts (slow loris)", slow_loris),
    "body": ("Unbounded subgraph answers", subgraph_body),
    "values": ("Subgraph answers trusted blindly", bad_values),
}
