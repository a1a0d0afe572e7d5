"""The registry's read-only HTTP API (`supergraph registry serve`).

    GET /graphs                               the graphs and their latest version
    GET /graphs/{graph}/supergraph            the latest SDL; ETag = its SHA-256,
                                              If-None-Match -> 304 (what routers poll)
    GET /graphs/{graph}/versions[?limit=N]    the history, newest first (at most 100)
    GET /graphs/{graph}/versions/{n}          one version's SDL
    GET /graphs/{graph}/subgraphs             the latest version's subgraphs (name, url, sdl)
    GET /graphs/{graph}/diff?from=N&to=M      the API schema changes between two versions
    GET /health

Publishing goes straight to the database (`supergraph publish`), so this API
needs no credentials: it serves what any router of the graph may read anyway.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from supergraph.governance.schema_diff import diff_schemas
from supergraph.schema import load_supergraph

from .store import Registry, RegistryError, Version

SDL_TYPE = "text/plain; charset=utf-8"


def registry_app(dsn: str) -> Starlette:
    holder: dict[str, Registry] = {}

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        holder["registry"] = await Registry.open(dsn)
        try:
            yield
        finally:
            await holder["registry"].close()

    def registry() -> Registry:
        return holder["registry"]

    async def graphs(_request: Request) -> Response:
        out = []
        for graph in await registry().graphs():
            latest = await registry().latest(graph)
            if latest is not None:
                out.append(latest.summary())
        return JSONResponse({"graphs": out})

    async def supergraph(request: Request) -> Response:
        latest = await registry().latest(request.path_params["graph"])
        if latest is None:
            return _not_found(f"graph {request.path_params['graph']!r} has no version")
        etag = f'"{latest.digest}"'
        headers = {"ETag": etag, "X-Supergraph-Version": str(latest.version)}
        if etag in _etags(request.headers.get("if-none-match", "")):
            return Response(status_code=304, headers=headers)
        return PlainTextResponse(latest.supergraph_sdl, headers=headers, media_type=SDL_TYPE)

    async def subgraphs(request: Request) -> Response:
        latest = await registry().latest(request.path_params["graph"])
        if latest is None:
            return _not_found(f"graph {request.path_params['graph']!r} has no version")
        listed = [{"name": s.name, "url": s.url, "sdl": s.sdl} for s in latest.subgraphs]
        headers = {"ETag": f'"{latest.digest}"', "X-Supergraph-Version": str(latest.version)}
        return JSONResponse({"version": latest.version, "subgraphs": listed}, headers=headers)

    async def history(request: Request) -> Response:
        try:
            limit = int(request.query_params.get("limit", "20"))
        except ValueError:
            return _bad_request("limit: an integer")
        found = await registry().history(request.path_params["graph"], limit)
        return JSONResponse({"versions": [v.summary() for v in found]})

    async def version(request: Request) -> Response:
        found = await _get(registry(), request.path_params["graph"], request.path_params["n"])
        if isinstance(found, Response):
            return found
        headers = {"ETag": f'"{found.digest}"', "X-Supergraph-Version": str(found.version)}
        return PlainTextResponse(found.supergraph_sdl, headers=headers, media_type=SDL_TYPE)

    async def diff(request: Request) -> Response:
        graph = request.path_params["graph"]
        before = await _get(registry(), graph, request.query_params.get("from", ""))
        if isinstance(before, Response):
            return before
        after = await _get(registry(), graph, request.query_params.get("to", ""))
        if isinstance(after, Response):
            return after
        changes = diff_schemas(
            load_supergraph(before.supergraph_sdl).api_schema,
            load_supergraph(after.supergraph_sdl).api_schema,
        )
        return JSONResponse(
            {
                "from": before.version,
                "to": after.version,
                "changes": [change.as_json() for change in changes],
            }
        )

    async def health(_request: Request) -> Response:
        return JSONResponse({"status": "UP"})

    return Starlette(
        routes=[
            Route("/graphs", graphs),
            Route("/graphs/{graph}/supergraph", supergraph),
            Route("/graphs/{graph}/subgraphs", subgraphs),
            Route("/graphs/{graph}/versions", history),
            Route("/graphs/{graph}/versions/{n}", version),
            Route("/graphs/{graph}/diff", diff),
            Route("/health", health),
        ],
        lifespan=lifespan,
    )


async def _get(registry: Registry, graph: str, number: str) -> Version | Response:
    try:
        return await registry.get(graph, int(number))
    except ValueError as error:
        if isinstance(error, RegistryError):
            return _not_found(str(error))
        return _bad_request(f"version: an integer, not {number!r}")


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def _not_found(message: str) -> Response:
    return JSONResponse({"error": message}, status_code=404)


def _bad_request(message: str) -> Response:
    return JSONResponse({"error": message}, status_code=400)
