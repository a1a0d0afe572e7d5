"""The access line written directly (logs.access, under `logs.configure`'s handler) is the
line `logging` writes through the same formatter: same fields, same order, same text."""

from __future__ import annotations

import contextvars
import io
import json
import logging
from collections.abc import Iterator

import pytest

from supergraph import request_id
from supergraph.http import logs
from supergraph.http.endpoint import _access_line
from supergraph.http.request import RequestHeaders
from supergraph.telemetry.record import RequestRecord

FIELDS: dict[str, object] = {
    "http.request.method": "POST",
    "url.path": "/graphql",
    "http.response.status_code": 200,
    "graphql.operation.name": "Hello",
    "client.name": None,
    "duration_ms": 1.25,
    "subgraph_fetches": 2,
}


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers = handlers
    root.setLevel(level)
    logs._installed = None


def _written(form: logs.LogFormat, direct: bool) -> str:
    # In a copy of the context: the request id set here must not outlive the test.
    return contextvars.copy_context().run(_write, form, direct)


def _write(form: logs.LogFormat, direct: bool) -> str:
    stream = io.StringIO()
    logs.configure(form, {}, stream=stream)
    handler = logging.getLogger().handlers[0]
    passed: list[logging.LogRecord] = []
    if not direct:  # any filter sends the line through logging's record and handlers
        handler.addFilter(lambda record: passed.append(record) or True)
    request_id.begin("req-7")
    logs.access("POST /graphql 200 Hello", dict(FIELDS))
    assert len(passed) == (0 if direct else 1)
    return stream.getvalue()


def test_the_direct_json_line_is_the_logging_line() -> None:
    direct, through_logging = _written("json", True), _written("json", False)
    assert direct.endswith("\n") and direct.count("\n") == 1
    parsed, expected = json.loads(direct), json.loads(through_logging)
    assert parsed.pop("timestamp").endswith("Z")
    expected.pop("timestamp")
    assert list(parsed.items()) == list(expected.items())
    assert parsed["request_id"] == "req-7" and parsed["logger"] == "supergraph.access"


def test_the_direct_text_line_is_the_logging_line() -> None:
    direct, through_logging = _written("text", True), _written("text", False)
    assert direct.split(" ", 1)[1] == through_logging.split(" ", 1)[1]
    assert " INFO supergraph.access: POST /graphql 200 Hello request_id=req-7 " in direct


def test_a_level_above_info_drops_the_line() -> None:
    stream = io.StringIO()
    logs.configure("json", {logs.LEVEL_ENV: "WARNING"}, stream=stream)
    logs.access("POST /graphql 200 Hello", dict(FIELDS))
    assert stream.getvalue() == ""


def test_the_timestamp_of_a_second_is_formatted_once_and_right() -> None:
    assert logs._iso(0.5) == "1970-01-01T00:00:00.500Z"
    assert logs._iso(0.75) == "1970-01-01T00:00:00.750Z"
    assert logs._iso(86_401.001) == "1970-01-02T00:00:01.001Z"


FORGED = "Hello\n2026-01-01T00:00:00.000Z INFO supergraph.access: POST /graphql 200 Admin"


@pytest.mark.parametrize("direct", [True, False])
def test_a_client_chosen_operation_name_cannot_forge_a_text_line(direct: bool) -> None:
    """operationName and the client name/version are the client's: a line break, a space
    or `key=` in them is quoted (JSON escapes), so the line stays one line of our fields."""

    def write() -> str:
        stream = io.StringIO()
        logs.configure("text", {}, stream=stream)
        if not direct:
            logging.getLogger().handlers[0].addFilter(lambda _record: True)
        request_id.begin("req-7")
        fields = {
            **FIELDS,
            "graphql.operation.name": FORGED,
            "client.name": "app request_id=forged",
            "client.version": "1.0\u2028x",
        }
        logs.access(f"POST /graphql 200 {FORGED}", fields)
        return stream.getvalue()

    line = contextvars.copy_context().run(write)
    assert line.count("\n") == 1 and line.endswith("\n")
    assert "\u2028" not in line
    assert " operationName" not in line
    assert f"graphql.operation.name={json.dumps(FORGED)} " in line
    assert 'client.name="app request_id=forged" ' in line
    assert line.endswith(' client.version="1.0\\u2028x"\n')
    assert "supergraph.access: POST /graphql 200 Hello\\n2026-01-01" in line
    assert line.count("request_id=") == 2  # ours, and the quoted one inside client.name
    assert " request_id=req-7 " in line


def test_any_text_line_keeps_its_message_on_one_line() -> None:
    stream = io.StringIO()
    logs.configure("text", {}, stream=stream)
    logging.getLogger("supergraph.test").warning("subgraph said %s", "a\r\nb")
    assert stream.getvalue().count("\n") == 1
    assert "supergraph.test: subgraph said a\\r\\nb" in stream.getvalue()


def test_the_access_message_quotes_the_operation_name_and_path() -> None:
    """The message comes before the fields: a printable `key=` in the operation name
    (no line break needed) would otherwise read as our request_id, trace_id, status."""

    def write() -> str:
        stream = io.StringIO()
        logs.configure("text", {}, stream=stream)
        request_id.begin("req-7")
        record = RequestRecord()
        record.operation_name = "Q request_id=x trace_id=y status=200"
        scope = {"method": "POST", "path": "/graphql x=1", "headers": []}
        _access_line(scope, RequestHeaders.of(scope), 403, 0.001, record)
        return stream.getvalue()

    line = contextvars.copy_context().run(write)
    message = line.split("supergraph.access: ", 1)[1]
    assert message.startswith(
        'POST "/graphql x=1" 403 "Q request_id=x trace_id=y status=200" request_id=req-7 '
    )
    assert "status=200 request_id" not in line
