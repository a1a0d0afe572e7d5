"""Conformance scenarios: one module per federation feature, each with ``SCENARIO``."""

from __future__ import annotations

import importlib
import pkgutil

from tests.kit.scenario import Scenario


def all_scenarios() -> list[Scenario]:
    """Every scenario module in this package, sorted by name."""
    found: list[Scenario] = []
    for module in pkgutil.iter_modules(__path__):
        loaded = importlib.import_module(f"{__name__}.{module.name}")
        scenario = getattr(loaded, "SCENARIO", None)
        if not isinstance(scenario, Scenario):
            raise TypeError(f"{loaded.__name__} has no SCENARIO")
        found.append(scenario)
    return sorted(found, key=lambda s: s.name)
