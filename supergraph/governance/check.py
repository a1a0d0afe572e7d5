"""Would this subgraph change break a client? Compose it, diff the API schemas, re-validate
the persisted operations.

`check_subgraph` replaces one subgraph's SDL among the composition's sources,
composes, and compares the proposed supergraph's API schema with the current
one (schema_diff.py). Persisted operations (partners' safelisted operations)
are validated against the proposed API schema exactly: one that no longer
validates blocks the change whatever the schema diff says. Blocking: a
composition error, a BREAKING change, an invalid persisted operation.

With an `Audience` (a contract's tag filter, contract.py) both supergraphs are
seen through the contract before the diff and the operations: a partner's
check is against the partner API, where untagging a field removes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from graphql import GraphQLError, GraphQLSchema, parse, validate

from supergraph.compose import SubgraphSource, compose
from supergraph.schema import SupergraphError, load_supergraph
from supergraph.usage.store import Use

from .contract import ContractError, derive_contract
from .schema_diff import Change, diff_schemas


@dataclass(frozen=True, slots=True)
class Audience:
    """Whose API the check compares: everyone's (no tags), or a contract's."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def api(self, supergraph_sdl: str) -> GraphQLSchema:
        """The API schema this audience sees of a supergraph (SupergraphError,
        ContractError when it cannot be derived)."""
        if self.include or self.exclude:
            supergraph_sdl = derive_contract(
                supergraph_sdl, self.include, self.exclude
            ).supergraph_sdl
        return load_supergraph(supergraph_sdl).api_schema

    def as_json(self) -> dict[str, list[str]]:
        return {"includeTags": list(self.include), "excludeTags": list(self.exclude)}


EVERYONE = Audience()


@dataclass(frozen=True, slots=True)
class InvalidOperation:
    id: str
    messages: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "messages": list(self.messages)}


@dataclass(frozen=True, slots=True)
class UsageWindow:
    """What recorded usage said of the breaking changes (`supergraph check --usage`)."""

    days: float
    uses: tuple[tuple[Use, ...], ...]
    """Per change of the report (same order): who used what it breaks."""


@dataclass(frozen=True, slots=True)
class CheckReport:
    subgraph: str
    composition_errors: tuple[tuple[str, str], ...] = ()
    """(code, message) of each composition error."""
    changes: tuple[Change, ...] = ()
    operations_checked: int = 0
    invalid_operations: tuple[InvalidOperation, ...] = field(default=())
    usage: UsageWindow | None = None
    """None: no usage was consulted, so every BREAKING change blocks."""
    audience: Audience = EVERYONE

    def blocks(self, index: int) -> bool:
        if self.changes[index].severity != "BREAKING":
            return False
        return self.usage is None or bool(self.usage.uses[index])

    @property
    def blocking(self) -> int:
        breaking = sum(self.blocks(i) for i in range(len(self.changes)))
        return len(self.composition_errors) + breaking + len(self.invalid_operations)

    @property
    def passed(self) -> bool:
        return self.blocking == 0

    def as_json(self) -> dict[str, object]:
        changes = []
        for index, change in enumerate(self.changes):
            entry: dict[str, object] = {**change.as_json(), "blocking": self.blocks(index)}
            if self.usage is not None and change.severity == "BREAKING":
                entry["usage"] = [use.as_json() for use in self.usage.uses[index]]
            changes.append(entry)
        out: dict[str, object] = {
            "subgraph": self.subgraph,
            "result": "PASS" if self.passed else "FAIL",
            "blocking": self.blocking,
            "composed": not self.composition_errors,
            "compositionErrors": [
                {"code": code, "message": message} for code, message in self.composition_errors
            ],
            "changes": changes,
            "operations": {
                "checked": self.operations_checked,
                "invalid": [operation.as_json() for operation in self.invalid_operations],
            },
        }
        if self.usage is not None:
            out["usageWindowDays"] = self.usage.days
        if self.audience != EVERYONE:
            out["contract"] = self.audience.as_json()
        return out


def affected_coordinates(change: Change) -> frozenset[str]:
    """The usage coordinates (supergraph/usage/extract.py) whose use a breaking change
    breaks: the element itself, and where the element can be used without being named
    (an input type through a variable, a required argument's field, an enum's values
    coming back in answers), what names it."""
    path = change.path
    owner = path.split(".", 1)[0].split("(", 1)[0]
    field_path = path.split("(", 1)[0]
    if path.startswith("@") or change.code in _WHOLE_TYPE:
        # Usage records a directive, not its arguments.
        return frozenset({owner})
    if change.code == "REQUIRED_ARG_ADDED" or (change.newly_required and not change.input_field):
        # Breaks the field's uses that do not give the argument (unseen by name).
        return frozenset({field_path})
    if change.input_field or change.code == "VALUE_REMOVED_FROM_ENUM":
        # Used by name in literals, or unseen through a variable of the type.
        return frozenset({path, owner})
    return frozenset({path})


_WHOLE_TYPE = frozenset({"REQUIRED_INPUT_FIELD_ADDED", "REQUIRED_DIRECTIVE_ARG_ADDED"})
"""Breaking for every use of the input type or directive, named or not."""


class CheckInputError(ValueError):
    """The check cannot run as asked (unknown subgraph, invalid current supergraph)."""


def check_subgraph(
    sources: Sequence[SubgraphSource],
    name: str,
    proposed_sdl: str,
    current_supergraph: str | None = None,
    operations: Mapping[str, str] | None = None,
    audience: Audience = EVERYONE,
    new_url: str | None = None,
) -> CheckReport:
    """`current_supergraph`: the supergraph SDL clients use now (default: the
    composition of `sources` as they are); `operations`: persisted operations by id;
    `audience`: whose API to compare (a contract's tag filter); `new_url`: NAME is a
    subgraph to add, at this routing URL."""
    known = sorted(source.name for source in sources)
    if new_url is not None:
        if name in known:
            raise CheckInputError(f"{name!r} is in the composition already: drop --new")
    elif name not in known:
        raise CheckInputError(
            f"no subgraph {name!r} in the composition (known: {', '.join(known)}); "
            "checking a subgraph to add: --new"
        )
    if current_supergraph is None:
        current_supergraph = compose(sources).supergraph_sdl
        if current_supergraph is None:
            raise CheckInputError(
                "the current composition does not compose: fix it before checking a change"
            )
    try:
        current_api = audience.api(current_supergraph)
    except (SupergraphError, ContractError) as error:
        raise CheckInputError(f"the current supergraph: {error}") from None
    proposed = [
        replace(source, sdl=proposed_sdl) if source.name == name else source for source in sources
    ]
    if new_url is not None:
        proposed.append(SubgraphSource(name, new_url, proposed_sdl))
    composition = compose(proposed)
    if composition.errors or composition.supergraph_sdl is None:
        errors = tuple((error.code, error.message) for error in composition.errors)
        return CheckReport(name, errors, audience=audience)
    try:
        proposed_api = audience.api(composition.supergraph_sdl)
    except ContractError as error:
        # The proposal leaves the contract nothing (its last tagged field went, say).
        return CheckReport(name, (("CONTRACT_EMPTY", str(error)),), audience=audience)
    invalid = tuple(invalid_operations(proposed_api, operations or {}))
    return CheckReport(
        name,
        changes=tuple(diff_schemas(current_api, proposed_api)),
        operations_checked=len(operations or {}),
        invalid_operations=invalid,
        audience=audience,
    )


def invalid_operations(
    schema: GraphQLSchema, operations: Mapping[str, str]
) -> list[InvalidOperation]:
    out: list[InvalidOperation] = []
    for op_id, body in sorted(operations.items()):
        try:
            errors: Sequence[GraphQLError] = validate(schema, parse(body))
        except GraphQLError as error:
            errors = [error]
        if errors:
            out.append(InvalidOperation(op_id, tuple(error.message for error in errors)))
    return out
