"""`${env.NAME}` and `${env.NAME:-default}` in router.yaml values (secrets stay out of files).

Expanded after YAML parsing, so an error names the key whose value refers to a
missing variable; a value that is exactly one placeholder is re-read as YAML,
so `max_depth: ${env.MAX_DEPTH}` becomes a number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import yaml

_PLACEHOLDER = re.compile(r"\$\{env\.([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class EnvError(ValueError):
    """A placeholder names an unset variable and has no default."""


def expand(value: object, env: Mapping[str, str], where: str = "") -> object:
    if isinstance(value, dict):
        return {k: expand(v, env, f"{where}.{k}" if where else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v, env, f"{where}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, str) or "${env." not in value:
        return value
    whole = _PLACEHOLDER.fullmatch(value)
    text = _PLACEHOLDER.sub(lambda match: _lookup(match, env, where), value)
    if whole is not None:
        try:
            return yaml.safe_load(text) if text else text
        except yaml.YAMLError:
            return text
    return text


def _lookup(match: re.Match[str], env: Mapping[str, str], where: str) -> str:
    name, default = match.group(1), match.group(2)
    if name in env:
        return env[name]
    if default is not None:
        return default
    raise EnvError(f"{where}: environment variable {name} is not set (and no ':-default')")
