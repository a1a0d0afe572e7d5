"""CSRF prevention, Apollo's rule: execute only requests a browser would have preflighted.

A foreign page can send "simple" cross-origin requests without CORS asking the
server first: GET, or POST with a form or text/plain body. Such a request could
run a query (or, over POST, a mutation) with the user's cookies. A request is
safe when its content type is not a simple one, or when it carries one of the
required headers (custom headers always force a preflight).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from supergraph.http.negotiate import content_media_type

SIMPLE_CONTENT_TYPES = frozenset(
    {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"}
)


def is_preflighted(headers: Mapping[str, str], required_headers: Collection[str]) -> bool:
    media = content_media_type(headers.get("content-type"))
    if media and media not in SIMPLE_CONTENT_TYPES:
        return True
    return any(headers.get(name) for name in required_headers)


def csrf_message(required_headers: Collection[str]) -> str:
    return (
        "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). "
        "Please either specify a 'content-type' header (with a type that is not one of "
        f"{', '.join(sorted(SIMPLE_CONTENT_TYPES))}) or provide a non-empty value for one of "
        f"the following headers: {', '.join(required_headers)}"
    )
