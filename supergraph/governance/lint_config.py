"""The lint configuration: each rule's severity, options and ignored coordinates.

    rules:
      descriptions: {severity: warning, kinds: [types, fields, arguments]}
      paginated-lists:
        ignore: [Order.items]     # fnmatch patterns over schema coordinates
      no-get-prefix: off
    ignore: [Legacy*]             # every rule

A rule's entry is a severity (`error`, `warning`, `off`) or a mapping with
`severity`, `ignore` and the rule's own options. Unknown rules and options are
errors, so a typo never silently turns a rule off.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import yaml

from .lint_rules import RULES, RULES_BY_ID, Rule, Severity

SEVERITIES: tuple[Severity, ...] = ("error", "warning", "off")


class LintConfigError(ValueError):
    """The configuration is not valid; the message names the key."""


@dataclass(frozen=True, slots=True)
class RuleSettings:
    rule: Rule
    severity: Severity
    options: Mapping[str, Any]
    ignore: tuple[str, ...] = ()

    def ignores(self, coordinate: str) -> bool:
        return any(fnmatch.fnmatchcase(coordinate, pattern) for pattern in self.ignore)


@dataclass(frozen=True, slots=True)
class LintConfig:
    rules: tuple[RuleSettings, ...] = field(
        default_factory=lambda: tuple(
            RuleSettings(rule, rule.severity, dict(rule.options)) for rule in RULES
        )
    )


def parse_lint_config(text: str) -> LintConfig:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise LintConfigError(f"not YAML: {error}") from None
    if data is None:
        return LintConfig()
    if not isinstance(data, dict):
        raise LintConfigError("the configuration is a mapping with `rules` and `ignore`")
    unknown = set(data) - {"rules", "ignore"}
    if unknown:
        raise LintConfigError(f"unknown key(s) {sorted(unknown)}: only `rules` and `ignore`")
    everywhere = _patterns(data.get("ignore", []), "ignore")
    entries = data.get("rules") or {}
    if not isinstance(entries, dict):
        raise LintConfigError("`rules` is a mapping of rule id to its settings")
    for rule_id in entries:
        if rule_id not in RULES_BY_ID:
            raise LintConfigError(
                f"rules.{rule_id}: no such rule (known: {', '.join(RULES_BY_ID)})"
            )
    return LintConfig(tuple(_settings(rule, entries.get(rule.id), everywhere) for rule in RULES))


def _settings(rule: Rule, entry: object, everywhere: tuple[str, ...]) -> RuleSettings:
    where = f"rules.{rule.id}"
    options = dict(rule.options)
    if entry is None:
        return RuleSettings(rule, rule.severity, options, everywhere)
    if entry is False:  # YAML reads a bare `off` as false
        entry = "off"
    if isinstance(entry, str):
        return RuleSettings(rule, _severity(entry, where), options, everywhere)
    if not isinstance(entry, dict):
        raise LintConfigError(f"{where}: a severity or a mapping")
    settings = cast(dict[str, Any], dict(entry))
    severity = settings.pop("severity", rule.severity)
    if severity is False:
        severity = "off"
    ignore = _patterns(settings.pop("ignore", []), f"{where}.ignore")
    for name, value in settings.items():
        if name not in rule.options:
            known = ", ".join(rule.options) or "none"
            raise LintConfigError(f"{where}.{name}: no such option (options: {known})")
        default = rule.options[name]
        if type(value) is not type(default) or (
            isinstance(default, list) and not all(isinstance(item, str) for item in value)
        ):
            raise LintConfigError(f"{where}.{name}: expected {type(default).__name__}")
        options[name] = value
    return RuleSettings(rule, _severity(severity, where), options, everywhere + ignore)


def _severity(value: object, where: str) -> Severity:
    for severity in SEVERITIES:
        if value == severity:
            return severity
    raise LintConfigError(f"{where}: severity is one of {', '.join(SEVERITIES)}, not {value!r}")


def _patterns(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise LintConfigError(f"{where}: a list of coordinate patterns")
    return tuple(value)
