"""Usage reporting: coordinates of an operation, the recorder's counts and bounds, the
store on SQLite and PostgreSQL, and what `supergraph check`/`usage`/`deprecations`
make of them."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from graphql import GraphQLSchema, build_schema, parse

from supergraph.__main__ import main
from supergraph.cli.compose import module_sdl
from supergraph.compose import SubgraphSource, compose
from supergraph.schema import load_supergraph
from supergraph.usage.extract import describer, operation_usage
from supergraph.usage.recorder import UsageRecorder, UsageSettings
from supergraph.usage.store import LABEL_CHARS, UsageStore
from tests.kit.postgres import fresh_database

ROOT = Path(__file__).resolve().parents[2]

SCHEMA = build_schema(
    """
    type Query { product(upc: ID!, locale: String): Product search(filter: Filter): [Product!]!
      status: Status }
    type Product { upc: ID! name: String! kind: Kind }
    interface Named { name: String! }
    enum Kind { BOOK TOY }
    enum Status { UP DOWN }
    input Filter { kind: Kind name: String }
    directive @cached on FIELD
    """
)


def test_an_operation_uses_fields_arguments_types_input_fields_values_and_directives() -> None:
    document = parse(
        """
        query Q($filter: Filter) {
          product(upc: "1") { ...F __typename }
          search(filter: $filter) { upc @cached }
          other: search(filter: {kind: BOOK}) { kind }
          __schema { queryType { name } }
        }
        fragment F on Product { name }
        """
    )
    assert operation_usage(SCHEMA, document) == {
        "Query",
        "Query.product",
        "Query.product(upc:)",
        "Query.search",
        "Query.search(filter:)",
        "Product",
        "Product.name",
        "Product.upc",
        "Product.kind",
        "Filter",
        "Filter.kind",
        "Kind",
        "Kind.BOOK",
        "@cached",
    }


def _run(coroutine: object) -> object:
    return asyncio.run(coroutine)  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def dsn(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty usage store: a SQLite file, or a PostgreSQL database of the test's own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'usage.db'}"
        return
    with fresh_database("usage") as url:
        yield url


def _describe(text: str, name: str | None) -> tuple[str, str, frozenset[str]]:
    """Tests' operations are their own id, and use `Query.<text>`."""
    return text, name or "", frozenset({f"Query.{text}"})


def test_recorded_counts_reach_the_store_by_client(dsn: str) -> None:
    op = f"op{uuid.uuid4().hex}"  # the PostgreSQL tables are shared by runs
    coordinates = frozenset({f"Query.{op}"})

    async def scenario() -> list[tuple[str, str, int, str]]:
        recorder = UsageRecorder(UsageSettings(store=dsn, flush_interval=3600), _describe)
        for _ in range(3):
            recorder.record(op, "Q", "web", "1.0")
        recorder.record(op, "Q", "ios", "2.1", persisted_id="pq1")
        assert await recorder.flush() == 4
        recorder.record(op, "Q", "web", "1.0")
        await recorder.aclose()  # flushes the rest
        assert (recorder.recorded, recorder.flushed, recorder.dropped) == (5, 5, 0)
        store = await UsageStore.open(dsn)
        try:
            uses = await store.uses(coordinates, datetime.now(UTC) - timedelta(days=1))
        finally:
            await store.close()
        return [(u.client_name, u.client_version, u.count, u.persisted_id) for u in uses]

    assert _run(scenario()) == [("web", "1.0", 4, ""), ("ios", "2.1", 1, "pq1")]


async def _counts_of_the_last_day(dsn: str) -> dict[str, int]:
    store = await UsageStore.open(dsn)
    try:
        return await store.coordinate_counts(datetime.now(UTC) - timedelta(days=1))
    finally:
        await store.close()


def test_sampling_scales_the_counts_and_bounds_drop_what_does_not_fit(tmp_path: Path) -> None:
    dsn = f"sqlite:///{tmp_path / 'usage.db'}"
    draws = iter([0.05, 0.5, 0.05, 0.9])
    settings = UsageSettings(store=dsn, sample_rate=0.1)
    sampled = UsageRecorder(settings, _describe, draw=lambda: next(draws))
    for _ in range(4):
        sampled.record("a", "Q", "web", "1")
    assert (sampled.recorded, sampled.sampled_out) == (2, 2)
    keys = UsageRecorder(UsageSettings(store=dsn, max_keys=2), _describe)
    keys.record("a", "A", "web", "1")
    keys.record("a", "A", "ios", "1")
    keys.record("a", "A", "tv", "1")  # a third key
    keys.record("a", "A", "web", "1")  # a known key: counted
    assert (keys.recorded, keys.dropped) == (3, 1)
    bounded = UsageRecorder(UsageSettings(store=dsn, max_pending_bytes=5), _describe)
    bounded.record("abc", "A", "web", "1")
    bounded.record("defg", "B", "web", "1")  # 3 + 4 bytes of text: over 5
    bounded.record("abc", "A", "ios", "1")  # known text: fits
    assert (bounded.recorded, bounded.dropped) == (2, 1)

    async def flushed() -> dict[str, int]:
        await sampled.aclose()
        return await _counts_of_the_last_day(dsn)

    assert _run(flushed()) == {"Query.a": 20}


def test_a_failed_flush_keeps_the_counts(tmp_path: Path) -> None:
    settings = UsageSettings(store=f"sqlite:///{tmp_path / 'no' / 'dir.db'}")
    recorder = UsageRecorder(settings, _describe)
    recorder.record("a", "Q", "web", "1")

    async def scenario() -> tuple[int, int]:
        failed = await recorder.flush()
        (tmp_path / "no").mkdir()
        written = await recorder.flush()
        await recorder.aclose()
        return failed, written

    assert _run(scenario()) == (0, 1)
    assert (recorder.flush_failures, recorder.flushed) == (1, 1)


def test_a_failed_flush_keeps_its_counts_within_the_bounds(tmp_path: Path) -> None:
    """Requests recorded while a flush runs take room; when the flush fails, what it
    puts back must still fit (else each failure could grow the pending text)."""
    settings = UsageSettings(store=f"sqlite:///{tmp_path / 'no' / 'dir.db'}", max_pending_bytes=5)
    recorder: UsageRecorder

    def describe(text: str, name: str | None) -> tuple[str, str, frozenset[str]]:
        if text == "abc":  # during the flush of "abc": a new operation arrives
            recorder.record("defg", "B", "web", "1")
        return text, name or "", frozenset({f"Query.{text}"})

    recorder = UsageRecorder(settings, describe)
    recorder.record("abc", "A", "web", "1")

    async def scenario() -> tuple[int, int]:
        failed = await recorder.flush()  # "defg" took 4 of the 5 bytes: "abc" cannot return
        (tmp_path / "no").mkdir()
        written = await recorder.flush()
        await recorder.aclose()
        return failed, written

    assert _run(scenario()) == (0, 1)
    assert (recorder.recorded, recorder.dropped, recorder.flushed) == (2, 1, 1)


def test_closing_during_a_periodic_flush_writes_its_counts(tmp_path: Path) -> None:
    """A router stopping while its periodic flush runs: the flush has taken the counts
    out, so closing waits for it instead of cancelling it (CI once lost a request so)."""
    dsn = f"sqlite:///{tmp_path / 'usage.db'}"
    describing, release = threading.Event(), threading.Event()

    def describe(text: str, name: str | None) -> tuple[str, str, frozenset[str]]:
        describing.set()
        release.wait(10)
        return _describe(text, name)

    async def scenario() -> dict[str, int]:
        recorder = UsageRecorder(UsageSettings(store=dsn, flush_interval=0.01), describe)
        recorder.record("a", "Q", "web", "1")  # starts the periodic flush
        await asyncio.to_thread(describing.wait, 10)
        closing = asyncio.ensure_future(recorder.aclose())
        for _ in range(3):
            await asyncio.sleep(0)  # closing has cancelled the periodic task by now
        assert not closing.done()
        release.set()
        await closing
        assert (recorder.recorded, recorder.flushed) == (1, 1)
        return await _counts_of_the_last_day(dsn)

    assert _run(scenario()) == {"Query.a": 1}


def _record(dsn: str, query: str, client: str, when: datetime) -> None:
    describe = describer(compose_bundled_api())

    async def run() -> None:
        recorder = UsageRecorder(UsageSettings(store=dsn), describe, clock=lambda: when)
        recorder.record(query, None, client, "1.2")
        await recorder.aclose()

    asyncio.run(run())


def compose_bundled_api() -> GraphQLSchema:
    return load_supergraph((ROOT / "schema.graphql").read_text()).api_schema


def test_check_passes_breaking_changes_nobody_used_in_the_window(
    tmp_path: Path, dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    _record(dsn, '{ productById(id: "1") { name } }', "partner-app", now)
    _record(dsn, '{ search(text: "x") { __typename } }', "old-app", now - timedelta(days=40))
    products = module_sdl("products", "subgraphs.products.schema:schema")
    schema = tmp_path / "products.graphql"
    base = [
        "check",
        "--subgraph",
        "products",
        "--schema",
        str(schema),
        "--config",
        str(ROOT / "supergraph.yaml"),
    ]
    usage = ["--usage", dsn, "--window", "30d", "--json"]
    # search was last used 40 days ago: outside the window, its removal passes.
    schema.write_text(
        _without(products, "  search(text: String!, first: Int = 20): [SearchResult!]!\n")
    )
    assert main([*base, *usage]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [
        (c["path"], c["blocking"], c["usage"])
        for c in report["changes"]
        if c["severity"] == "BREAKING"
    ] == [("Query.search", False, [])]
    assert main([*base, *usage, "--window", "60d"]) == 1
    capsys.readouterr()
    # productById is used by partner-app: its removal fails, naming the client.
    schema.write_text(_without(products, "  productById(id: ID!): Product\n"))
    assert main([*base, *usage]) == 1
    report = json.loads(capsys.readouterr().out)
    (change,) = [c for c in report["changes"] if c["severity"] == "BREAKING"]
    assert change["blocking"] is True
    assert [(u["clientName"], u["clientVersion"], u["count"]) for u in change["usage"]] == [
        ("partner-app", "1.2", 1)
    ]
    assert main([*base, "--usage", dsn]) == 1
    # An anonymous operation is named by the start of its id (describer: name and text).
    anonymous = hashlib.sha256(b'\n{ productById(id: "1") { name } }').hexdigest()[:12]
    assert f"used by partner-app 1.2: {anonymous} x1" in capsys.readouterr().out


def test_the_same_breaking_change_passes_unused_and_fails_once_a_client_used_it(
    tmp_path: Path, dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    products = module_sdl("products", "subgraphs.products.schema:schema")
    schema = tmp_path / "products.graphql"
    schema.write_text(_without(products, "  productById(id: ID!): Product\n"))
    check = ["check", "--subgraph", "products", "--schema", str(schema)]
    check += ["--config", str(ROOT / "supergraph.yaml"), "--usage", dsn, "--json"]

    def verdict() -> tuple[int, list[tuple[str, bool, list[str]]]]:
        status = main(check)
        changes = json.loads(capsys.readouterr().out)["changes"]
        return status, [
            (c["path"], c["blocking"], [u["clientName"] for u in c["usage"]])
            for c in changes
            if c["severity"] == "BREAKING"
        ]

    # Recorded usage, but none of what the change breaks: it passes.
    _record(dsn, '{ product(upc: "1") { name } }', "web", datetime.now(UTC))
    assert verdict() == (0, [("Query.productById", False, [])])
    # The same change once a client used the field: it fails, naming the client.
    _record(dsn, 'query ById { productById(id: "1") { name } }', "partner-app", datetime.now(UTC))
    assert verdict() == (1, [("Query.productById", True, ["partner-app"])])
    # For people: the table names the client, its operation and how many requests.
    assert main(check[:-1]) == 1
    table = capsys.readouterr().out
    assert "BREAKING" in table and "used by partner-app 1.2: ById x1" in table


def test_an_argument_made_required_fails_for_clients_that_never_gave_it(
    tmp_path: Path, dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`search(first: Int = 20)` -> `first: Int!`: a client calling `search` without
    `first` no longer validates, though it never used `Query.search(first:)`."""
    _record(dsn, 'query Find { search(text: "x") { __typename } }', "web", datetime.now(UTC))
    products = module_sdl("products", "subgraphs.products.schema:schema")
    old = "search(text: String!, first: Int = 20)"
    assert old in products
    schema = tmp_path / "products.graphql"
    schema.write_text(products.replace(old, "search(text: String!, first: Int!)"))
    check = ["check", "--subgraph", "products", "--schema", str(schema)]
    check += ["--config", str(ROOT / "supergraph.yaml"), "--usage", dsn, "--json"]
    assert main(check) == 1
    changes = json.loads(capsys.readouterr().out)["changes"]
    assert [
        (
            c["code"],
            c["path"],
            c["blocking"],
            [(u["clientName"], u["operationName"]) for u in c["usage"]],
        )
        for c in changes
        if c["severity"] == "BREAKING"
    ] == [("ARG_CHANGED_KIND", "Query.search(first:)", True, [("web", "Find")])]


def test_usage_and_deprecations_commands(
    tmp_path: Path, dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _record(dsn, '{ product(upc: "1") { name weight } }', "web", datetime.now(UTC))
    assert main(["usage", "--usage", dsn, "--json"]) == 0
    coordinates = json.loads(capsys.readouterr().out)["coordinates"]
    assert coordinates["Product.weight"] == 1 and coordinates["Query.product(upc:)"] == 1
    sdl = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])\n'
        "type Query { product(upc: ID!): Product }\n"
        'type Product @key(fields: "upc") { upc: ID! name: String!\n'
        '  weight: Int @deprecated(reason: "Use grams.") grams: Int }\n'
    )
    result = compose([SubgraphSource("p", "http://p/graphql", sdl)])
    assert result.supergraph_sdl is not None
    supergraph = tmp_path / "s.graphql"
    supergraph.write_text(result.supergraph_sdl)
    assert main(["deprecations", "--supergraph", str(supergraph), "--usage", dsn, "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["deprecated"]
    assert (entry["coordinate"], entry["reason"], entry["clients"]) == (
        "Product.weight",
        "Use grams.",
        {"web 1.2": 1},
    )
    assert list(entry["daily"].values()) == [{"web 1.2": 1}]
    today = datetime.now(UTC).date().isoformat()
    assert entry["lastUsed"] == today
    assert main(["deprecations", "--supergraph", str(supergraph)]) == 0
    assert "Product.weight  (Use grams.)" in capsys.readouterr().out
    assert main(["deprecations", "--supergraph", str(supergraph), "--usage", dsn]) == 0
    out = capsys.readouterr().out
    assert f"Product.weight  (Use grams.)  web 1.2 1 (last used {today})" in out


def test_router_yaml_usage_reporting() -> None:
    from supergraph.http.config import ConfigError, parse_config

    assert parse_config({}).usage_reporting is None
    settings = parse_config(
        {
            "usage_reporting": {
                "store": "sqlite:///u.db",
                "sample_rate": 0.25,
                "flush_interval": "30s",
                "client_name_header": "X-Client",
            }
        }
    ).usage_reporting
    assert settings is not None
    assert (settings.store, settings.sample_rate, settings.flush_interval) == (
        "sqlite:///u.db",
        0.25,
        30.0,
    )
    assert settings.client_name_header == "x-client"
    for bad, message in [
        ({"sample_rate": 0}, "usage_reporting.sample_rate"),
        ({"store": "sqlite:///u.db", "sample_rate": 2}, "usage_reporting.sample_rate"),
        ({"store": "sqlite:///u.db", "colour": 1}, "usage_reporting"),
        ({"store": "mysql://db/usage"}, "usage_reporting.store: expected sqlite:///PATH"),
    ]:
        with pytest.raises(ConfigError, match=message):
            parse_config({"usage_reporting": bad})
    # A refused DSN is echoed without its password.
    with pytest.raises(ConfigError) as refused:
        parse_config({"usage_reporting": {"store": "mysql://bob:s3cr@t@db/usage"}})
    assert "s3cr" not in str(refused.value)
    assert "mysql://bob:***@db/usage" in str(refused.value)


def _without(sdl: str, field: str) -> str:
    """`sdl` without the field on line `field`, and its description."""
    pattern = r'(  """(?:(?!""").)*?"""\n)?' + re.escape(field)
    removed = re.sub(pattern, "", sdl, count=1, flags=re.S)
    assert removed != sdl
    return removed


def test_stores_opened_at_once_on_a_fresh_database_all_open(tmp_path: Path) -> None:
    """Two routers starting, or `supergraph usage` beside a router's first flush: each
    creates the tables it does not find; the one that loses the race looks again."""
    from supergraph.registry.store import Registry

    async def scenario(dsn: str) -> int:
        usage = [UsageStore.open(dsn) for _ in range(6)]
        stores: list[UsageStore | Registry] = list(
            await asyncio.gather(*usage, *(Registry.open(dsn) for _ in range(2)))
        )
        for store in stores:
            await store.close()
        return len(stores)

    for attempt in range(5):
        assert _run(scenario(f"sqlite:///{tmp_path / f'fresh{attempt}.db'}")) == 8


def test_long_client_labels_are_cut_to_the_columns_and_flush(dsn: str) -> None:
    """A client name, version or persisted id longer than the store's columns is cut:
    on PostgreSQL (VARCHAR) one long header made every later flush fail."""
    op = f"op{uuid.uuid4().hex}"
    long_name, long_version, long_id = "n" * 500, "v" * 300, "p" * 201

    async def scenario() -> list[tuple[str, str, str, int]]:
        recorder = UsageRecorder(UsageSettings(store=dsn, flush_interval=3600), _describe)
        recorder.record(op, "Q" * 300, long_name, long_version, persisted_id=long_id)
        recorder.record(op, "Q" * 300, long_name + "x", long_version, persisted_id=long_id)
        recorder.record(op, "Q", "web", "1")
        assert await recorder.flush() == 3
        await recorder.aclose()
        assert (recorder.flush_failures, recorder.dropped) == (0, 0)
        store = await UsageStore.open(dsn)
        try:
            uses = await store.uses([f"Query.{op}"], datetime.now(UTC) - timedelta(days=1))
        finally:
            await store.close()
        return sorted((u.client_name, u.client_version, u.persisted_id, u.count) for u in uses)

    # Two names differing past the cut are one client.
    cut = ("n" * LABEL_CHARS, "v" * LABEL_CHARS, "p" * LABEL_CHARS, 2)
    assert _run(scenario()) == sorted([cut, ("web", "1", "", 1)])


@pytest.mark.parametrize(
    "store",
    [
        "sqlite:////nonexistent-directory/usage.db",
        "postgresql://postgres@127.0.0.1:1/test",  # nothing listens there
        "postgresql://postgres@127.0.0.1:5432/no_such_database_gov20",
        "mysql://db/usage",
    ],
)
def test_a_store_that_cannot_be_opened_is_a_usage_error_not_a_verdict(
    tmp_path: Path, store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 2 (usage problem), never 1 (blocking changes) nor a traceback: CI must not
    read a database outage as a breaking change."""
    schema = tmp_path / "products.graphql"
    schema.write_text(module_sdl("products", "subgraphs.products.schema:schema"))
    config = ["--config", str(ROOT / "supergraph.yaml")]
    check = ["check", "--subgraph", "products", "--schema", str(schema), *config]
    commands = [
        [*check, "--usage", store],
        [*check, "--registry", store],
        ["usage", "--usage", store],
        ["deprecations", "--supergraph", str(ROOT / "schema.graphql"), "--usage", store],
        ["publish", "--registry", store, *config],
        ["registry", "history", "--registry", store],
    ]
    for command in commands:
        capsys.readouterr()
        assert main(command) == 2, command
        (last,) = capsys.readouterr().err.splitlines()  # one line, no traceback
        assert last.startswith(f"supergraph {command[0]}: "), last
        assert "store" in last or "registry" in last or "expected sqlite" in last, last


@pytest.mark.postgres
def test_routers_flushing_the_same_hour_at_once_add_up_on_postgresql() -> None:
    """Several routers (or `--workers`) flush at the same moment, sharing rows (same hour,
    operation, client) each met in its own order: each flush locks the rows in key order,
    so none deadlocks and every count arrives."""
    clients = [f"c{i:03d}" for i in range(150)]

    async def scenario(dsn: str) -> tuple[list[int], dict[str, int]]:
        recorders = []
        for index in range(4):
            recorder = UsageRecorder(UsageSettings(store=dsn, flush_interval=3600), _describe)
            ordered = clients if index % 2 else list(reversed(clients))
            for client in ordered:
                recorder.record("shared", "Q", client, "1")
            recorders.append(recorder)
        await asyncio.gather(*(recorder.flush() for recorder in recorders))
        for recorder in recorders:
            await recorder.aclose()
        store = await UsageStore.open(dsn)
        try:
            counts = await store.coordinate_counts(datetime.now(UTC) - timedelta(days=1))
        finally:
            await store.close()
        return [r.flush_failures for r in recorders], counts

    with fresh_database("usage_flushes") as dsn:
        failures, counts = _run(scenario(dsn))  # type: ignore[misc]
    assert failures == [0, 0, 0, 0]
    assert counts == {"Query.shared": 4 * len(clients)}


@pytest.mark.postgres
def test_routers_storing_the_same_new_operations_at_once_do_not_deadlock() -> None:
    """Another router's flush holds operation `a` (its insert is not committed yet) and
    will insert `b` next; our flush met `b` before `a`. Inserted in first-seen order,
    ours would hold `b` and wait for `a` while the other waits for `b`: a deadlock
    PostgreSQL ends by failing one flush. In operation-id order ours waits for `a`
    first, holding nothing the other needs."""

    async def scenario(dsn: str) -> None:
        store = await UsageStore.open(dsn)
        other = await asyncpg.connect(dsn)
        insert = (
            "INSERT INTO usage_operations (operation_id, operation_name, coordinates)"
            " VALUES ($1, 'Q', '[]') ON CONFLICT DO NOTHING"
        )
        try:
            async with other.transaction():
                await other.execute(insert, "a")
                ours = asyncio.create_task(
                    store.add(
                        datetime.now(UTC),
                        {"b": ("Q", frozenset({"Query.b"})), "a": ("Q", frozenset({"Query.a"}))},
                        {},
                    )
                )
                for _ in range(500):  # until our flush waits for the other's row lock
                    waiting = await other.fetchval(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                    if waiting or ours.done():
                        break
                    await asyncio.sleep(0.01)
                assert not ours.done(), ours
                await other.execute(insert, "b")
            await ours
        finally:
            await other.close()
            await store.close()

    with fresh_database("usage_new_ops") as dsn:
        _run(scenario(dsn))


def test_prune_forgets_old_hours_and_the_operations_only_they_counted(
    tmp_path: Path, dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    _record(dsn, '{ product(upc: "1") { name } }', "web", now)
    _record(dsn, '{ product(upc: "1") { name } }', "web", now - timedelta(days=100))
    _record(dsn, '{ search(text: "x") { __typename } }', "old-app", now - timedelta(days=100))
    assert main(["usage", "--usage", dsn, "--window", "365d", "--json"]) == 0
    before = json.loads(capsys.readouterr().out)["coordinates"]
    assert (before["Query.product"], before["Query.search"]) == (2, 1)
    assert main(["usage", "--usage", dsn, "--prune-older-than", "90d"]) == 0
    # Two hourly rows of 100 days ago; the search operation was counted only then.
    assert "pruned 2 hourly count(s) and 1 operation(s)" in capsys.readouterr().out
    assert main(["usage", "--usage", dsn, "--window", "365d", "--json"]) == 0
    after = json.loads(capsys.readouterr().out)["coordinates"]
    assert after["Query.product"] == 1 and "Query.search" not in after


@pytest.mark.parametrize("flag", ["--window", "--prune-older-than"])
@pytest.mark.parametrize("duration", ["1e9d", "inf", "36501d", "0d"])
def test_a_duration_past_a_hundred_years_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str, duration: str
) -> None:
    """Before, `1e9d` or `inf` passed and overflowed timedelta: a traceback, exit 1."""
    with pytest.raises(SystemExit) as exited:
        main(["usage", "--usage", f"sqlite:///{tmp_path / 'u.db'}", flag, duration])
    assert exited.value.code == 2
    assert f"at most 36500d, not '{duration}'" in capsys.readouterr().err


def test_a_running_recorder_stores_a_pruned_operation_again_within_the_hour(
    tmp_path: Path,
) -> None:
    dsn = f"sqlite:///{tmp_path / 'usage.db'}"
    now = [datetime(2026, 1, 1, 10, 5, tzinfo=UTC)]

    async def scenario() -> list[int]:
        recorder = UsageRecorder(
            UsageSettings(store=dsn, flush_interval=3600), _describe, clock=lambda: now[0]
        )

        async def used() -> int:
            # A store per question, as each command opens one (it reads operations once).
            store = await UsageStore.open(dsn)
            try:
                return sum(u.count for u in await store.uses(["Query.a"], now[0] - timedelta(3)))
            finally:
                await store.close()

        recorder.record("a", None, "web", "1")
        await recorder.flush()
        store = await UsageStore.open(dsn)
        await store.prune(now[0] + timedelta(hours=2))  # everything so far goes
        await store.close()
        seen = []
        for moment in (now[0].replace(minute=25), now[0].replace(hour=11)):  # same, next hour
            now[0] = moment
            recorder.record("a", None, "web", "1")
            await recorder.flush()
            seen.append(await used())
        await recorder.aclose()
        return seen

    # Within the hour its coordinates are unknown (the row is gone); the next hour the
    # recorder writes the operation again and both counts since the prune are found.
    assert _run(scenario()) == [0, 2]


@pytest.mark.postgres
def test_a_type_used_by_more_operations_than_a_statement_takes_parameters() -> None:
    """40,000 distinct operations use `Product` (clients inlining literals make that
    many): asyncpg takes at most 32,767 parameters a statement, so asking who used it
    must not put every operation id in one IN list."""
    from supergraph.usage.store import CountKey

    total = 40_000
    hour = datetime.now(UTC)
    described = {f"op{i}": ("", frozenset({"Product", f"Query.f{i % 7}"})) for i in range(total)}
    added = {CountKey(f"op{i}", "web" if i % 2 else "ios", "1", ""): 1 for i in range(total)}

    async def scenario(dsn: str) -> tuple[int, int, dict[str, dict[str, int]]]:
        store = await UsageStore.open(dsn)
        try:
            await store.add(hour, described, added)
            uses = await store.uses(["Product"], hour - timedelta(days=1))
            daily = await store.daily(["Product"], hour - timedelta(days=1))
        finally:
            await store.close()
        return len(uses), sum(u.count for u in uses), daily

    with fresh_database("usage_wide") as dsn:
        count, requests, daily = _run(scenario(dsn))  # type: ignore[misc]
    assert (count, requests) == (total, total)
    assert daily == {hour.date().isoformat(): {"ios 1": total // 2, "web 1": total // 2}}
