"""The GraphiQL page, with its assets from a CDN (default) or a local folder (offline).

A local folder has the npm layout of `npm install graphiql@3 react@18 react-dom@18`
(its `node_modules`); only the four files below are ever served from it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

# Asset name -> path inside node_modules (and on the CDN, with the pinned versions).
ASSETS: Mapping[str, str] = {
    "react.production.min.js": "react/umd/react.production.min.js",
    "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
    "graphiql.min.js": "graphiql/graphiql.min.js",
    "graphiql.min.css": "graphiql/graphiql.min.css",
}
CDN_VERSIONS: Mapping[str, str] = {"react": "18.3.1", "react-dom": "18.3.1", "graphiql": "3.8.3"}
LOCAL_PREFIX = "/graphiql/"


class MissingAsset(ValueError):
    """The local folder lacks one of GraphiQL's files."""


def local_assets(folder: str | Path) -> dict[str, Path]:
    """Name -> file, checked at start-up so a bad folder fails fast."""
    files = {name: Path(folder) / relative for name, relative in ASSETS.items()}
    for name, path in files.items():
        if not path.is_file():
            raise MissingAsset(
                f"{folder}: {ASSETS[name]} is missing (npm install graphiql@3 react@18 react-dom@18)"
            )
    return files


def _cdn_url(name: str) -> str:
    package, _, rest = ASSETS[name].partition("/")
    return f"https://unpkg.com/{package}@{CDN_VERSIONS[package]}/{rest}"


def graphiql_html(*, local: bool, client_name_header: str) -> str:
    def url(name: str) -> str:
        return LOCAL_PREFIX + name if local else _cdn_url(name)

    # A CDN needs crossorigin (and gets subresource isolation); same-origin does not.
    cross = "" if local else " crossorigin"
    # GraphiQL names itself, so a safelisting router can allow it as a free-form client.
    headers = json.dumps({client_name_header: "graphiql"}).replace("<", "\\u003c")
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>GraphiQL</title>
  <style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>
  <link rel="stylesheet" href="{url("graphiql.min.css")}">
</head>
<body>
  <div id="graphiql">Loading GraphiQL...</div>
  <script{cross} src="{url("react.production.min.js")}"></script>
  <script{cross} src="{url("react-dom.production.min.js")}"></script>
  <script{cross} src="{url("graphiql.min.js")}"></script>
  <script>
    const fetcher = GraphiQL.createFetcher({{ url: window.location.pathname, headers: {headers} }});
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, {{ fetcher, defaultEditorToolsVisibility: true }})
    );
  </script>
</body>
</html>
"""
