"""`supergraph config schema` / `validate`: the JSON Schema agrees with the parser key by
key, the repository's router.yaml and the documented reference are valid, and the
command checks files without starting (exit code, the key path in the message)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from supergraph.http.config import TOP_KEYS, ConfigError, parse_config
from supergraph.http.config_schema import TREE, Node, json_schema, leaves

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

# Not checked for a wrong type: free-form (ours, validated by auth/ with its own paths).
FREE = {
    "authentication.keys",
    "authentication.jwks",
    "authentication.issuer",
    "authentication.audience",
}
LEAVES = [(".".join(path), path, node) for path, node in leaves()]


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    """Per section, what makes a file valid around the one value under test (a
    section whose values are read only with another key)."""
    key = tmp_path_factory.mktemp("keys") / "identity.pem"
    private = ed25519.Ed25519PrivateKey.generate()
    key.write_bytes(private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    jwks = {"router": {"jwt": {"jwks": [{"url": "https://id.example.com/jwks.json"}]}}}
    cache = {
        "invalidation": {
            "events": {
                "urls": ["nats://127.0.0.1:4222"],
                "rules": [{"subject": "s", "type": "T", "key": {"id": "id"}}],
            }
        }
    }
    return {
        "persisted_queries": {"enabled": True, "local_manifests": ["m.json"]},
        "identity": {"private_key_file": str(key)},
        "authentication": jwks,
        "usage_reporting": {"store": "sqlite:///usage.db"},
        "response_cache": cache,
        "preview_entity_cache": cache,
        "demand_control": {
            "enabled": True,
            "mode": "measure",
            "strategy": {"static_estimated": {"list_size": 10, "max": 1000}},
        },
    }


def _put(raw: dict[str, object], parts: tuple[str, ...], value: object) -> dict[str, object]:
    current = raw
    for key in parts[:-1]:
        nxt = current.setdefault(key, {})
        assert isinstance(nxt, dict)
        current = nxt
    current[parts[-1]] = value
    return raw


def _wrong(node: Node) -> object:
    """A value no reading of `node` accepts."""
    if node.keys is not None or node.values is not None:
        return 5
    kind = json.dumps(node.kind)
    if node.items is not None or ('"array"' in kind and '"object"' not in kind):
        return 5
    if '"boolean"' in kind:
        return "yes"
    return {"not": "a value"}


def test_the_schema_is_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_top_level_keys_are_the_parsers() -> None:
    described = {name for name, node in (TREE.keys or {}).items() if node.deprecated is None}
    assert described == TOP_KEYS


@pytest.mark.parametrize(
    ("path", "parts", "node"),
    [leaf for leaf in LEAVES if leaf[0] not in FREE],
    ids=[leaf[0] for leaf in LEAVES if leaf[0] not in FREE],
)
def test_a_wrong_value_is_refused_naming_its_key(
    path: str, parts: tuple[str, ...], node: Node, context: dict[str, dict[str, object]]
) -> None:
    raw: dict[str, object] = {}
    if parts[0] in context and len(parts) > 1:
        raw[parts[0]] = json.loads(json.dumps(context[parts[0]]))
    _put(raw, parts, _wrong(node))
    with pytest.raises(ConfigError) as refused:
        parse_config(raw)
    named = node.deprecated.split(" ")[0] if node.deprecated else path
    assert path in str(refused.value) or named in str(refused.value), str(refused.value)
    assert not VALIDATOR.is_valid(raw)


DEFAULTS = [leaf for leaf in LEAVES if leaf[2].default is not None and not leaf[2].deprecated]


@pytest.mark.parametrize(("path", "parts", "node"), DEFAULTS, ids=[d[0] for d in DEFAULTS])
def test_each_documented_default_is_accepted(
    path: str, parts: tuple[str, ...], node: Node, context: dict[str, dict[str, object]]
) -> None:
    raw: dict[str, object] = {}
    if parts[0] in context and parts[0] != "persisted_queries":
        raw[parts[0]] = json.loads(json.dumps(context[parts[0]]))
    _put(raw, parts, node.default)
    assert VALIDATOR.is_valid(raw), list(VALIDATOR.iter_errors(raw))
    parse_config(raw)


def test_the_repository_router_yaml_is_valid_and_production_safe() -> None:
    raw = yaml.safe_load((ROOT / "router.yaml").read_text())
    VALIDATOR.validate(raw)
    config = parse_config(raw, {"SUPERGRAPH_ENV": "production"})
    assert config.warnings == ()
    assert (config.listen.host, config.listen.port) == ("0.0.0.0", 4000)
    assert config.mask_subgraph_errors and not config.limits.introspection
    assert not config.graphiql.enabled


def test_the_kubernetes_router_config_is_valid() -> None:
    raw = yaml.safe_load((ROOT / "deploy" / "k8s" / "router-config.yaml").read_text())
    VALIDATOR.validate(raw)


def test_the_documented_reference_is_valid() -> None:
    text = (ROOT / "docs" / "router-config.md").read_text()
    reference = text.split("## Reference", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    raw = yaml.safe_load(reference)
    VALIDATOR.validate(raw)
    assert parse_config(raw).warnings == ()


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "supergraph", "config", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
        timeout=120,
    )


def test_validate_good_bad_and_deprecated_files(tmp_path: Path) -> None:
    good = _cli("validate", "router.yaml", "--supergraph", "schema.graphql")
    assert (good.returncode, good.stdout.strip()) == (0, "router.yaml: valid"), good.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("traffic_shaping:\n  all:\n    timeout: soon\n")
    refused = _cli("validate", str(bad))
    assert refused.returncode == 1
    assert "traffic_shaping.all.timeout: expected a positive duration" in refused.stderr
    old = tmp_path / "old.yaml"
    old.write_text("subgraph_timeout: 5\nlimits:\n  max_tokens: 100\n")
    warned = _cli("validate", str(old))
    assert warned.returncode == 0
    assert "subgraph_timeout is deprecated: use traffic_shaping.all.timeout" in warned.stderr
    assert "limits.max_tokens is deprecated: use limits.parser_max_tokens" in warned.stderr
    unknown_subgraph = tmp_path / "names.yaml"
    unknown_subgraph.write_text("override_subgraph_url:\n  acounts: http://x/graphql\n")
    names = _cli("validate", str(unknown_subgraph), "--supergraph", "schema.graphql")
    assert names.returncode == 1
    assert re.search(r"override_subgraph_url\.acounts: not a subgraph", names.stderr)
    assert _cli("validate", str(tmp_path / "missing.yaml")).returncode == 2


def test_schema_command_prints_the_schema() -> None:
    printed = _cli("schema")
    assert printed.returncode == 0
    assert json.loads(printed.stdout) == SCHEMA
