"""GraphiQL's bundled files: served from the package, and a made-up name costs no memory."""

from __future__ import annotations

import gzip

from supergraph.http import graphiql
from supergraph.http.graphiql import LOCAL_PREFIX, manifest
from tests.http.edge import edge_client


async def test_unknown_asset_names_do_not_grow_the_asset_caches() -> None:
    """The name is the client's (the request path): only vendored files are cached."""
    _, assets = manifest()
    known = sorted(assets)[0]
    async with edge_client() as client:
        packed = await client.get(LOCAL_PREFIX + known, headers={"accept-encoding": "identity"})
        assert packed.status_code == 200
        assert packed.content == gzip.decompress((graphiql.BUNDLED / f"{known}.gz").read_bytes())
        for index in range(200):
            for encoding in ("gzip", "identity"):
                missing = await client.get(
                    f"{LOCAL_PREFIX}made-up-{index}.js", headers={"accept-encoding": encoding}
                )
                assert missing.status_code == 404
    assert graphiql._packed.cache_info().currsize <= len(assets)
    assert graphiql._unpacked.cache_info().currsize <= len(assets)


def test_the_page_names_its_client_on_the_subscription_socket_too() -> None:
    """The fetcher's `headers` go with HTTP requests only; the socket's
    `connection_init` payload is `wsConnectionParams` (the router reads it as headers)."""
    page = graphiql.graphiql_html(cdn=False, client_name_header="x-client")
    assert 'wsConnectionParams: {"x-client": "graphiql"}' in page
