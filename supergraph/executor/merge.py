"""Deep merge of subgraph data into the response being built."""

from __future__ import annotations

from supergraph.types import JSONObject


def deep_merge(target: JSONObject, source: JSONObject) -> None:
    """Merge `source` into `target` in place.

    Objects merge key by key and lists of equal length item by item, so objects
    that other plan nodes already collected stay in the tree (they are filled
    in, never replaced). Anything else: the source value wins, except that a
    null never erases an object another subgraph already resolved.
    """
    for key, value in source.items():
        current = target.get(key)
        if current is None:
            target[key] = value
        elif isinstance(value, dict):
            if isinstance(current, dict):
                deep_merge(current, value)
            else:
                target[key] = value
        elif isinstance(value, list) and isinstance(current, list):
            _merge_lists(current, value)
        elif value is not None:
            target[key] = value


def merge_entities_into(
    targets: list[JSONObject], indexes: list[int], entities: list[object]
) -> set[int]:
    """Merge entity `indexes[i]` into `targets[i]` for every i; a null entity (unknown to
    its subgraph) merges nothing. The indexes of entities that are neither objects nor
    null (the caller reports them)."""
    invalid: set[int] = set()
    for position in range(len(targets)):
        index = indexes[position]
        entity = entities[index]
        if type(entity) is dict:
            deep_merge(targets[position], entity)
        elif entity is not None:
            invalid.add(index)
    return invalid


def _merge_lists(target: list[object], source: list[object]) -> None:
    if len(target) != len(source):
        target[:] = source
        return
    for index, item in enumerate(source):
        current = target[index]
        if isinstance(current, dict) and isinstance(item, dict):
            deep_merge(current, item)
        elif isinstance(current, list) and isinstance(item, list):
            _merge_lists(current, item)
        elif item is not None or current is None:
            target[index] = item


def copy_tree(value: JSONObject) -> JSONObject:
    """A copy of decoded JSON whose objects and lists are new and whose other values
    (strings, numbers, booleans) are shared, as immutable: what
    `orjson.loads(orjson.dumps(value))` gives, without encoding or parsing. A dict
    subclass at the top comes back a plain dict, as from orjson."""
    out: JSONObject = value.copy()  # the table copied whole: no hashing, no inserting
    for key, item in value.items():
        copied = _copied(item)
        if copied is not item:
            out[key] = copied
    return out


def _copy_list(items: list[object]) -> list[object]:
    out = items.copy()
    for index in range(len(items)):
        item = items[index]
        copied = _copied(item)
        if copied is not item:
            out[index] = copied
    return out


def _copied(item: object) -> object:
    """`item` itself, unless it is a container: then its copy (a tuple as a list, the
    JSON array orjson gives back)."""
    if type(item) is dict:
        return copy_tree(item)
    if type(item) is list:
        return _copy_list(item)
    if type(item) is tuple:
        return _copy_list(list(item))
    return item
