"""The GraphiQL page and where its four files come from.

- `bundled` (the default): the files shipped inside this package
  (`graphiql_assets/`, gzip-compressed, vendored by scripts/vendor_graphiql.py with
  their licences), served under /graphiql/: GraphiQL works without internet.
- `cdn`: unpkg.com, pinned versions, each tag with its SRI `integrity` hash (the
  vendored files' SHA-384: the same bytes), so a changed CDN file is refused.
- a folder (`graphiql.assets_dir`) in npm's layout (`node_modules` of
  `npm install graphiql@3 react@18 react-dom@18`): only the four files are served.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

BUNDLED = Path(__file__).with_name("graphiql_assets")
LOCAL_PREFIX = "/graphiql/"


@dataclass(frozen=True, slots=True)
class Asset:
    package: str
    path: str
    """Inside the npm package."""
    integrity: str
    """SRI of the uncompressed file: sha384-<base64>."""


@cache
def manifest() -> tuple[Mapping[str, str], Mapping[str, Asset]]:
    """(package -> version, asset name -> Asset) of the vendored files."""
    raw = json.loads((BUNDLED / "manifest.json").read_text(encoding="utf-8"))
    assets = {name: Asset(**spec) for name, spec in raw["files"].items()}
    return raw["versions"], assets


class MissingAsset(ValueError):
    """The local folder lacks one of GraphiQL's files."""


def local_assets(folder: str | Path) -> dict[str, Path]:
    """Name -> file of an npm folder, checked at start-up so a bad folder fails fast."""
    _, assets = manifest()
    files = {name: Path(folder) / asset.package / asset.path for name, asset in assets.items()}
    for name, path in files.items():
        if not path.is_file():
            raise MissingAsset(
                f"{folder}: {assets[name].package}/{assets[name].path} is missing"
                " (npm install graphiql@3 react@18 react-dom@18)"
            )
    return files


def bundled_gzip(name: str) -> bytes | None:
    """The vendored file `name`, gzip-compressed as shipped; None when unknown."""
    _, assets = manifest()
    return _packed(name) if name in assets else None


def bundled_plain(name: str) -> bytes | None:
    """For the rare client that does not accept gzip."""
    _, assets = manifest()
    return _unpacked(name) if name in assets else None


# Cached per vendored file only: `name` comes from the request's path, so an unknown
# one must never become a key (the caches would grow with every name a client makes up).
@cache
def _packed(name: str) -> bytes:
    return (BUNDLED / f"{name}.gz").read_bytes()


@cache
def _unpacked(name: str) -> bytes:
    return gzip.decompress(_packed(name))


def cdn_url(name: str) -> str:
    versions, assets = manifest()
    asset = assets[name]
    return f"https://unpkg.com/{asset.package}@{versions[asset.package]}/{asset.path}"


GRAPHIQL_ACCEPT: Final = "application/json, multipart/mixed;deferSpec=20220824"
"""What the page's fetcher sends (its own default, `application/json, multipart/mixed`,
with the @defer format it merges: GraphiQL merges `incremental` items by `path`)."""


def graphiql_html(*, cdn: bool, client_name_header: str, base: str = "") -> str:
    """The page; `base` prefixes the local asset paths (the router's root path)."""
    _, assets = manifest()

    def attributes(name: str) -> str:
        if not cdn:
            return f'"{base}{LOCAL_PREFIX}{name}"'
        # A CDN file must be the reviewed one: the browser checks the hash.
        return f'"{cdn_url(name)}" integrity="{assets[name].integrity}" crossorigin="anonymous"'

    # GraphiQL names itself, so a safelisting router can allow it as a free-form client.
    # Its fetcher asks for a bare `multipart/mixed`, which names no incremental format
    # (406 for @defer): it reads Apollo's, so it says so.
    headers = json.dumps({client_name_header: "graphiql", "accept": GRAPHIQL_ACCEPT}).replace(
        "<", "\\u003c"
    )
    # The fetcher's `headers` never reach the socket: its `connection_init` payload is
    # `wsConnectionParams` with the header editor's entries spread over it (so a client
    # name typed there still wins); the router reads that payload as headers.
    socket_params = json.dumps({client_name_header: "graphiql"}).replace("<", "\\u003c")
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>GraphiQL</title>
  <style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>
  <link rel="stylesheet" href={attributes("graphiql.min.css")}>
</head>
<body>
  <div id="graphiql">Loading GraphiQL...</div>
  <script src={attributes("react.production.min.js")}></script>
  <script src={attributes("react-dom.production.min.js")}></script>
  <script src={attributes("graphiql.min.js")}></script>
  <script>
    // Subscriptions go over graphql-transport-ws to the same path (GraphiQL bundles
    // the graphql-ws client and opens the socket on the first subscription only).
    const socketUrl = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + location.pathname;
    const fetcher = GraphiQL.createFetcher({{
      url: location.pathname, subscriptionUrl: socketUrl, headers: {headers},
      wsConnectionParams: {socket_params}
    }});
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, {{ fetcher, defaultEditorToolsVisibility: true }})
    );
  </script>
</body>
</html>
"""
