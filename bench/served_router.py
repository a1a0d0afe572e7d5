"""A router process for the in-process benchmarks (bench/defer.py, bench/subscriptions.py),
whose stub subgraphs run on the benchmark's own event loop: started and awaited
without blocking that loop."""

from __future__ import annotations

import asyncio
import sys
from contextlib import AsyncExitStack
from pathlib import Path

import httpx

from tests.http.serve_process import free_port


async def served_router(exits: AsyncExitStack, folder: Path, *args: str) -> tuple[str, int]:
    """`supergraph serve --supergraph FOLDER/supergraph.graphql ARGS` on a free port,
    logging to FOLDER/router.log and stopped when `exits` closes; its base URL once
    /health answers, and its pid."""
    port = free_port()
    router = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("supergraph")),
        "serve",
        "--supergraph",
        str(folder / "supergraph.graphql"),
        *args,
        "--port",
        str(port),
        stderr=(folder / "router.log").open("wb"),
    )

    async def stop() -> None:
        router.terminate()
        await router.wait()

    exits.push_async_callback(stop)
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient() as http:
        for _ in range(300):
            try:
                if (await http.get(f"{base}/health")).status_code == 200:
                    return base, router.pid
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"the router did not become healthy: see {folder / 'router.log'}")
