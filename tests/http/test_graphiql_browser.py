"""GraphiQL in a real browser: headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright) opens GraphiQL from our router with every request off loopback blocked (a
machine without internet), runs a query and sees the result: with the default
configuration (the assets shipped in the package) and with a local npm folder.
Screenshots: tests/artifacts/graphiql-bundled.png and tests/artifacts/graphiql.png.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Route, async_playwright

from tests.http.edge import edge_app
from tests.http.loopback import serve

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "tests" / "node" / "node_modules"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.node


async def offline(route: Route) -> None:
    """Let requests to loopback through, abort the rest (a machine without internet)."""
    host = urlsplit(route.request.url).hostname
    if host == "127.0.0.1":
        await route.continue_()
    else:
        await route.abort()


@pytest.fixture
def screenshot() -> Path:
    """Where the screenshot goes; fails (never skips) when the browser or assets are missing."""
    assert CHROMIUM.exists(), "run scripts/ensure-debian-packages.sh (Debian chromium)"
    assert (NODE_MODULES / "graphiql").is_dir(), "run `make node-peers`"
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / "graphiql.png"


@pytest.fixture
def bundled_screenshot() -> Path:
    """The default set-up needs only the browser (no npm folder)."""
    assert CHROMIUM.exists(), "run scripts/ensure-debian-packages.sh (Debian chromium)"
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / "graphiql-bundled.png"


async def test_graphiql_from_the_package_runs_a_query_offline(bundled_screenshot: Path) -> None:
    """The default: nothing configured, no npm folder, no network."""
    loaded = await _run_a_query(edge_app(), bundled_screenshot)
    assert {"graphiql.min.js", "graphiql.min.css", "react.production.min.js"} <= loaded


async def test_graphiql_runs_a_query_offline(screenshot: Path) -> None:
    app = edge_app({"graphiql": {"assets_dir": str(NODE_MODULES)}})
    await _run_a_query(app, screenshot)


async def _run_a_query(app: object, screenshot: Path) -> set[str]:
    """Open GraphiQL with the network blocked, run a query; the asset names loaded."""
    async with serve(app) as base, async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            page = await browser.new_page(viewport={"width": 1400, "height": 900})
            blocked: list[str] = []
            loaded: set[str] = set()
            page.on("requestfailed", lambda request: blocked.append(request.url))
            page.on(
                "requestfinished",
                lambda request: loaded.add(urlsplit(request.url).path.rsplit("/", 1)[-1]),
            )
            await page.route("**/*", offline)
            await page.goto(f"{base}/graphql")
            editor = page.locator(".graphiql-query-editor .CodeMirror")
            await editor.wait_for(timeout=30_000)
            await page.evaluate(
                """document.querySelector('.graphiql-query-editor .CodeMirror')
                   .CodeMirror.setValue('{ me { username } topProducts(first: 2) { name } }')"""
            )
            await page.locator(".graphiql-execute-button").click()
            response = page.locator(".graphiql-response")
            await response.get_by_text('"username": "ada"').wait_for(timeout=30_000)
            text = await response.inner_text()
            assert '"name": "P1"' in text
            # The schema arrived (introspection), so the docs explorer shows the root types.
            await page.get_by_label("Show Documentation Explorer").click()
            await page.locator(".graphiql-doc-explorer").get_by_text("Query").first.wait_for()
            await page.screenshot(path=str(screenshot))
            assert blocked == []  # nothing needed the network beyond our router
        finally:
            await browser.close()
    return loaded
