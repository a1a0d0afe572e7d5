"""merge.copy_tree: the copy a de-duplicated subgraph answer's requesters each get."""

from __future__ import annotations

from typing import Any

import orjson

from supergraph.executor.entity_cache.carried import cache_control_of, with_cache_control
from supergraph.executor.merge import copy_tree


def _containers(value: Any) -> list[int]:
    """The ids of every dict and list in `value`."""
    found: list[int] = []
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            found.append(id(item))
            pending.extend(item.values())
        elif isinstance(item, list):
            found.append(id(item))
            pending.extend(item)
    return found


ANSWER = orjson.loads(
    b'{"data": {"_entities": [{"reviews": [{"id": "r1", "rating": 5, "body": "good",'
    b' "author": {"__typename": "User", "id": "1"}}, {"id": "r2", "rating": null,'
    b' "author": null}]}, null, {"reviews": []}], "nested": [[1, [2.5, true]], []]},'
    b' "errors": [{"message": "m", "path": ["_entities", 1]}]}'
)


def test_the_copy_is_what_orjson_gives_back() -> None:
    copied = copy_tree(ANSWER)
    assert orjson.dumps(copied) == orjson.dumps(ANSWER)
    assert copied == orjson.loads(orjson.dumps(ANSWER))


def test_no_object_or_list_is_shared_and_every_other_value_is() -> None:
    copied = copy_tree(ANSWER)
    assert not set(_containers(copied)) & set(_containers(ANSWER))
    assert len(_containers(copied)) == len(_containers(ANSWER)) == 17
    first = copied["data"]["_entities"][0]["reviews"][0]
    assert first["body"] is ANSWER["data"]["_entities"][0]["reviews"][0]["body"]
    first["author"]["name"] = "changed"
    copied["data"]["nested"][0][1].append(None)
    assert "name" not in ANSWER["data"]["_entities"][0]["reviews"][0]["author"]
    assert ANSWER["data"]["nested"][0][1] == [2.5, True]


def test_tuples_come_back_lists_and_a_dict_subclass_a_dict_as_from_orjson() -> None:
    value = {"a": ({"b": 1}, [2]), "c": [(3,)]}
    copied = copy_tree(value)
    assert copied == orjson.loads(orjson.dumps(value)) == {"a": [{"b": 1}, [2]], "c": [[3]]}
    assert copied["a"][0] is not value["a"][0]
    carried = with_cache_control({"data": {"x": [1]}}, "max-age=60")
    plain = copy_tree(carried)
    assert type(plain) is dict and cache_control_of(plain) is None
    assert plain == {"data": {"x": [1]}} and plain["data"] is not carried["data"]
