"""Persisted queries at the edge: APQ (POST and GET), the manifest by hash and by
documentId, safelisting modes and the per-client rule."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests.http.edge import PREFLIGHT, edge_client

QUERY = "query Me { me { username } }"
LISTED = "query TopNames { topProducts { name } }"
ME = {"data": {"me": {"username": "ada"}}}
TOP = {"data": {"topProducts": [{"name": "P0"}, {"name": "P1"}, {"name": "P2"}]}}


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def apq(text: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256(text)}}


def _code(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


@pytest.fixture
def manifest(tmp_path: Path) -> str:
    path = tmp_path / "manifest.json"
    path.write_bytes(
        orjson.dumps(
            {
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [
                    {"id": "top-names", "name": "TopNames", "type": "query", "body": LISTED}
                ],
            }
        )
    )
    return str(path)


async def test_apq_round_trip_over_post() -> None:
    async with edge_client() as client:
        miss = await client.post("/graphql", json={"extensions": apq(QUERY)})
        assert miss.status_code == 200  # application/json: request errors are 200
        assert _code(miss) == "PERSISTED_QUERY_NOT_FOUND"
        register = await client.post("/graphql", json={"query": QUERY, "extensions": apq(QUERY)})
        assert register.json() == ME
        hit = await client.post("/graphql", json={"extensions": apq(QUERY)})
        assert hit.json() == ME
        metrics = (await client.get("/metrics")).text
    assert 'router_persisted_queries_total{result="hit"} 1.0' in metrics
    assert 'router_persisted_queries_total{result="miss"} 1.0' in metrics
    assert 'router_persisted_queries_total{result="registered"} 1.0' in metrics


async def test_apq_signals_are_200_whatever_the_accept_header() -> None:
    accept = {"accept": "application/graphql-response+json"}
    async with edge_client() as client:
        miss = await client.post("/graphql", json={"extensions": apq(QUERY)}, headers=accept)
    assert miss.status_code == 200
    assert miss.json() == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }
    async with edge_client({"persisted_queries": {"apq": False}}) as client:
        off = await client.post("/graphql", json={"extensions": apq(QUERY)}, headers=accept)
    assert off.status_code == 200
    assert off.json()["errors"][0]["message"] == "PersistedQueryNotSupported"


async def test_apq_round_trip_over_get() -> None:
    extensions = orjson.dumps(apq(QUERY)).decode()
    async with edge_client(headers=PREFLIGHT) as client:
        miss = await client.get("/graphql", params={"extensions": extensions})
        assert _code(miss) == "PERSISTED_QUERY_NOT_FOUND"
        register = await client.get("/graphql", params={"query": QUERY, "extensions": extensions})
        assert register.json() == ME
        hit = await client.get("/graphql", params={"extensions": extensions})
        assert hit.json() == ME
        mutation = 'mutation { addProduct(name: "x") { name } }'
        by_hash = orjson.dumps(apq(mutation)).decode()
        await client.post("/graphql", json={"query": mutation, "extensions": apq(mutation)})
        refused = await client.get("/graphql", params={"extensions": by_hash})
        assert refused.status_code == 405  # a registered mutation is still no GET


async def test_hash_mismatch_and_bad_versions() -> None:
    async with edge_client() as client:
        wrong = await client.post(
            "/graphql", json={"query": "{ me { id } }", "extensions": apq(QUERY)}
        )
        assert _code(wrong) == "PERSISTED_QUERY_HASH_MISMATCH"
        assert (await client.post("/graphql", json={"extensions": apq("{ me { id } }")})).json()[
            "errors"
        ][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"  # not stored
        version = {"persistedQuery": {"version": 2, "sha256Hash": sha256(QUERY)}}
        bad = await client.post("/graphql", json={"extensions": version})
        assert _code(bad) == "BAD_REQUEST"


async def test_apq_disabled() -> None:
    async with edge_client({"persisted_queries": {"apq": False}}) as client:
        response = await client.post("/graphql", json={"extensions": apq(QUERY)})
        assert _code(response) == "PERSISTED_QUERY_NOT_SUPPORTED"
        # Even with the query, as Apollo Router and Server answer: the client's
        # persisted-query link then switches APQ off and sends plain queries.
        both = await client.post("/graphql", json={"query": QUERY, "extensions": apq(QUERY)})
        assert _code(both) == "PERSISTED_QUERY_NOT_SUPPORTED"
        assert (await client.post("/graphql", json={"query": QUERY})).json() == ME


async def test_manifest_by_hash_and_by_document_id(manifest: str) -> None:
    config = {"persisted_queries": {"manifest": manifest, "apq": False}}
    async with edge_client(config, headers=PREFLIGHT) as client:
        by_id = await client.post("/graphql", json={"documentId": "top-names"})
        assert by_id.json() == TOP
        by_hash = await client.post("/graphql", json={"extensions": apq(LISTED)})
        assert by_hash.json() == TOP
        id_as_hash = {"persistedQuery": {"version": 1, "sha256Hash": "top-names"}}
        assert (await client.post("/graphql", json={"extensions": id_as_hash})).json() == TOP
        over_get = await client.get("/graphql", params={"documentId": "top-names"})
        assert over_get.json() == TOP
        unknown = await client.post(
            "/graphql",
            json={"documentId": "nope"},
            headers={"accept": "application/graphql-response+json"},
        )
        assert (unknown.status_code, _code(unknown)) == (400, "PERSISTED_QUERY_NOT_IN_LIST")
        unknown_hash = await client.post("/graphql", json={"extensions": apq(QUERY)})
        assert _code(unknown_hash) == "PERSISTED_QUERY_NOT_IN_LIST"


async def test_document_id_without_a_manifest() -> None:
    async with edge_client() as client:
        response = await client.post("/graphql", json={"documentId": "top-names"})
    assert _code(response) == "PERSISTED_QUERY_NOT_SUPPORTED"


def _enforce(manifest: str, **extra: Any) -> dict[str, Any]:
    return {"persisted_queries": {"manifest": manifest, "safelist": "enforce", **extra}}


async def test_enforce_refuses_free_form_operations(manifest: str) -> None:
    async with edge_client(_enforce(manifest)) as client:
        free_form = await client.post(
            "/graphql",
            json={"query": QUERY},
            headers={"accept": "application/graphql-response+json"},
        )
        assert free_form.status_code == 400
        [error] = free_form.json()["errors"]
        assert error["extensions"]["code"] == "QUERY_NOT_IN_SAFELIST"
        assert "persisted query list" in error["message"]
        # APQ cannot smuggle it in: registration is refused and nothing is stored.
        register = await client.post("/graphql", json={"query": QUERY, "extensions": apq(QUERY)})
        assert _code(register) == "QUERY_NOT_IN_SAFELIST"
        assert (
            _code(await client.post("/graphql", json={"extensions": apq(QUERY)}))
            == "PERSISTED_QUERY_NOT_FOUND"
        )
        # Listed operations run by id, and as free text when the body matches
        # (insignificant whitespace and commas aside).
        assert (await client.post("/graphql", json={"documentId": "top-names"})).json() == TOP
        reformatted = "query TopNames {\n  topProducts { name, }\n}"
        assert (await client.post("/graphql", json={"query": reformatted})).json() == TOP


async def test_per_client_rule(manifest: str) -> None:
    config = _enforce(manifest, free_form_clients=["web"])
    async with edge_client(config) as client:
        web = await client.post(
            "/graphql", json={"query": QUERY}, headers={"apollographql-client-name": "web"}
        )
        assert web.json() == ME
        partner = await client.post(
            "/graphql", json={"query": QUERY}, headers={"apollographql-client-name": "partner"}
        )
        assert _code(partner) == "QUERY_NOT_IN_SAFELIST"
        anonymous = await client.post("/graphql", json={"query": QUERY})
        assert _code(anonymous) == "QUERY_NOT_IN_SAFELIST"
        # The web app's APQ registrations do not open the operation to partners.
        await client.post(
            "/graphql",
            json={"query": QUERY, "extensions": apq(QUERY)},
            headers={"apollographql-client-name": "web"},
        )
        by_hash = await client.post(
            "/graphql",
            json={"extensions": apq(QUERY)},
            headers={"apollographql-client-name": "partner"},
        )
        assert _code(by_hash) == "QUERY_NOT_IN_SAFELIST"


async def test_log_mode_runs_and_logs(manifest: str, caplog: pytest.LogCaptureFixture) -> None:
    config = {"persisted_queries": {"manifest": manifest, "safelist": "log"}}
    with caplog.at_level(logging.WARNING, logger="supergraph.pipeline.persisted.resolve"):
        async with edge_client(config) as client:
            response = await client.post("/graphql", json={"query": QUERY, "operationName": "Me"})
            listed = await client.post("/graphql", json={"query": LISTED})
    assert response.json() == ME
    assert listed.json() == TOP
    [record] = caplog.records
    assert "'Me'" in record.getMessage()
    assert "not in the persisted query list" in record.getMessage()
