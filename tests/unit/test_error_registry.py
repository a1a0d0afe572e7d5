"""The error registry (supergraph/errors.py) is complete, and docs/errors.md is its table.

Every `extensions.code` the router emits must be a constant of the registry: a code
spelled out anywhere else in the router's source (a literal, or a local constant)
fails here, as does an uppercase literal that is neither a registered code nor known
to be something else (an environment variable, an exported name).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from supergraph import errors
from supergraph.errors import CODES, REGISTRY, markdown

REPO = Path(__file__).resolve().parents[2]
UPPERCASE = re.compile(r"^[A-Z][A-Z0-9_]+$")
CODE_LIKE = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
"""Words joined by underscores: what a new code would look like (one word, such as
UNAUTHENTICATED, would be too, but so are POST and HS256)."""

NOT_CODES = {
    # exported names (`__all__`)
    "NO_REQUIREMENTS",
    "INTROSPECTION_MIN_BYTES",
    "MAX_RECURSION",
    "DEFAULT_MAX_STEPS",
    # environment variables
    "PROMETHEUS_MULTIPROC_DIR",
    "SUBGRAPHS_IDENTITY_PUBLIC_KEY_FILE",
    "SUBGRAPHS_REQUIRE_IDENTITY",
    "SUPERGRAPH_DEV_KEY",
    "SUPERGRAPH_ENV",
    "SUPERGRAPH_PURE_PYTHON",  # compiled.py: the pure modules beside a mypyc build
    "SUPERGRAPH_COMPILED_DIR",
    "EXT_SUFFIX",  # sysconfig's extension-module suffix
    "SUPERGRAPH_REGISTRY",
    "NATS_URL",
    "SUBGRAPHS_DATA_DIR",
    # demand control's result of an operation within budget (Apollo's `cost.result`)
    "COST_OK",
    # logging and the admin listener (docs/observability.md)
    "SUPERGRAPH_LOG_FORMAT",
    "SUPERGRAPH_LOG_LEVEL",
    "SUPERGRAPH_ADMIN_LISTEN",
    # the OpenTelemetry SDK's environment variables (supergraph/telemetry/settings.py)
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
    "OTEL_SERVICE_NAME",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
    "OTEL_SDK_DISABLED",
    "OTEL_TRACES_EXPORTER",
    "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
    "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
    "OTEL_METRICS_EXPORTER",
    "OTEL_METRIC_EXPORT_INTERVAL",
}
"""Uppercase string literals of the router's source that are not error codes."""

# Composition's codes describe a broken subgraph schema to `supergraph compose`, and
# governance's the schema changes `supergraph check` reports; they never reach a
# GraphQL response.
NOT_SCANNED = ("supergraph/compose/", "supergraph/governance/", "supergraph/errors.py")


def _literals() -> list[tuple[str, int, str]]:
    found = []
    for root in ("supergraph", "auth"):
        for path in sorted((REPO / root).rglob("*.py")):
            relative = path.relative_to(REPO).as_posix()
            if relative.startswith(NOT_SCANNED):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                value = node.value if isinstance(node, ast.Constant) else None
                if isinstance(value, str) and UPPERCASE.match(value):
                    found.append((relative, node.lineno, value))
    return found


def test_codes_are_spelled_out_only_in_the_registry() -> None:
    elsewhere = [f"{path}:{line} {code}" for path, line, code in _literals() if code in REGISTRY]
    assert elsewhere == [], "use the constant from supergraph/errors.py"


def test_every_code_like_literal_is_registered_or_known_not_to_be_a_code() -> None:
    unknown = [
        f"{path}:{line} {code}"
        for path, line, code in _literals()
        if CODE_LIKE.match(code) and code not in REGISTRY and code not in NOT_CODES
    ]
    assert unknown == [], "an error code belongs in supergraph/errors.py (else in NOT_CODES)"


def test_every_constant_of_the_registry_has_an_entry_and_every_entry_a_constant() -> None:
    constants = {
        name: value
        for name, value in vars(errors).items()
        if UPPERCASE.match(name) and isinstance(value, str) and value == name
    }
    assert sorted(constants) == sorted(REGISTRY)
    assert len(CODES) == len(REGISTRY)  # no code twice
    for entry in CODES:
        assert entry.status and entry.stage and entry.meaning.endswith("."), entry.code


def test_every_registered_code_is_used_by_the_router() -> None:
    """The registry lists what the router emits, not codes it once had."""
    sources = "\n".join(
        path.read_text(encoding="utf-8")
        for root in ("supergraph", "auth")
        for path in (REPO / root).rglob("*.py")
        if path.relative_to(REPO).as_posix() != "supergraph/errors.py"
    )
    unused = [code for code in REGISTRY if not re.search(rf"\b{code}\b", sources)]
    assert unused == []


def test_the_committed_list_is_the_generated_one() -> None:
    committed = (REPO / "docs" / "errors.md").read_text(encoding="utf-8")
    assert committed == markdown(), (
        "docs/errors.md is stale: python -m supergraph.errors --markdown > docs/errors.md"
    )


def test_the_internal_error_body_is_fresh_and_carries_only_the_code() -> None:
    body = errors.internal_error_body()
    assert body == {
        "errors": [
            {"message": "Internal server error", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
        ]
    }
    assert errors.internal_error_body() is not body
