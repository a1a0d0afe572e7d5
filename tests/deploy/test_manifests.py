"""deploy/: the Dockerfile and the Kubernetes manifests agree with the code and the contract.

No cluster or Docker daemon runs here, so the manifests are checked for what can
break them: the container commands parse with our own CLIs, Services reach the
ports the containers listen on, probes hit `/health`, every subgraph of
`schema.graphql` has a Deployment at the URL the router is configured with, and
the router's production `router.yaml` loads and serves (real process, real Redis).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)

from subgraphs import registry
from subgraphs.__main__ import build_parser as subgraphs_parser
from supergraph.__main__ import build_parser as supergraph_parser
from supergraph.http.config import load_config
from supergraph.http.server import build_app
from supergraph.http.telemetry_config import DEFAULT_ADMIN_LISTEN
from supergraph.schema import load_supergraph
from tests.kit.processes import OurRouter, free_port

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
K8S = DEPLOY / "k8s"
SUPERGRAPH_SDL = REPO / "schema.graphql"
IMAGE_UID = 10001
ENV_PLACEHOLDER = re.compile(r"\$\{env\.([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}")

Doc = dict[str, Any]


def _documents() -> list[Doc]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    documents: list[Doc] = []
    for resource in kustomization["resources"]:
        documents += [d for d in yaml.safe_load_all((K8S / resource).read_text()) if d]
    return documents


def _of_kind(kind: str) -> list[Doc]:
    return [d for d in _documents() if d["kind"] == kind]


def _deployment(name: str) -> Doc:
    (found,) = [d for d in _of_kind("Deployment") if d["metadata"]["name"] == name]
    return found


def _container(deployment: Doc) -> Doc:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    result: Doc = container
    return result


def _env_names(container: Doc) -> set[str]:
    return {entry["name"] for entry in container.get("env", [])}


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_kustomization_files_exist() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    for resource in kustomization["resources"]:
        assert (K8S / resource).is_file(), resource
    for generator in kustomization["configMapGenerator"]:
        for entry in generator["files"]:
            assert (K8S / entry.split("=", 1)[-1]).is_file(), entry


def test_every_service_reaches_a_container_port_and_its_pods() -> None:
    workloads = {d["metadata"]["name"]: d for d in _of_kind("Deployment") + _of_kind("StatefulSet")}
    services = _of_kind("Service")
    # A StatefulSet's headless Service (its `serviceName`) serves the same pods.
    headless = {d["spec"]["serviceName"]: d["metadata"]["name"] for d in _of_kind("StatefulSet")}
    assert {s["metadata"]["name"] for s in services} == set(workloads) | set(headless)
    for service in services:
        name = service["metadata"]["name"]
        deployment = workloads[headless.get(name, name)]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= labels.items()
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
        ports = {p["name"]: p["containerPort"] for p in _container(deployment)["ports"]}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports
            assert port["port"] == ports[port["targetPort"]]


def test_probes_use_health_and_pods_run_as_the_image_user() -> None:
    for deployment in _of_kind("Deployment"):
        container = _container(deployment)
        if deployment["metadata"]["name"] == "router":
            # The router's probes and scrapes go to its admin listener (health_check.listen).
            ports = {p["name"]: p["containerPort"] for p in container["ports"]}
            assert ports["admin"] == 8088
            assert container["livenessProbe"]["httpGet"] == {"path": "/health", "port": "admin"}
            ready = container["readinessProbe"]["httpGet"]
            assert ready == {"path": "/health/ready", "port": "admin"}
            annotations = deployment["spec"]["template"]["metadata"]["annotations"]
            assert annotations["prometheus.io/port"] == "8088"
        else:
            for probe in ("readinessProbe", "livenessProbe"):
                assert container[probe]["httpGet"] == {"path": "/health", "port": "http"}
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] == IMAGE_UID
        assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_dockerfile_user_command_and_sources() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert f"USER {IMAGE_UID}" in dockerfile
    for source in re.findall(r"^COPY (?!--from)(\S+)", dockerfile, flags=re.MULTILINE):
        assert (REPO / source).exists(), source
    (cmd,) = re.findall(r"^CMD (\[.*\])$", dockerfile, flags=re.MULTILINE)
    argv = yaml.safe_load(cmd)
    assert argv[0] == "supergraph"
    args = supergraph_parser().parse_args(argv[1:])
    assert (args.command, args.host, args.port) == ("serve", "0.0.0.0", 4000)
    assert args.supergraph == "/app/schema.graphql"
    assert "COPY schema.graphql /app/schema.graphql" in dockerfile
    (exposed,) = re.findall(r"^EXPOSE (.*)$", dockerfile, flags=re.MULTILINE)
    admin_port = DEFAULT_ADMIN_LISTEN.rsplit(":", 1)[1]
    assert admin_port in exposed.split()  # the admin listener's port, as Apollo's 8088


def test_subgraph_deployments_cover_the_supergraph_on_the_contract_ports() -> None:
    supergraph = load_supergraph(SUPERGRAPH_SDL.read_text())
    config = yaml.safe_load((K8S / "router-config.yaml").read_text())
    for name in supergraph.subgraphs:
        container = _container(_deployment(name))
        args = subgraphs_parser().parse_args(container["args"][1:])
        assert container["args"][0] == "subgraphs"
        assert (args.command, args.name, args.host) == ("serve", name, "0.0.0.0")
        assert args.port == registry.get(name).default_port
        assert config["override_subgraph_url"][name] == f"http://{name}:{args.port}/graphql"
        env = _env_names(container)
        assert {"DATABASE_URL", "SUBGRAPHS_REQUIRE_IDENTITY"} <= env
        assert "SUBGRAPHS_IDENTITY_PUBLIC_KEY_FILE" in env


def test_the_eventing_subgraphs_reach_the_nats_cluster_with_jetstream() -> None:
    (nats,) = _of_kind("StatefulSet")
    container = _container(nats)
    assert "--jetstream" in container["args"]
    replicas = nats["spec"]["replicas"]
    routes = next(a for a in container["args"] if a.startswith("--routes="))
    cluster = nats["spec"]["serviceName"]
    assert routes.count(f".{cluster}:6222") == replicas
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert "/data" in mounts and "--store_dir=/data" in container["args"]
    eventing = {"products", "reviews", "inventory", "orders"}
    for name in eventing:
        env = {e["name"]: e.get("value") for e in _container(_deployment(name))["env"]}
        assert env["NATS_URL"] == "nats://nats:4222", name
        assert env["EVENTS_STREAM_REPLICAS"] == str(replicas), name
    assert "NATS_URL" not in _env_names(_container(_deployment("accounts")))


def test_router_command_and_environment_match_its_config() -> None:
    container = _container(_deployment("router"))
    assert container["args"][0] == "supergraph"
    args = supergraph_parser().parse_args(container["args"][1:])
    assert (args.command, args.host, args.port) == ("serve", "0.0.0.0", 4000)
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert Path(args.config).parent == Path(mounts["config"])
    # Every ${env.X} without a default must be set, or the router refuses to start.
    text = (K8S / "router-config.yaml").read_text()
    values = " ".join(_strings(yaml.safe_load(text)))
    required = {name for name, default in ENV_PLACEHOLDER.findall(values) if not default}
    assert required <= _env_names(container), required - _env_names(container)
    key_file = re.search(r"private_key_file: \$\{env\.\w+:-(\S+)\}", text)
    assert key_file is not None
    assert Path(key_file.group(1)).parent == Path(mounts["identity"])


@pytest.fixture
def production_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Mapping[str, str]]:
    key = Ed25519PrivateKey.generate().private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
    )
    key_file = tmp_path / "identity-private.pem"
    key_file.write_bytes(key)
    env = {
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "AUTH_ISSUER": "https://id.example.com/",
        "AUTH_AUDIENCE": "api.example.com",
        "AUTH_JWKS_URL": "http://127.0.0.1:9/.well-known/jwks.json",
        "ROUTER_IDENTITY_KEY_FILE": str(key_file),
        "SUPERGRAPH_ENV": "production",
        "ROUTER_ADMIN_LISTEN": f"127.0.0.1:{free_port()}",  # 0.0.0.0:8088 in the pod
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    yield env


def test_production_router_config_loads_and_builds(production_env: Mapping[str, str]) -> None:
    config = load_config(K8S / "router-config.yaml", env=production_env)
    assert config.warnings == ()  # Apollo Router's keys only, none deprecated
    assert config.introspection is False
    assert config.mask_subgraph_errors is True
    assert config.subgraph_timeout == 10.0
    assert config.persisted_queries.redis_url == production_env["REDIS_URL"]
    build_app(SUPERGRAPH_SDL.read_text(), config)


class _ConfiguredRouter(OurRouter):
    def __init__(self, supergraph: Path, config: Path, log_path: Path) -> None:
        super().__init__(supergraph, log_path)
        self.argv += ["--config", str(config)]


@pytest.mark.redis
def test_production_router_serves_with_that_config(
    production_env: Mapping[str, str], tmp_path: Path
) -> None:
    config = K8S / "router-config.yaml"
    with _ConfiguredRouter(SUPERGRAPH_SDL, config, tmp_path / "router.log") as router:
        assert httpx.get(router.url.replace("/graphql", "/health")).json() == {"status": "UP"}
        admin = f"http://{production_env['ROUTER_ADMIN_LISTEN']}"
        assert httpx.get(f"{admin}/health/ready").json() == {"status": "UP"}
        assert "router_requests_total" in httpx.get(f"{admin}/metrics").text
        refused = httpx.post(router.url, json={"query": "{ __schema { queryType { name } } }"})
        codes = [e["extensions"]["code"] for e in refused.json()["errors"]]
        assert codes == ["INTROSPECTION_DISABLED"]
        # APQ goes through the shared Redis: an unknown hash is a miss, not an error.
        miss = httpx.post(
            router.url,
            json={"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}},
        )
        assert miss.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        # The subgraphs' DNS names do not resolve here: a clean subgraph error, never a 500.
        failed = httpx.post(router.url, json={"query": '{ product(upc: "1") { upc } }'})
        assert failed.status_code == 200
        assert failed.json()["data"] == {"product": None}
        assert failed.json()["errors"][0]["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR"
    assert "Traceback" not in (tmp_path / "router.log").read_text()


def test_readme_documents_the_build_command() -> None:
    docs = (REPO / "docs" / "deploy.md").read_text()
    build = next(line for line in docs.splitlines() if "docker build" in line)
    argv = shlex.split(build.strip())
    assert argv[argv.index("-f") + 1] == "deploy/Dockerfile"
    assert argv[-1] == "."
