"""A differential fuzzer: our router against Apollo Gateway on random operations.

For one supergraph behind both gateways (a ``Target``), ``fuzz`` harvests
argument values from real answers (tests/kit/harvest.py), generates ``count``
valid operations with every generator feature on (tests/kit/generator.py),
sends each to both gateways and compares the normalised answers
(tests/kit/compare.py: data exactly, key order included; errors as a
multiset of path + contract code; Apollo's ``valueCompletion`` errors count as
errors). A difference is sent again (``RESENDS`` times) to rule out
flakiness, then classified by the named Apollo exceptions
(tests/kit/apollo_exceptions.py). An unexplained one is minimized
(tests/kit/minimize.py) to a small operation on which the answers still differ
without any exception explaining it, printed on one line.

Mutations are never generated: both gateways share the subgraphs.

As a command, over supergraph files whose subgraphs already run at the URLs
they name (it starts our router and Apollo Gateway on each, on free ports):

    .venv/bin/python -m tests.kit.fuzz --supergraph FILE [--supergraph FILE ...] \\
        --count 200 --seed 1 [--seed 2 ...] [--report out.json] [--jobs 4]

or over the supergraphs CI fuzzes (the conformance scenarios and the bundled
five-domain graph, each started in process) with ``--fixtures``. It prints,
per supergraph and seed: operations generated, identical, differences
(unexplained, and each named exception with its count) and the minimized
unexplained ones; ``--report`` writes all of it as JSON. Exit status 1 when
any difference is unexplained.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from graphql import GraphQLSchema, build_client_schema, get_introspection_query, parse

from supergraph.schema import load_supergraph
from supergraph.schema.model import Supergraph
from tests.kit.apollo_exceptions import EXCEPTIONS
from tests.kit.compare import Response, normalise, ordered, post
from tests.kit.difference import Case, KnownDifference, classify
from tests.kit.generator import Features, GeneratedOperation, generate
from tests.kit.harvest import Harvest, harvest
from tests.kit.minimize import minimize, one_line
from tests.kit.variances import SPEC_VARIANCES, Variance

JSON = Any
KNOWN: tuple[KnownDifference, ...] = (*EXCEPTIONS, *SPEC_VARIANCES)
"""Apollo's bugs, then the spec's variances: a difference they explain is not unexplained."""
RESENDS = 2
TRANSPORT_ATTEMPTS = 3
"""Extra sends of a differing operation: each must give both gateways' first answers again."""


@dataclass(slots=True)
class Target:
    """One supergraph served by both gateways."""

    name: str
    ours_url: str
    apollo_url: str
    supergraph_sdl: str
    schema: GraphQLSchema
    """The API schema (Apollo's introspection: the reference's view)."""
    avoid: frozenset[str] = frozenset()
    samples: Mapping[str, Sequence[Mapping[str, JSON]]] = field(default_factory=dict)
    _model: Supergraph | None = None
    _harvest: Harvest | None = None

    @property
    def model(self) -> Supergraph:
        if self._model is None:
            self._model = load_supergraph(self.supergraph_sdl)
        return self._model


@dataclass(slots=True)
class Difference:
    """One operation on which the gateways' normalised answers differ."""

    index: int
    query: str
    variables: dict[str, JSON]
    operation_name: str | None
    ours: dict[str, JSON]
    apollo: dict[str, JSON]
    flaky: str | None = None
    """Whose answer changed when sent again ("ours", "apollo", "both"): not a difference."""
    exception: str | None = None
    """The known difference that explains it: an Apollo exception or a spec variance."""
    variance: bool = False
    """``exception`` is a variance the spec allows (SPEC_VARIANCES), not Apollo's bug."""
    minimized: str | None = None
    minimized_variables: dict[str, JSON] | None = None
    minimized_ours: dict[str, JSON] | None = None
    minimized_apollo: dict[str, JSON] | None = None
    ours_body: dict[str, JSON] | None = None
    apollo_body: dict[str, JSON] | None = None
    """Both raw answers (messages, extensions): what recognisers read, for re-checking a
    report's differences with changed recognisers."""


@dataclass(slots=True)
class Report:
    """What one seed found on one supergraph."""

    supergraph: str
    seed: int
    generated: int = 0
    identical: int = 0
    harvested: int = 0
    differences: list[Difference] = field(default_factory=list)

    @property
    def unexplained(self) -> list[Difference]:
        return [d for d in self.differences if not d.flaky and d.exception is None]

    @property
    def flaky(self) -> list[Difference]:
        return [d for d in self.differences if d.flaky]

    @property
    def flaky_unexplained(self) -> list[Difference]:
        """Apollo's answers changed from one send to the next, and ours differs from one
        of them with nothing to explain it."""
        return [d for d in self.differences if d.flaky == "apollo" and d.exception is None]

    @property
    def ours_flaky(self) -> list[Difference]:
        """Operations our router answered differently when sent again (a bug of ours)."""
        return [d for d in self.differences if d.flaky in ("ours", "both")]

    def by_exception(self, variance: bool = False) -> Counter[str]:
        """Differences per Apollo exception (``variance``: per spec variance)."""
        return Counter(
            d.exception
            for d in self.differences
            if d.exception and not d.flaky and d.variance == variance
        )

    def summary(self) -> str:
        explained = ", ".join(f"{n} {c}" for n, c in sorted(self.by_exception().items()))
        variances = ", ".join(f"{n} {c}" for n, c in sorted(self.by_exception(True).items()))
        lines = [
            f"{self.supergraph} seed {self.seed}: {self.generated} generated, "
            f"{self.identical} identical, {len(self.differences)} differences "
            f"({len(self.unexplained)} unexplained, {len(self.flaky)} flaky"
            f" ({len(self.flaky_unexplained)} unexplained)"
            + (f"; Apollo exceptions: {explained}" if explained else "")
            + (f"; variances: {variances}" if variances else "")
            + ")"
        ]
        for d in self.unexplained:
            lines.append(f"  UNEXPLAINED #{d.index}: {d.minimized or one_line(d.query)}")
            lines.append(f"    variables: {json.dumps(d.minimized_variables or d.variables)}")
            ours, apollo = (
                (d.minimized_ours, d.minimized_apollo) if d.minimized else (d.ours, d.apollo)
            )
            lines.append(f"    ours:   {json.dumps(ours)}")
            lines.append(f"    apollo: {json.dumps(apollo)}")
        for d in self.flaky:
            why = f" [each answer: {d.exception}]" if d.exception else " [UNEXPLAINED]"
            lines.append(f"  flaky ({d.flaky}) #{d.index}{why}: {one_line(d.query)}")
        return "\n".join(lines)


class _Sender:
    """Sends one operation to both gateways (thread-safe: one shared client)."""

    def __init__(self, target: Target, client: httpx.Client) -> None:
        self.target = target
        self.client = client

    def one(
        self, url: str, query: str, variables: Mapping[str, JSON], name: str | None
    ) -> Response:
        for attempt in range(TRANSPORT_ATTEMPTS):
            try:
                return post(url, query, variables or None, name, client=self.client)
            except httpx.TransportError as error:
                # A keep-alive connection the server closed as it was reused: no
                # answer at all, so not a difference; sent again.
                if attempt + 1 < TRANSPORT_ATTEMPTS:
                    continue
                failure: Exception = error
            except (httpx.HTTPError, ValueError, AssertionError) as error:
                failure = error  # not JSON, not an object: an answer that differs
                break
        message = f"no GraphQL answer: {type(failure).__name__}: {failure}"
        return Response(0, {"data": None, "errors": [{"message": message}]})

    def both(
        self, query: str, variables: Mapping[str, JSON], name: str | None
    ) -> tuple[Response, Response]:
        return (
            self.one(self.target.ours_url, query, variables, name),
            self.one(self.target.apollo_url, query, variables, name),
        )


def compared(ours: Response, apollo: Response) -> tuple[dict[str, JSON], dict[str, JSON], bool]:
    """Both normalised answers and whether they are the same (key order included)."""
    mine, theirs = normalise(ours), normalise(apollo, value_completion=True)
    return mine, theirs, mine == theirs and ordered(mine) == ordered(theirs)


def target_harvest(target: Target, client: httpx.Client) -> Harvest:
    """The target's harvested values (probed once, through Apollo Gateway)."""
    if target._harvest is None:

        def send(query: str) -> Mapping[str, JSON]:
            return post(target.apollo_url, query, client=client).body

        target._harvest = harvest(target.schema, send, target.avoid, target.samples)
    return target._harvest


def case_of(
    target: Target,
    query: str,
    variables: Mapping[str, JSON],
    name: str | None,
    ours: Response,
    apollo: Response,
) -> Case:
    return Case(
        target.schema, target.model, parse(query), name, dict(variables), ours.body, apollo.body
    )


def fuzz(
    target: Target,
    count: int,
    seed: int,
    jobs: int = 4,
    known: Sequence[KnownDifference] = KNOWN,
    minimize_attempts: int = 250,
    minimize_limit: int | None = None,
) -> Report:
    """Generate ``count`` operations with ``seed`` and compare both gateways on each;
    minimize the first ``minimize_limit`` unexplained differences (None: all)."""
    report = Report(target.name, seed)
    with httpx.Client(timeout=30, limits=httpx.Limits(max_connections=4 * jobs)) as client:
        values = target_harvest(target, client)
        report.harvested = len(values)
        operations = generate(
            target.schema,
            count,
            seed=seed,
            avoid=target.avoid,
            samples=target.samples,
            features=Features.all(),
            values=values,
        )
        report.generated = len(operations)
        sender = _Sender(target, client)

        def send(op: GeneratedOperation) -> tuple[Response, Response]:
            return sender.both(op.query, op.variables, op.operation_name)

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            answers = list(pool.map(send, operations))
        for index, (op, (ours, apollo)) in enumerate(zip(operations, answers, strict=True)):
            mine, theirs, same = compared(ours, apollo)
            if same:
                report.identical += 1
                continue
            budget = minimize_limit is None or len(report.unexplained) < minimize_limit
            report.differences.append(
                _examine(
                    target,
                    sender,
                    index,
                    op,
                    ours,
                    apollo,
                    mine,
                    theirs,
                    known,
                    minimize_attempts if budget else 0,
                )
            )
    return report


def _examine(
    target: Target,
    sender: _Sender,
    index: int,
    op: GeneratedOperation,
    ours: Response,
    apollo: Response,
    mine: dict[str, JSON],
    theirs: dict[str, JSON],
    known: Sequence[KnownDifference],
    minimize_attempts: int,
) -> Difference:
    difference = Difference(index, op.query, op.variables, op.operation_name, mine, theirs)
    difference.ours_body, difference.apollo_body = dict(ours.body), dict(apollo.body)
    apollo_answers = [apollo]
    for _ in range(RESENDS):
        again_ours, again_apollo = sender.both(op.query, op.variables, op.operation_name)
        again_mine, again_theirs, _same = compared(again_ours, again_apollo)
        ours_changed = ordered(again_mine) != ordered(mine)
        apollo_changed = ordered(again_theirs) != ordered(theirs)
        if ours_changed:
            difference.flaky = "both" if apollo_changed else "ours"
            return difference
        if apollo_changed:
            difference.flaky = "apollo"
        apollo_answers.append(again_apollo)
    if difference.flaky:
        _classify_each(difference, target, op, ours, apollo_answers, known)
        return difference
    case = case_of(target, op.query, op.variables, op.operation_name, ours, apollo)
    found = classify(case, known)
    if found is not None:
        difference.exception = " + ".join(k.name for k in found)
        difference.variance = any(isinstance(k, Variance) for k in found)
        return difference

    def unexplained(query: str, variables: dict[str, JSON]) -> bool:
        a, b = sender.both(query, variables, op.operation_name)
        if compared(a, b)[2]:
            return False
        candidate = case_of(target, query, variables, op.operation_name, a, b)
        return classify(candidate, known) is None

    if minimize_attempts <= 0:
        return difference
    query, variables = minimize(
        op.query, op.variables, unexplained, target.schema, minimize_attempts
    )
    difference.minimized = one_line(query)
    difference.minimized_variables = variables
    ours, apollo = sender.both(query, variables, op.operation_name)
    difference.minimized_ours, difference.minimized_apollo, _same = compared(ours, apollo)
    return difference


def _classify_each(
    difference: Difference,
    target: Target,
    op: GeneratedOperation,
    ours: Response,
    apollo_answers: Sequence[Response],
    known: Sequence[KnownDifference],
) -> None:
    """Apollo answered apart from one send to the next, ours did not: our one answer
    against each of Apollo's, every pair identical or explained (then ``exception``
    names what explains them), so no bug of ours hides behind Apollo's changes."""
    names: list[str] = []
    for apollo in apollo_answers:
        if compared(ours, apollo)[2] or _unreachable_subgraph(apollo):
            continue
        case = case_of(target, op.query, op.variables, op.operation_name, ours, apollo)
        found = classify(case, known)
        if found is None:
            return
        difference.variance = difference.variance or any(isinstance(k, Variance) for k in found)
        names += [k.name for k in found if k.name not in names]
    difference.exception = " + ".join(names) or "identical on one send"


_FETCH_FAILED = re.compile(r"^request to \S+ failed, reason: ")


def _unreachable_subgraph(apollo: Response) -> bool:
    """An answer where Apollo Gateway could not reach a subgraph at all (its FetchError,
    "request to URL failed, reason: socket hang up", on a loaded machine): it says
    nothing of either gateway's planning, and the next send reaches it."""
    return any(_FETCH_FAILED.match(str(e.get("message", ""))) for e in apollo.errors)


# -- targets -------------------------------------------------------------------


def introspected_schema(url: str) -> GraphQLSchema:
    body = post(url, get_introspection_query()).body
    if not isinstance(body.get("data"), dict):
        raise RuntimeError(f"{url} did not answer introspection: {body}")
    return build_client_schema(body["data"])


def _name_of(path: Path) -> str:
    return path.parent.name if path.stem == "supergraph" else path.stem


@contextmanager
def file_targets(
    paths: Sequence[Path], workdir: Path, avoid: frozenset[str]
) -> Iterator[list[Target]]:
    """Our router and Apollo Gateway on each supergraph file (subgraphs already running)."""
    from tests.kit.bundled import for_apollo, protected_coordinates
    from tests.kit.processes import ApolloGateway, OurRouter

    with ExitStack() as stack:
        targets = []
        for path in paths:
            name = _name_of(path)
            sdl = path.read_text()
            folder = workdir / name
            folder.mkdir(parents=True, exist_ok=True)
            apollo_path = folder / "supergraph.apollo.graphql"
            apollo_path.write_text(for_apollo(sdl))
            apollo = ApolloGateway(apollo_path, folder / "apollo.log", expose_plans=False)
            router = OurRouter(path.resolve(), folder / "router.log")
            try:
                stack.enter_context(apollo)
                stack.enter_context(router)
            except RuntimeError as error:
                print(f"{name}: not fuzzed, a gateway did not start: {str(error).splitlines()[0]}")
                continue
            targets.append(
                Target(
                    name,
                    router.url,
                    apollo.url,
                    sdl,
                    introspected_schema(apollo.url),
                    avoid | protected_coordinates(sdl),
                )
            )
        yield targets


@contextmanager
def fixture_targets(
    workdir: Path, only: frozenset[str] = frozenset()
) -> Iterator[list[tuple[Target, int]]]:
    """The supergraphs CI fuzzes, started in process, each with its CI count."""
    from tests.kit.fuzz_targets import fixture_targets as ci_targets

    with ci_targets(workdir, only) as targets:
        yield targets


# -- command -------------------------------------------------------------------


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--supergraph", type=Path, nargs="+", action="extend", default=[])
    parser.add_argument("--fixtures", action="store_true", help="the supergraphs CI fuzzes")
    parser.add_argument(
        "--count",
        type=int,
        help="operations per supergraph and seed (default: 200; with --fixtures, CI's counts)",
    )
    parser.add_argument("--seed", type=int, action="append", default=[])
    parser.add_argument("--jobs", type=int, default=4, help="operations in flight at once")
    parser.add_argument("--avoid", action="append", default=[], help="Type.field never to select")
    parser.add_argument("--report", type=Path, help="write every difference as JSON here")
    parser.add_argument("--only", action="append", default=[], help="fuzz only this supergraph")
    parser.add_argument(
        "--minimize",
        type=int,
        default=10,
        help="unexplained differences to minimize per supergraph and seed (the rest are shown whole)",
    )
    args = parser.parse_args(argv)
    if not args.supergraph and not args.fixtures:
        parser.error("give --supergraph FILE (one or more) or --fixtures")
    seeds = args.seed or [1]
    reports: list[Report] = []
    with tempfile.TemporaryDirectory(prefix="fuzz-") as root:

        def run(target: Target, count: int) -> None:
            if args.only and target.name not in args.only:
                return
            for seed in seeds:
                report = fuzz(target, count, seed, jobs=args.jobs, minimize_limit=args.minimize)
                reports.append(report)
                print(report.summary(), flush=True)

        # One supergraph's gateways at a time: the audit has 46.
        for path in args.supergraph:
            if args.only and _name_of(path) not in args.only:
                continue
            with file_targets([path], Path(root), frozenset(args.avoid)) as found:
                for target in found:
                    run(target, args.count or 200)
        if args.fixtures:
            with fixture_targets(Path(root) / "fixtures", frozenset(args.only)) as fixtures:
                for target, count in fixtures:
                    run(target, args.count or count)
    print(totals(reports))
    if args.report:
        args.report.write_text(json.dumps([_as_json(r) for r in reports], indent=1))
    return 1 if any(r.unexplained or r.ours_flaky or r.flaky_unexplained for r in reports) else 0


def totals(reports: Sequence[Report]) -> str:
    explained: Counter[str] = Counter()
    for r in reports:
        explained.update(r.by_exception())
        explained.update(r.by_exception(variance=True))
    lines = [
        f"total: {sum(r.generated for r in reports)} generated over {len({r.supergraph for r in reports})} "
        f"supergraphs, {sum(r.identical for r in reports)} identical, "
        f"{sum(len(r.unexplained) for r in reports)} unexplained, "
        f"{sum(len(r.flaky) for r in reports)} flaky "
        f"({sum(len(r.flaky_unexplained) for r in reports)} unexplained on one of Apollo's answers)"
    ]
    lines += [f"  {name}: {count}" for name, count in sorted(explained.items())]
    return "\n".join(lines)


def _as_json(report: Report) -> dict[str, JSON]:
    out = asdict(report)
    out["by_exception"] = dict(report.by_exception())
    out["variances"] = dict(report.by_exception(variance=True))
    out["unexplained"] = len(report.unexplained)
    out["flaky_unexplained"] = len(report.flaky_unexplained)
    return out


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
