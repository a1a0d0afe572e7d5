"""router.yaml `demand_control`, in Apollo Router's shape:

    demand_control:
      enabled: true
      mode: measure            # or enforce
      strategy:
        static_estimated:
          list_size: 10        # the length assumed for a list without @listSize
          max: 1000            # the largest estimated cost accepted (enforce)

As in Apollo, `enabled`, `mode` and the strategy's `list_size` and `max` are required
when the section is present; `enabled: false` checks them and turns the feature off.
"""

from __future__ import annotations

from collections.abc import Mapping

from supergraph.http import config_values as v
from supergraph.http.config_values import ConfigError
from supergraph.pipeline.demand_control import DemandControlOptions, Mode

MAX_LIST_SIZE = 2**32 - 1
"""Apollo's `list_size` is a u32."""

_MODES: dict[str, Mode] = {"measure": "measure", "enforce": "enforce"}


def parse_demand_control(top: Mapping[str, object]) -> DemandControlOptions | None:
    if top.get("demand_control") is None:
        return None
    section = v.section(top, "demand_control", {"enabled", "mode", "strategy"})
    where = "demand_control."
    enabled = v.boolean(_required(section, "enabled", where), f"{where}enabled")
    mode = _MODES.get(str(_required(section, "mode", where)))
    if mode is None:
        raise ConfigError(f"{where}mode: expected measure or enforce, got {section['mode']!r}")
    strategy = v.mapping(_required(section, "strategy", where), f"{where}strategy")
    v.only(strategy, {"static_estimated"}, f"{where}strategy.")
    where += "strategy.static_estimated."
    static = v.mapping(
        _required(strategy, "static_estimated", "demand_control.strategy."), where[:-1]
    )
    v.only(static, {"list_size", "max"}, where)
    list_size = _required(static, "list_size", where)
    if (
        isinstance(list_size, bool)
        or not isinstance(list_size, int)
        or not 0 <= list_size <= MAX_LIST_SIZE
    ):
        raise ConfigError(f"{where}list_size: expected 0 to {MAX_LIST_SIZE}, got {list_size!r}")
    maximum = _required(static, "max", where)
    if isinstance(maximum, bool) or not isinstance(maximum, int | float) or maximum < 0:
        raise ConfigError(f"{where}max: expected a number >= 0, got {maximum!r}")
    if not enabled:
        return None
    return DemandControlOptions(mode, list_size, float(maximum))


def _required(section: Mapping[str, object], key: str, where: str) -> object:
    if section.get(key) is None:
        raise ConfigError(f"{where}{key}: required")
    return section[key]
