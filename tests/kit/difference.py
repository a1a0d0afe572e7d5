"""One difference between our router's answer and Apollo Gateway's, and what
recognisers ask of it.

A ``Case`` holds the operation and both raw answers; ``KnownDifference`` is a
named, explained kind of difference with a structural recogniser (the Apollo
exceptions in tests/kit/apollo_exceptions.py, the spec's variances in
tests/kit/variances.py). The helpers answer the questions recognisers
share: where the two ``data`` trees part (``diff_points``), which errors one
side has that the other has not (``extra_errors``), what the operation selects
on an object (``selections``), and what the supergraph says of a field.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import DocumentNode, GraphQLSchema

from supergraph.schema.model import Supergraph
from tests.kit.compare import normalise_error
from tests.kit.response_walk import ObjectSelections, Path, objects, selections_by_path, value_at

JSON = Any


@dataclass(slots=True)
class Case:
    """One difference: the operation and both raw answers."""

    schema: GraphQLSchema
    supergraph: Supergraph
    document: DocumentNode
    operation_name: str | None
    variables: Mapping[str, JSON]
    ours: Mapping[str, JSON]
    apollo: Mapping[str, JSON]
    _selections: dict[str, dict[Path, ObjectSelections]] = field(default_factory=dict)
    _points: list[tuple[Path, JSON, JSON]] | None = None
    _errors: tuple[list[dict[str, JSON]], list[dict[str, JSON]]] | None = None

    @property
    def ours_data(self) -> JSON:
        return self.ours.get("data")

    @property
    def apollo_data(self) -> JSON:
        return self.apollo.get("data")

    def selections(self, side: str) -> dict[Path, ObjectSelections]:
        """What the operation selects on each object of ``side``'s data ("ours"/"apollo")."""
        if side not in self._selections:
            data = self.ours_data if side == "ours" else self.apollo_data
            self._selections[side] = selections_by_path(
                self.schema, self.document, self.operation_name, self.variables, data
            )
        return self._selections[side]

    def object_selections(self, path: Path) -> ObjectSelections | None:
        """The selections on the object at ``path``, from whichever side has it."""
        return self.selections("ours").get(path) or self.selections("apollo").get(path)

    def is_interface_object(self, type_name: str) -> bool:
        """Is ``type_name`` an interface some subgraph resolves as an @interfaceObject?"""
        type_def = self.supergraph.types.get(type_name)
        return type_def is not None and any(g.is_interface_object for g in type_def.graphs)

    @property
    def points(self) -> list[tuple[Path, JSON, JSON]]:
        """Where the data parts (see ``diff_points``)."""
        if self._points is None:
            self._points = list(diff_points(self.ours_data, self.apollo_data))
        return self._points

    @property
    def ours_only(self) -> list[dict[str, JSON]]:
        """Errors only our answer has (normalised: path and contract code)."""
        return self._extra()[0]

    @property
    def apollo_only(self) -> list[dict[str, JSON]]:
        """Errors only Apollo's answer has (``valueCompletion`` ones included)."""
        return self._extra()[1]

    def _extra(self) -> tuple[list[dict[str, JSON]], list[dict[str, JSON]]]:
        if self._errors is None:
            self._errors = extra_errors(self.ours, self.apollo)
        return self._errors

    def order_paths(self) -> list[Path]:
        """Objects with the same keys on both sides, in another order."""
        out = []
        for path, value in objects(self.ours_data):
            other = value_at(self.apollo_data, path)
            if isinstance(other, dict) and set(other) == set(value) and list(other) != list(value):
                out.append(path)
        return out

    def atoms(self) -> frozenset[Atom]:
        return frozenset(
            [
                *(("data", p) for p, _, _ in self.points),
                *(("order", p) for p in self.order_paths()),
                *(("ours", i) for i in range(len(self.ours_only))),
                *(("apollo", i) for i in range(len(self.apollo_only))),
            ]
        )

    def has_requires(self, type_name: str, field_name: str) -> bool:
        """Does some subgraph resolve ``type_name.field_name`` with ``@requires``?"""
        type_def = self.supergraph.types.get(type_name)
        field_def = type_def.fields.get(field_name) if type_def else None
        return field_def is not None and any(g.requires for g in field_def.graphs)


Atom = tuple[str, tuple[str | int, ...] | int]
"""One part of a difference: ``("data", path)`` where the data parts, ``("order", path)``
an object whose keys come in another order, ``("ours", i)`` / ``("apollo", i)`` the
i-th error only that side has (``Case.ours_only`` / ``Case.apollo_only``)."""


@dataclass(frozen=True, slots=True)
class KnownDifference:
    """A named, explained kind of difference: ``explains`` returns the atoms of a case
    it accounts for (none: not this kind)."""

    name: str
    reason: str
    explains: Callable[[Case], frozenset[Atom]]


def classify(case: Case, known: Sequence[KnownDifference]) -> list[KnownDifference] | None:
    """The known differences that together explain every atom of the case (in
    ``known``'s order, those that explain some), or None: unexplained."""
    atoms = case.atoms()
    covered: set[Atom] = set()
    used = []
    for candidate in known:
        explained = candidate.explains(case) & atoms
        if explained - covered:
            used.append(candidate)
            covered |= explained
    return used if atoms and covered >= atoms else None


# -- helpers ---------------------------------------------------------------------


def raw_errors(body: Mapping[str, JSON], value_completion: bool = True) -> list[dict[str, JSON]]:
    """The errors of an answer (with Apollo's ``extensions.valueCompletion`` ones)."""
    errors = list(body.get("errors") or [])
    extensions = body.get("extensions")
    if value_completion and isinstance(extensions, Mapping):
        errors += list(extensions.get("valueCompletion") or [])
    return errors


def _key(error: Mapping[str, JSON]) -> str:
    return repr(normalise_error(error))


def extra_errors(
    body: Mapping[str, JSON], other: Mapping[str, JSON]
) -> tuple[list[dict[str, JSON]], list[dict[str, JSON]]]:
    """(errors ``body`` has beyond ``other``'s, errors ``other`` has beyond ``body``'s),
    compared as normalised errors (path and contract code), counted."""
    mine, theirs = raw_errors(body), raw_errors(other)
    left = Counter(_key(e) for e in theirs)
    only_mine = []
    for error in mine:
        if left[_key(error)] > 0:
            left[_key(error)] -= 1
        else:
            only_mine.append(error)
    right = Counter(_key(e) for e in mine)
    only_theirs = []
    for error in theirs:
        if right[_key(error)] > 0:
            right[_key(error)] -= 1
        else:
            only_theirs.append(error)
    return only_mine, only_theirs


def error_path(error: Mapping[str, JSON]) -> Path | None:
    path = error.get("path")
    return tuple(path) if isinstance(path, list) else None


def diff_points(ours: JSON, apollo: JSON, path: Path = ()) -> Iterator[tuple[Path, JSON, JSON]]:
    """Where the two data trees part, ignoring key order: (path, ours, apollo) at the
    highest point of each difference (a key one side lacks counts as a null there)."""
    if isinstance(ours, dict) and isinstance(apollo, dict):
        for key in dict.fromkeys([*ours, *apollo]):
            yield from diff_points(ours.get(key), apollo.get(key), (*path, key))
        return
    if isinstance(ours, list) and isinstance(apollo, list) and len(ours) == len(apollo):
        for index, (a, b) in enumerate(zip(ours, apollo, strict=True)):
            yield from diff_points(a, b, (*path, index))
        return
    if ours != apollo:
        yield path, ours, apollo


def is_prefix(prefix: Path, path: Path) -> bool:
    return path[: len(prefix)] == prefix


def field_key_path(path: Path) -> tuple[Path, str] | None:
    """The path of the object that selects the field holding ``path``'s value, and its key
    (list indexes stripped): ``("a", 0, "b", 2)`` -> ``(("a", 0), "b")``."""
    trimmed = list(path)
    while trimmed and isinstance(trimmed[-1], int):
        trimmed.pop()
    if not trimmed:
        return None
    key = trimmed.pop()
    return (tuple(trimmed), key) if isinstance(key, str) else None


def empty_objects_only(value: JSON) -> bool:
    """Only ``{}`` objects, in lists or not: what a selection whose fields are all skipped gives."""
    if isinstance(value, list):
        return all(empty_objects_only(v) for v in value)
    return isinstance(value, dict) and not value
