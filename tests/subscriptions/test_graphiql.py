"""GraphiQL, served by the router, in headless Chromium (as tests/http/test_graphiql_browser.py,
network off loopback blocked) runs streamed operations and shows them: a subscription
(GraphiQL speaks graphql-transport-ws to the router's own URL), each new event replacing
the shown result; and a @defer query, whose fast part is shown while the slow subgraph
still holds the deferred one. Screenshots: tests/artifacts/graphiql-subscription.png,
tests/artifacts/graphiql-defer.png."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Page, async_playwright

from tests.defer.stack import defer_stack
from tests.http.test_graphiql_browser import ARTIFACTS, CHROMIUM, FLAGS, offline
from tests.subscriptions.stack import stack
from tests.subscriptions.test_subscriptions import closed_upstream

pytestmark = pytest.mark.node

SUBSCRIPTION = """subscription {
  orderStatusChanged(orderId: "1") { id status product { name inStock } user { name } }
}"""
DEFER = """{ products { upc name ... @defer(label: "stock") { inStock } } }"""


@asynccontextmanager
async def graphiql(url: str, query: str) -> AsyncIterator[Page]:
    """GraphiQL's page at `url` with `query` in its editor from the start (GraphiQL
    restores the last query from localStorage: parsed at load, so the run button sees
    a subscription as one; a value set after load races GraphiQL's own parsing), loaded
    and ready; fails if a request left loopback."""
    assert CHROMIUM.exists(), "run scripts/ensure-debian-packages.sh (Debian chromium)"
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            page = await browser.new_page(viewport={"width": 1400, "height": 900})
            blocked: list[str] = []
            # Off-loopback requests only: GraphiQL may abort one of its own to the router.
            page.on(
                "requestfailed",
                lambda request: (
                    blocked.append(request.url)
                    if urlsplit(request.url).hostname != "127.0.0.1"
                    else None
                ),
            )
            await page.route("**/*", offline)
            await page.add_init_script(
                f"localStorage.setItem('graphiql:query', {json.dumps(query)})"
            )
            await page.goto(url)
            editor = page.locator(".graphiql-query-editor .CodeMirror")
            await editor.wait_for(timeout=30_000)
            assert await editor.evaluate("node => node.CodeMirror.getValue()") == query
            yield page
            assert blocked == []
        finally:
            await browser.close()


async def run(page: Page) -> None:
    await page.locator(".graphiql-execute-button").click()


async def shown(page: Page, text: str) -> str:
    """The response pane's text once it shows `text`."""
    response = page.locator(".graphiql-response")
    await response.get_by_text(text).first.wait_for(timeout=30_000)
    return await response.inner_text()


async def test_graphiql_runs_a_subscription_and_shows_each_event() -> None:
    async with stack() as running, graphiql(f"{running.url}/graphql", SUBSCRIPTION) as page:
        sent: list[str] = []
        page.on(
            "websocket",
            lambda socket: socket.on(
                "framesent", lambda frame: sent.append(frame if isinstance(frame, str) else "")
            ),
        )
        await run(page)
        first = await shown(page, '"status": "PLACED"')
        # Fields from the three subgraphs: orders, products, accounts.
        assert '"name": "Product p1"' in first and '"inStock": true' in first
        assert '"name": "User u1"' in first
        assert running.feed.open == 1
        # The socket names GraphiQL as its client, as its HTTP requests do.
        init = next(json.loads(f) for f in sent if '"connection_init"' in f)
        assert init["payload"] == {"apollographql-client-name": "graphiql"}
        await running.feed.set("1", "SHIPPED")
        second = await shown(page, '"status": "SHIPPED"')
        assert '"status": "PLACED"' not in second and '"name": "User u1"' in second
        await page.screenshot(path=str(ARTIFACTS / "graphiql-subscription.png"))
        # The execute button now stops the subscription: the router closes the upstream.
        await page.locator(".graphiql-execute-button").click()
        await closed_upstream(running)
        assert running.feed.opened == 1


async def test_graphiql_shows_the_fast_part_of_a_deferred_query_first() -> None:
    async with defer_stack() as stack, graphiql(stack.url, DEFER) as page:
        stack.control.gate.clear()  # inventory holds its answer
        await run(page)
        first = await shown(page, '"name": "Product p3"')
        assert '"upc": "p1"' in first and "inStock" not in first
        assert stack.control.held == 3
        stack.control.gate.set()
        merged = await shown(page, '"inStock": false')
        assert merged.count('"inStock": true') == 2 and '"name": "Product p1"' in merged
        await page.screenshot(path=str(ARTIFACTS / "graphiql-defer.png"))
        assert stack.control.requests == {"products": 1, "inventory": 1}
