"""Accept negotiation and HTTP status codes, as the GraphQL-over-HTTP spec says."""

from __future__ import annotations

from supergraph.pipeline.incremental import CURRENT, LEGACY, IncrementalFormat
from supergraph.pipeline.response import ResponseKind

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"

# Wildcards get application/json: curl and old clients send */* and expect 200s
# for GraphQL errors (the audit's SHOULD for */* says the same).
_ACCEPTED = {
    GRAPHQL_RESPONSE_JSON: GRAPHQL_RESPONSE_JSON,
    APPLICATION_JSON: APPLICATION_JSON,
    "application/*": APPLICATION_JSON,
    "*/*": APPLICATION_JSON,
}


# Clients send the same few header values again and again: their parse is kept
# (bounded, since the values are client-chosen: short values only, cleared when full).
_CACHE_SIZE = 256
_CACHED_LENGTH = 200
_negotiated: dict[str, str | None] = {}
_content_types: dict[str, str] = {}


def response_media_type(accept: str | None) -> str | None:
    """The media type to answer with, or None when the client accepts neither (406).

    No Accept header means application/json (the spec's rule for legacy clients).
    Among acceptable types the highest quality wins; on a tie, the first listed.
    """
    if accept is None:
        return APPLICATION_JSON
    try:
        return _negotiated[accept]
    except KeyError:
        pass
    chosen = _negotiate(accept)
    if len(accept) <= _CACHED_LENGTH:
        if len(_negotiated) >= _CACHE_SIZE:
            _negotiated.clear()
        _negotiated[accept] = chosen
    return chosen


def content_media_type(content_type: str | None) -> str:
    """The media type of a Content-Type value, lower case, without parameters ("" if none)."""
    if content_type is None:
        return ""
    media = _content_types.get(content_type)
    if media is None:
        media = content_type.split(";")[0].strip().lower()
        if len(content_type) <= _CACHED_LENGTH:
            if len(_content_types) >= _CACHE_SIZE:
                _content_types.clear()
            _content_types[content_type] = media
    return media


def _negotiate(accept: str) -> str | None:
    if not accept.strip():
        return APPLICATION_JSON
    best: tuple[float, str] | None = None
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        chosen = _ACCEPTED.get(media.strip().lower())
        if chosen is None:
            continue
        quality = _quality(params)
        if quality > 0 and (best is None or quality > best[0]):
            best = (quality, chosen)
    return None if best is None else best[1]


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
    if kind == "unavailable":
        return 503
    if kind == "not_acceptable":
        return 406
    # Request errors: 400 with the new media type; with application/json the
    # spec asks for 200 so legacy clients read the errors from the body.
    return 400 if media_type == GRAPHQL_RESPONSE_JSON else 200


def wants_html(accept: str | None) -> bool:
    return accept is not None and "text/html" in accept.lower()


def subscription_stream(accept: str | None) -> str | None:
    """Whether the client reads a stream of results, and which: "sse" (Accept lists
    `text/event-stream`: the graphql-sse protocol, distinct connections mode) or
    "multipart" (a `multipart/mixed` entry with a `subscriptionSpec` parameter: Apollo's
    multipart subscriptions); None: a client of one body."""
    if accept is None or (
        "event-stream" not in accept and "subscriptionspec" not in accept.lower()
    ):
        return None  # the hot path: a JSON client pays one substring check
    for entry in accept.split(","):
        media, _, params = entry.partition(";")
        media = media.strip().lower()
        if media == "text/event-stream":
            return "sse"
        if media == "multipart/mixed" and "subscriptionspec" in params.lower():
            return "multipart"
    return None


def incremental_format(accept: str | None) -> IncrementalFormat | None:
    """The incremental delivery format the client reads (pipeline/incremental.py):
    a `multipart/mixed` entry with `deferSpec=20220824` (Apollo's clients, Apollo
    Router's test) or `incrementalSpec=v0.2` (the working group's current format, as
    Apollo Server 5 and Apollo Client 4 negotiate it); of both, the one with the
    higher `q`, else the one listed first. None: neither (a bare `multipart/mixed`
    names no format)."""
    if accept is None:
        return None
    lowered = accept.lower()
    if "deferspec" not in lowered and "incrementalspec" not in lowered:
        return None  # the hot path: a JSON client pays two substring checks
    best: IncrementalFormat | None = None
    best_q = 0.0
    for entry in accept.split(","):
        media, _, params = entry.partition(";")
        if media.strip().lower() != "multipart/mixed":
            continue
        found: IncrementalFormat | None = None
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            name, value = name.strip().lower(), value.strip().strip('"')
            if name == "deferspec" and value == "20220824":
                found = LEGACY
            elif name == "incrementalspec" and value == "v0.2":
                found = CURRENT
            elif name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if found is not None and q > best_q:
            best, best_q = found, q
    return best
