"""router.yaml `demand_control`: Apollo Router's keys and shape, errors naming the key."""

from __future__ import annotations

from typing import Any

import pytest

from supergraph.http.config import ConfigError, parse_config
from supergraph.pipeline.demand_control import DemandControlOptions


def _section(**overrides: Any) -> dict[str, Any]:
    section: dict[str, Any] = {
        "enabled": True,
        "mode": "measure",
        "strategy": {"static_estimated": {"list_size": 10, "max": 1000}},
    }
    section.update(overrides)
    return {"demand_control": section}


def test_apollo_documented_configuration() -> None:
    # The example of Apollo's "Configuring demand control".
    config = parse_config(_section())
    assert config.demand_control == DemandControlOptions("measure", 10, 1000.0)
    enforce = parse_config(_section(mode="enforce")).demand_control
    assert enforce is not None and enforce.mode == "enforce"


def test_off_by_default_and_when_disabled() -> None:
    assert parse_config({}).demand_control is None
    assert parse_config(_section(enabled=False)).demand_control is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (_section(mode="strict"), "demand_control.mode: expected measure or enforce"),
        (_section(mode=None), "demand_control.mode: required"),
        (_section(enabled="yes"), "demand_control.enabled: expected true or false"),
        (_section(strategy=None), "demand_control.strategy: required"),
        (
            _section(strategy={"dynamic": {}}),
            "demand_control.strategy.dynamic: unknown key",
        ),
        (
            _section(strategy={"static_estimated": {"max": 10}}),
            "demand_control.strategy.static_estimated.list_size: required",
        ),
        (
            _section(strategy={"static_estimated": {"list_size": -1, "max": 10}}),
            "demand_control.strategy.static_estimated.list_size: expected 0 to",
        ),
        (
            _section(strategy={"static_estimated": {"list_size": 2**32, "max": 10}}),
            "demand_control.strategy.static_estimated.list_size: expected 0 to",
        ),
        (
            _section(strategy={"static_estimated": {"list_size": 1, "max": "lots"}}),
            "demand_control.strategy.static_estimated.max: expected a number >= 0",
        ),
        (
            _section(strategy={"static_estimated": {"list_size": 1, "max": 1, "min": 0}}),
            "demand_control.strategy.static_estimated.min: unknown key",
        ),
        (_section(budget=1), "demand_control.budget: unknown key"),
        # Checked even when disabled, as Apollo does.
        (_section(enabled=False, mode="fast"), "demand_control.mode: expected measure"),
    ],
)
def test_bad_values_name_the_key(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        parse_config(raw)
