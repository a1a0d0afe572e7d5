"""`supergraph compose`: config sources, outputs, exit codes and the messages people see."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from supergraph.__main__ import main
from supergraph.cli.compose import SourceError, load_source
from supergraph.compose.config import ConfigError, SubgraphConfig, parse_config

HEADER = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])\n'


def _write_config(tmp_path: Path, subgraphs: dict[str, str]) -> Path:
    lines = ["subgraphs:"]
    for name, sdl in subgraphs.items():
        (tmp_path / f"{name}.graphql").write_text(HEADER + sdl)
        lines += [
            f"  {name}:",
            f"    routing_url: http://{name}.example/graphql",
            "    schema:",
            f"      file: {name}.graphql",
        ]
    config = tmp_path / "supergraph.yaml"
    config.write_text("\n".join(lines) + "\n")
    return config


def test_composes_file_sources_to_output(tmp_path: Path) -> None:
    config = _write_config(
        tmp_path,
        {
            "users": 'type Query { me: User } type User @key(fields: "id") { id: ID! }',
            "posts": 'type User @key(fields: "id") { id: ID! posts: [String] }',
        },
    )
    output = tmp_path / "out" / "schema.graphql"
    output.parent.mkdir()
    assert main(["compose", "--config", str(config), "--output", str(output)]) == 0
    sdl = output.read_text()
    assert 'POSTS @join__graph(name: "posts", url: "http://posts.example/graphql")' in sdl
    assert "posts: [String] @join__field(graph: POSTS)" in sdl


def test_prints_to_stdout_without_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _write_config(tmp_path, {"a": "type Query { a: Int }"})
    assert main(["compose", "--config", str(config)]) == 0
    assert "type Query @join__type(graph: A)" in capsys.readouterr().out


def test_same_output_whatever_the_config_order(tmp_path: Path) -> None:
    config = _write_config(tmp_path, {"b": "type Query { b: Int }", "a": "type Query { a: Int }"})
    first, second = tmp_path / "1.graphql", tmp_path / "2.graphql"
    assert main(["compose", "--config", str(config), "--output", str(first)]) == 0
    text = config.read_text().split("\n")
    # Swap the two subgraph blocks (4 lines each after the `subgraphs:` line).
    config.write_text("\n".join([text[0], *text[5:9], *text[1:5], ""]))
    assert main(["compose", "--config", str(config), "--output", str(second)]) == 0
    assert first.read_text() == second.read_text()


def test_composition_errors_exit_1_and_list_every_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _write_config(
        tmp_path,
        {
            "a": 'type Query { t: T } type T @key(fields: "nope") { id: ID! }',
            "b": "type Query { t: Int }",
        },
    )
    assert main(["compose", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "supergraph compose: 3 composition error(s):" in err
    assert (
        '- KEY_INVALID_FIELDS: [a] On type "T", for @key(fields: "nope"): Cannot query field '
        '"nope" on type "T"'
    ) in err
    assert '- FIELD_TYPE_MISMATCH: Type of field "Query.t" is incompatible across subgraphs' in err
    assert "  to fix: give the field the same type in every subgraph" in err
    assert '- INVALID_FIELD_SHARING: Non-shareable field "Query.t"' in err


def test_missing_config_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compose", "--config", str(tmp_path / "nope.yaml")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_missing_sdl_file_names_the_subgraph(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _write_config(tmp_path, {"a": "type Query { a: Int }"})
    (tmp_path / "a.graphql").unlink()
    assert main(["compose", "--config", str(config)]) == 2
    assert "subgraph 'a': cannot read" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("subgraphs: [1, 2]", "expected a `subgraphs:` mapping"),
        ("subgraphs:\n  a: 3", "subgraphs.a: expected `routing_url:` and `schema:`"),
        ("subgraphs:\n  a: {schema: {file: x}}", "subgraphs.a.routing_url: expected"),
        (
            "subgraphs:\n  a: {routing_url: u, schema: {file: x, module: y}}",
            "subgraphs.a.schema: give exactly one of",
        ),
        ("subgraphs: {a: [", "not valid YAML"),
    ],
)
def test_config_errors_say_what_to_write(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match="^" + message.replace("[", r"\[").replace("(", r"\(")):
        parse_config(text)


def test_rover_subgraph_url_is_introspection() -> None:
    (config,) = parse_config(
        "subgraphs:\n  a:\n    routing_url: http://a/graphql\n    schema:\n      subgraph_url: http://a:1/graphql\n"
    )
    assert config == SubgraphConfig("a", "http://a/graphql", "introspect", "http://a:1/graphql")


def test_introspect_asks_service_sdl() -> None:
    seen: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json={"data": {"_service": {"sdl": "type Query { a: Int }"}}})

    client = httpx.Client(transport=httpx.MockTransport(handler))
    config = SubgraphConfig("a", "http://a/graphql", "introspect", "http://a:4001/graphql")
    source = load_source(config, Path("."), client)
    assert source.sdl == "type Query { a: Int }"
    assert source.url == "http://a/graphql"
    assert seen == [{"query": "{ _service { sdl } }"}]


def test_introspect_reports_a_non_federation_answer() -> None:
    client = httpx.Client(
        transport=httpx.MockTransport(lambda _: httpx.Response(400, json={"errors": []}))
    )
    config = SubgraphConfig("a", "http://a/graphql", "introspect", "http://a:4001/graphql")
    with pytest.raises(SourceError, match=r"subgraph 'a': .* \(HTTP 400\); is it a federation"):
        load_source(config, Path("."), client)


def test_introspect_reports_connection_errors() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = httpx.Client(transport=httpx.MockTransport(refuse))
    config = SubgraphConfig("a", "http://a/graphql", "introspect", "http://a:4001/graphql")
    with pytest.raises(SourceError, match="subgraph 'a': cannot reach http://a:4001/graphql"):
        load_source(config, Path("."), client)


def test_module_source_errors_name_the_subgraph() -> None:
    config = SubgraphConfig("a", "http://a/graphql", "module", "no_such_module_here:schema")
    with pytest.raises(SourceError, match="subgraph 'a': cannot load no_such_module_here:schema"):
        load_source(config, Path("."))
