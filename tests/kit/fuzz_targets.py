"""The supergraphs CI fuzzes (tests/conformance/test_fuzz.py) as fuzz targets.

- every conformance scenario that composes (tests/conformance/scenarios, Python
  subgraphs), with its ``generator_samples``; fields that fail on purpose are
  fuzzed too (their errors are compared by path);
- the bundled five-domain graph (tests/kit/bundled.py), without the fields
  under authorization directives (Apollo Gateway does not enforce them).

``count_for`` says how many operations each gets per seed: Apollo Gateway's
query planner takes most of the time (cold, a median 0.2 s per operation on
provides_interface, 0.02 s on requires), so the scenarios it plans slowly get
fewer and the cheap ones and the bundled graph more, at least 2,000 in all.
``fixture_targets`` starts them all for ``python -m tests.kit.fuzz --fixtures``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.kit.bundled import BundledStack
from tests.kit.compose import CompositionError, compose_scenarios
from tests.kit.fixtures import ScenarioStack, Stacks, load_scenarios
from tests.kit.fuzz import Target, introspected_schema

SEED = 13
BUNDLED = "bundled"
BUNDLED_COUNT = 700
SCENARIO_COUNT = 120
"""Operations per scenario not in ``SCENARIO_COUNTS``."""
SCENARIO_COUNTS = {
    "abstract_types": 80,
    "provides_interface": 50,
    "inaccessible": 150,
    "provides_shareable": 150,
    "mutations": 200,
    "override": 200,
    "requires": 200,
    # Its copies of `Tag.label` disagree on purpose, and Apollo Gateway asks both in
    # parallel fetches: its answer depends on which lands last (flaky from one send to
    # the next). test_variances.py checks the variance on its written example.
    "shareable_copies": 0,
    # Likewise: Apollo asks alpha's failing copy and beta's in parallel for some
    # operations, and answers them differently from one send to the next (seed 13's
    # first operation: `{"tags": [null, null]}` beside alpha's error at the same path, or
    # not). failing_shareable_root fuzzes the same subgraphs without `album`.
    "failing_copy": 0,
    # Beta answers `feed` after a pause (so Apollo's failing part always lands first):
    # fewer operations keep its run short.
    "failing_split_root": 60,
}


def count_for(name: str) -> int:
    return BUNDLED_COUNT if name == BUNDLED else SCENARIO_COUNTS.get(name, SCENARIO_COUNT)


def scenario_target(stack: ScenarioStack) -> Target:
    assert stack.supergraph_path is not None
    return Target(
        stack.scenario.name,
        stack.router().url,
        stack.apollo_url,
        stack.supergraph_path.read_text(),
        introspected_schema(stack.apollo_url),
        samples=stack.scenario.generator_samples,
    )


def bundled_target(stack: BundledStack) -> Target:
    return Target(
        BUNDLED,
        stack.router().url,
        stack.apollo_url,
        stack.supergraph_path.read_text(),
        stack.api_schema(),
        avoid=stack.protected,
    )


def scenario_names() -> list[str]:
    """The scenarios CI fuzzes: all that compose."""
    scenarios = load_scenarios()
    compositions = compose_scenarios(list(scenarios.values()))
    return [n for n, c in compositions.items() if not isinstance(c, CompositionError)]


@contextmanager
def fixture_targets(
    workdir: Path, only: frozenset[str] = frozenset()
) -> Iterator[list[tuple[Target, int]]]:
    """Every CI target (or those named in ``only``) started, subgraphs in threads and
    gateways as processes, each with its count."""
    scenarios = load_scenarios()
    compositions = compose_scenarios(list(scenarios.values()))
    stacks = Stacks(scenarios, compositions, workdir)
    (workdir / BUNDLED).mkdir(parents=True, exist_ok=True)
    bundled = BundledStack(workdir / BUNDLED)
    try:
        targets = [
            (scenario_target(stacks.get(name)), count_for(name))
            for name, composition in compositions.items()
            if not isinstance(composition, CompositionError) and (not only or name in only)
        ]
        if not only or BUNDLED in only:
            bundled.start()
            targets.append((bundled_target(bundled), BUNDLED_COUNT))
        yield targets
    finally:
        bundled.stop()
        stacks.stop()
