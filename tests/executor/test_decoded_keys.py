"""Names the shaper and the representation builders look up are the str objects orjson
decodes subgraph keys to (a lookup then ends at the identity check: decoded_keys.py)."""

from __future__ import annotations

import orjson
import pytest
from graphql import OperationDefinitionNode, build_schema, parse

from supergraph.executor import decoded_keys
from supergraph.executor.decoded_keys import decoded_key
from supergraph.executor.paths import collect_objects
from supergraph.executor.representations import representation_builder
from supergraph.executor.shaping import ResponseShaper
from supergraph.executor.typeinfo import PossibleTypes
from supergraph.planner.plan import RequiresField

API = build_schema("type Query { me: User } type User { id: ID! name: String }")


def _decoded(name: str) -> str:
    key: str = next(iter(orjson.loads(orjson.dumps({name: 0}))))
    return key


def test_a_name_is_the_object_orjson_decodes_its_key_to() -> None:
    built = "".join(["na", "me"])  # an equal str, not the one orjson keeps
    assert built is not _decoded("name")
    key = decoded_key(built)
    assert key == "name"
    assert key is _decoded("name")
    assert decoded_key("name") is key  # remembered


def test_a_name_orjson_does_not_cache_is_itself() -> None:
    long_name = "x" * 65
    assert _decoded(long_name) is not _decoded(long_name)  # orjson: a new object each time
    assert decoded_key(long_name) is long_name


def test_names_kept_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decoded_keys, "_decoded", {})
    monkeypatch.setattr(decoded_keys, "_LIMIT", 3)
    names = [f"alias{i}" for i in range(10)]
    assert [decoded_key(name) for name in names] == names  # still right past the limit
    assert len(decoded_keys._decoded) == 3


def test_the_shaper_answers_with_the_decoded_names_aliases_included() -> None:
    operation = parse("{ me { id label: name } }").definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    shaper = ResponseShaper(API, operation, {})
    data = orjson.loads(b'{"me": {"id": "1", "label": "Ada"}}')
    shaped = shaper.shape(data, {}, [])
    assert shaped == {"me": {"id": "1", "label": "Ada"}}
    me = shaped["me"]
    assert isinstance(me, dict)
    assert [type(k) for k in me] == [str, str]
    assert all(k is _decoded(k) for k in [*shaped, *me])


def test_representations_and_paths_read_decoded_objects_by_equal_names() -> None:
    # Names built at run time (as the planner's are) find the decoded keys' values.
    typename, upc = "".join(["__type", "name"]), "".join(["u", "pc"])
    types = PossibleTypes(build_schema("type Query { a: Int } type Product { upc: ID }"))
    build = representation_builder(
        (RequiresField(typename, typename, ()), RequiresField(upc, upc, ())), types
    )
    root = orjson.loads(b'{"top": [{"__typename": "Product", "upc": "1"}, {"upc": "2"}]}')
    objects = collect_objects(root, ("".join(["to", "p"]), "@"), types)
    assert len(objects) == 2
    assert build.batch(objects, (), types) == (
        [{"__typename": "Product", "upc": "1"}],
        [objects[0]],
        [0],
    )
