"""A JWKS endpoint on a real loopback port: serves keys, counts fetches, can go down."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


class JWKSServer:
    def __init__(self, keys: list[dict[str, Any]]) -> None:
        self.keys = keys
        self.up = True
        self.fetches = 0
        self.app = Starlette(routes=[Route("/jwks.json", self.handle, methods=["GET"])])

    async def handle(self, _request: Request) -> Response:
        self.fetches += 1
        if not self.up:
            return Response(b"down for maintenance", 503)
        return JSONResponse({"keys": self.keys})
