"""`supergraph serve --supergraph-url URL`: follow a supergraph published in a registry.

The router polls the URL (the registry's `GET /graphs/{graph}/supergraph`) with
`If-None-Match`, and writes each new SDL whole (a temporary file renamed into
place) to a local cache file; hot reload (reload.py) serves that file, so a
published version is picked up without dropping a request, and one that does not
load leaves the previous one serving. The cache file is also what a router
starts from when the registry is down: it serves the last supergraph it saw.

Bounds: one request at a time, a timeout per poll, and a size cap on the SDL.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Final

import httpx

MAX_SUPERGRAPH_BYTES: Final = 64 << 20
POLL_TIMEOUT: Final = 10.0


class RemoteSupergraphError(Exception):
    """The registry answered nothing usable (status, size, network)."""


def default_cache_path(url: str) -> Path:
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"supergraph-{digest}.graphql"


class RemoteSupergraph:
    """The supergraph at `url`, kept in `cache` (see the module doc)."""

    def __init__(self, url: str, cache: Path, max_bytes: int = MAX_SUPERGRAPH_BYTES) -> None:
        self.url = url
        self.cache = cache
        self.max_bytes = max_bytes
        self.etag: str | None = None
        self.version: str | None = None
        self.failures = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._client = httpx.Client(timeout=POLL_TIMEOUT)

    def start_from_registry(self, log: bool = True) -> None:
        """The first SDL, into the cache: from the registry, or (when it cannot answer)
        the cache left by an earlier run. Raises RemoteSupergraphError when neither."""
        try:
            self.poll()
        except RemoteSupergraphError as error:
            if not self.cache.is_file():
                raise
            if log:
                _log(f"registry unavailable ({error}): serving the cached {self.cache}")

    def poll(self) -> bool:
        """One conditional GET; True when a new SDL was written to the cache."""
        headers = {"If-None-Match": self.etag} if self.etag and self.cache.is_file() else {}
        try:
            with self._client.stream("GET", self.url, headers=headers) as response:
                if response.status_code == 304:
                    return False
                if response.status_code != 200:
                    raise RemoteSupergraphError(f"{self.url} answered HTTP {response.status_code}")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > self.max_bytes:
                        raise RemoteSupergraphError(
                            f"{self.url}: the supergraph is over {self.max_bytes} bytes"
                        )
                etag = response.headers.get("etag")
                version = response.headers.get("x-supergraph-version")
        except httpx.HTTPError as error:
            raise RemoteSupergraphError(f"{self.url}: {type(error).__name__}: {error}") from None
        self._write(bytes(body))
        self.etag, self.version = etag, version
        return True

    def follow(self, interval: float) -> None:
        """Poll every `interval` seconds in a daemon thread until `stop`."""

        def run() -> None:
            while not self._stop.wait(interval):
                try:
                    if self.poll():
                        _log(f"registry: version {self.version or '?'} of {self.url}")
                except RemoteSupergraphError as error:
                    self.failures += 1
                    _log(f"registry poll failed, still serving the previous supergraph: {error}")

        self._thread = threading.Thread(target=run, name="supergraph-registry", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=POLL_TIMEOUT + 1)
        self._client.close()

    def _write(self, body: bytes) -> None:
        self.cache.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self.cache.parent, prefix=".supergraph-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(body)
            os.replace(temporary, self.cache)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _log(line: str) -> None:
    print(f"supergraph[{os.getpid()}]: {line}", file=sys.stderr, flush=True)
