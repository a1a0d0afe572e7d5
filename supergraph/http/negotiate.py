"""Accept negotiation and HTTP status codes, as the GraphQL-over-HTTP spec says."""

from __future__ import annotations

from typing import Literal

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"

ResponseKind = Literal["ok", "request_error", "method_not_allowed", "internal_error"]


def response_media_type(accept: str | None) -> str:
    """`application/graphql-response+json` when the client prefers it, else JSON.

    Clients that accept neither still get `application/json` (the spec allows
    that instead of a 406, and old clients rely on it).
    """
    if not accept:
        return APPLICATION_JSON
    best: tuple[float, str] | None = None
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        media = media.strip().lower()
        if media not in (GRAPHQL_RESPONSE_JSON, APPLICATION_JSON):
            continue
        quality = _quality(params)
        if quality > 0 and (best is None or quality > best[0]):
            best = (quality, media)
    return APPLICATION_JSON if best is None else best[1]


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def status_for(kind: ResponseKind, media_type: str) -> int:
    if kind == "ok":
        return 200
    if kind == "method_not_allowed":
        return 405
    if kind == "internal_error":
        return 500
    # Request errors: 400 with the new media type; with application/json the
    # spec asks for 200 so legacy clients read the errors from the body.
    return 400 if media_type == GRAPHQL_RESPONSE_JSON else 200


def wants_html(accept: str | None) -> bool:
    return accept is not None and "text/html" in accept.lower()
