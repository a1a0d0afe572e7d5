"""A key namespace of a test's own in the shared Redis (127.0.0.1:6379).

Other suites, and other sessions on the machine, use the same server: a test
puts its keys under a random prefix and every key under it is deleted when it
ends, however it ends.

    with RedisNamespace("store") as ns:        # "test:store:<random>:"
        ...
    async with RedisNamespace("rate") as ns:   # the same, in async code
        ...

Entering pings the server first, so a test that needs Redis fails loudly
(ConnectionError) when it is not running, never skips. The client is the
synchronous one in both forms: a few commands on loopback, at the start and
end of a test only.
"""

from __future__ import annotations

import secrets
from types import TracebackType
from typing import Final

import redis

REDIS_URL: Final = "redis://127.0.0.1:6379"


class RedisNamespace:
    """`test:<label>:<random>:`, emptied on exit."""

    def __init__(self, label: str, url: str = REDIS_URL) -> None:
        self.prefix = f"test:{label}:{secrets.token_hex(8)}:"
        self._client = redis.Redis.from_url(url)

    def __enter__(self) -> str:
        try:
            self._client.ping()
        except BaseException:
            self._client.close()
            raise
        return self.prefix

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            found = list(self._client.scan_iter(match=f"{self.prefix}*", count=1000))
            if found:
                self._client.delete(*found)
        finally:
            self._client.close()

    async def __aenter__(self) -> str:
        return self.__enter__()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.__exit__(kind, error, traceback)
