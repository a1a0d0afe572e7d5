"""The two wire formats of incremental delivery (@defer's parts). Pure.

pipeline/defer.py decides what each part holds: the first part's data and the
objects deferred fragments will complete (announced when their parent part goes
out), then which announced objects each later part completes, with their data.
This module writes that in the format the client negotiated (`Accept`):

- `deferSpec=20220824`, Apollo's (Apollo Client 3, Apollo Kotlin/iOS, Apollo
  Router): `{"data", "errors"?, "hasNext"}`, then `{"incremental": [{"data",
  "path", "label"?, "errors"?}], "hasNext"}`; an object whose fragment failed
  (a null reached the fragment's object) is an item with `"data": null`.
- `incrementalSpec=v0.2`, the GraphQL working group's current format (graphql-js
  17.0.0-alpha.9, Apollo Server 5.1+, Apollo Client 4's GraphQL17Alpha9Handler):
  the first part lists `pending` (`{"id", "path", "label"?}`, one per object a
  fragment applies to); a later part gives `incremental` (`{"id", "subPath"?,
  "data", "errors"?}`), `completed` (`{"id"}`, or `{"id", "errors"}` when the
  fragment failed there: no data), and the `pending` its nested fragments add.
  Each field is delivered once: a fragment's entries leave out what the client
  holds (the first part's fields, earlier fragments'), and new fields under an
  object the client holds go in an entry at that object's `subPath` (`unsent`).

Errors no part claimed (rare: about objects no part holds) go with the last part.

When the run fails after the status went out, the legacy format ends with
`{"hasNext": false, "errors": [...]}` (http/streams.py); `incrementalSpec=v0.2`
has no top-level errors in a later part, so its last part completes every id still
pending with the error (`failed_part`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal, TypeAlias, get_args

from supergraph.operation.defer import DeferredFragment
from supergraph.types import JSONObject

IncrementalFormat: TypeAlias = Literal["deferSpec=20220824", "incrementalSpec=v0.2"]
"""The `multipart/mixed` parameter naming the format, as clients send it in `Accept`
and the router names it in `content-type`."""

LEGACY: Final[IncrementalFormat] = "deferSpec=20220824"
CURRENT: Final[IncrementalFormat] = "incrementalSpec=v0.2"
FORMATS: Final[tuple[IncrementalFormat, ...]] = get_args(IncrementalFormat)

ResponsePath: TypeAlias = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Pending:
    """One object a deferred fragment applies to, announced when its parent part went
    out; it is completed by exactly one later part."""

    id: str
    """"0", "1", ... in order of announcement (the current format's ids)."""
    fragment: DeferredFragment
    path: ResponsePath
    runtime: str
    """The object's type."""


@dataclass(frozen=True, slots=True)
class Delivered:
    """An announced object completed: its fragment's data (None: a null reached the
    fragment's object, the errors say why) and the errors at or under it."""

    pending: Pending
    data: JSONObject | None
    errors: list[JSONObject]
    fresh: list[tuple[ResponsePath, JSONObject]] | None = None
    """`data` less what the client holds already (the first part's fields and earlier
    fragments'), as (subPath, data) entries: what `incrementalSpec=v0.2` sends, each
    field once (`unsent`). None: all of `data` at the object's path."""
    fresh_errors: list[JSONObject] | None = None
    """`errors` less those an earlier part sent (v0.2 sends each error once too)."""


@dataclass(slots=True)
class Initial:
    data: JSONObject | None
    errors: list[JSONObject]
    pending: list[Pending]
    has_next: bool


@dataclass(slots=True)
class Subsequent:
    delivered: list[Delivered]
    pending: list[Pending]
    """Announced now: nested fragments on the objects just completed."""
    has_next: bool
    leftover: list[JSONObject] = field(default_factory=list)


def initial_part(
    form: IncrementalFormat, part: Initial, extensions: JSONObject | None = None
) -> JSONObject:
    """`extensions`: the first part's (the exposed query plan goes there, as in Apollo
    Router's first part)."""
    body: JSONObject = {"data": part.data}
    if part.errors:
        body["errors"] = part.errors
    if extensions:
        body["extensions"] = extensions
    if form == CURRENT:
        body["pending"] = [_announced(p) for p in part.pending]
    body["hasNext"] = part.has_next
    return body


def subsequent_part(form: IncrementalFormat, part: Subsequent) -> JSONObject:
    if form == LEGACY:
        return _legacy(part)
    body: JSONObject = {"hasNext": part.has_next}
    if part.pending:
        body["pending"] = [_announced(p) for p in part.pending]
    incremental: list[JSONObject] = []
    completed: list[JSONObject] = []
    for done in part.delivered:
        ident = done.pending.id
        if done.data is None:
            completed.append({"id": ident, "errors": done.errors})
            continue
        incremental.extend(_items(done))
        completed.append({"id": ident})
    if part.leftover:
        last = incremental[-1] if incremental else completed[-1] if completed else body
        last.setdefault("errors", []).extend(part.leftover)
    if incremental:
        body["incremental"] = incremental
    if completed:
        body["completed"] = completed
    return body


def unsent(held: object, data: JSONObject) -> list[tuple[ResponsePath, JSONObject]]:
    """What of a fragment's `data` for one object the client does not hold yet
    (`held`: the client's data at that object), as graphql-js 17.0.0-alpha.9 delivers
    it: the object's own new fields in one entry, and for each field the client holds
    already, the new fields of the objects under it each in an entry at its `subPath`
    (a list's items each their own). A field held already, a leaf or a null, is never
    sent again: no field reaches the client twice."""
    if not isinstance(held, dict):
        return [((), data)]
    return _unsent(held, data, ())


def _unsent(
    held: JSONObject, data: JSONObject, at: ResponsePath
) -> list[tuple[ResponsePath, JSONObject]]:
    new: JSONObject = {}
    deeper: list[tuple[ResponsePath, JSONObject]] = []
    for key, value in data.items():
        if key in held:
            deeper.extend(_below(held[key], value, (*at, key)))
        else:
            new[key] = value
    return [(at, new), *deeper] if new else deeper


def _below(held: object, value: object, at: ResponsePath) -> list[tuple[ResponsePath, JSONObject]]:
    if isinstance(held, dict) and isinstance(value, dict):
        return _unsent(held, value, at)
    if isinstance(held, list) and isinstance(value, list) and len(held) == len(value):
        found: list[tuple[ResponsePath, JSONObject]] = []
        for index, (mine, theirs) in enumerate(zip(held, value, strict=True)):
            found.extend(_below(mine, theirs, (*at, index)))
        return found
    # A leaf, or a null the client holds (graphql-js completes such a field once, in
    # the part that selected it first; a null is not completed again under it).
    return []


def nulls_held(held: object, data: JSONObject) -> bool:
    """Whether a null in a fragment's `data` for one object lands on an object or list
    the client holds already (`held`: the client's data at that object), as when a
    deferred non-null field fails under a field the first part sent. graphql-js
    17.0.0-alpha.9 stops such a null at the fragment: the fragment fails (`completed`
    with its errors, none of its data sent), the client keeps what it holds."""
    if not isinstance(held, dict):
        return False
    return any(_nulls(held[key], value) for key, value in data.items() if key in held)


def _nulls(held: object, value: object) -> bool:
    if value is None:
        return isinstance(held, dict | list)
    if isinstance(held, dict) and isinstance(value, dict):
        return nulls_held(held, value)
    if isinstance(held, list) and isinstance(value, list) and len(held) == len(value):
        return any(_nulls(mine, theirs) for mine, theirs in zip(held, value, strict=True))
    return False


def _items(done: Delivered) -> list[JSONObject]:
    """`incremental` entries of one object completed with data: one per `subPath`, each
    error in the entry nearest its path (the first entry when none is under it)."""
    assert done.data is not None
    ident = done.pending.id
    fresh = done.fresh if done.fresh is not None else [((), done.data)]
    errors = done.fresh_errors if done.fresh_errors is not None else done.errors
    items: list[JSONObject] = []
    for sub, data in fresh:
        item: JSONObject = {"id": ident, "subPath": list(sub), "data": data}
        if not sub:
            del item["subPath"]
        items.append(item)
    if errors and not items:
        # The object's fields were all sent before, its errors were not: they need an
        # entry (a `completed` with errors would say the fragment failed).
        items.append({"id": ident, "data": {}})
    base = len(done.pending.path)
    for error in errors:
        path = error.get("path")
        best, depth = items[0], -1
        for (sub, _), item in zip(fresh, items, strict=False):
            if (
                len(sub) > depth
                and isinstance(path, list)
                and tuple(path[base : base + len(sub)]) == sub
            ):
                best, depth = item, len(sub)
        best.setdefault("errors", []).append(error)
    return items


def failed_part(pending: list[Pending], errors: list[JSONObject]) -> JSONObject:
    """`incrementalSpec=v0.2`'s last part when the run failed after the first part:
    each id announced and not completed yet is completed with `errors`."""
    body: JSONObject = {"hasNext": False}
    if pending:
        body["completed"] = [{"id": p.id, "errors": errors} for p in pending]
    return body


def _legacy(part: Subsequent) -> JSONObject:
    items: list[JSONObject] = []
    for done in part.delivered:
        fragment = done.pending.fragment
        item: JSONObject = {"data": done.data, "path": list(done.pending.path)}
        if fragment.label is not None:
            item["label"] = fragment.label
        if done.errors:
            item["errors"] = done.errors
        items.append(item)
    body: JSONObject = {"hasNext": part.has_next}
    if items:
        if part.leftover:
            items[-1].setdefault("errors", []).extend(part.leftover)
        body["incremental"] = items
    elif part.leftover:
        body["errors"] = part.leftover
    return body


def _announced(pending: Pending) -> JSONObject:
    body: JSONObject = {"id": pending.id, "path": list(pending.path)}
    if pending.fragment.label is not None:
        body["label"] = pending.fragment.label
    return body
