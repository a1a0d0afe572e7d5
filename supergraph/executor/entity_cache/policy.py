"""Cache-Control as the entity cache reads it, and the header a client response gets.

    CachePolicy.parse("public, max-age=60")   what a subgraph answer allows
    policy.combine(other)                      the minimum of two (a response that used both)
    policy.header()                            the client response's Cache-Control

As Apollo Router's response cache: a subgraph's `max-age` (or `s-maxage`, for
public data) sets the life of what it answered; an answer without one lives the
configured `ttl` (the fallback); none lives longer than a year. `private` data may be
cached only under the caller's identity; `no-store` (and `no-cache`, which asks
for revalidation the router cannot do) is never cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

MAX_AGE: Final = 365 * 24 * 3600


@dataclass(frozen=True, slots=True)
class CachePolicy:
    max_age: int
    """Seconds the answer stays fresh (0 with `no_store`)."""
    private: bool = False
    no_store: bool = False

    @classmethod
    def parse(cls, header: str | None, fallback: int) -> CachePolicy:
        """`fallback`: the configured ttl, the life of an answer that gives none."""
        if header is None:
            return cls(fallback) if fallback > 0 else NO_STORE
        max_age: int | None = None
        s_maxage: int | None = None
        private = False
        for part in header.lower().split(","):
            name, _, value = part.strip().partition("=")
            name = name.strip()
            if name in ("no-store", "no-cache"):
                return NO_STORE
            if name == "private":
                private = True
            elif name in ("max-age", "s-maxage"):
                seconds = _seconds(value)
                if seconds is None:
                    return NO_STORE  # unreadable: nothing to rely on
                if name == "max-age":
                    max_age = seconds
                else:
                    s_maxage = seconds
        # s-maxage is for shared caches, which the router is for public data.
        age = s_maxage if s_maxage is not None and not private else max_age
        if age is None:
            age = fallback
        age = min(age, MAX_AGE)
        if age <= 0:
            return NO_STORE
        return cls(age, private)

    def combine(self, other: CachePolicy) -> CachePolicy:
        """What a response made of both may claim: the shorter life, private if either is."""
        if self.no_store or other.no_store:
            return NO_STORE
        return CachePolicy(min(self.max_age, other.max_age), self.private or other.private)

    def header(self) -> str:
        if self.no_store:
            return "no-store"
        return f"max-age={self.max_age},{'private' if self.private else 'public'}"


NO_STORE: Final = CachePolicy(0, no_store=True)


def _seconds(value: str) -> int | None:
    value = value.strip().strip('"')
    if not value.isdigit() or len(value) > 12:
        return None
    return int(value)
