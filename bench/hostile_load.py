"""The hostile benchmark's load processes: the normal client, and the abusive clients.

    python -m bench.hostile_load normal --url URL --seconds S [--rate 100]
    python -m bench.hostile_load abuse SCENARIO --url URL --seconds S [--clients 4]

Each runs in its own process (the router's two cores are shared with them, and
a client measuring latency must not wait behind the abusers' Python), prints
`STARTED` when its clients run and one `RESULT {json}` line when done, with
its own CPU seconds in it.

The normal client sends the simple query on one keep-alive connection, one at
a time, paced at `--rate` per second. A request slower than the pacing
interval stands for the requests a steady client would have sent meanwhile:
they are added as `latency - k * interval` (HdrHistogram's correction for
coordinated omission), so one 5 s stall weighs like the 500 requests it held
up, not like one. `raw` in the result is without the correction.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import resource
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bench import hostile_payloads as payloads
from bench.hostile_http import Connection, Tally, describe, has_errors, post_bytes, read_reply

SCENARIOS = (
    "benign",
    "introspection",
    "large_operations",
    "invalid_variables",
    "slow_loris",
    "huge_headers",
    "cache_flood",
    "batch_introspection",
)


LORIS_CONNECT_TIMEOUT = 5.0


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest rank; 0 for no values."""
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def latency_summary(values_ms: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values_ms)
    return {
        "count": len(ordered),
        "p50_ms": round(percentile(ordered, 0.50), 3),
        "p99_ms": round(percentile(ordered, 0.99), 3),
        "max_ms": round(ordered[-1], 3) if ordered else 0.0,
    }


def corrected(latency_ms: float, interval_ms: float) -> list[float]:
    """The sample and the ones a steady client would have waited for behind it."""
    samples = [latency_ms]
    missing = latency_ms - interval_ms
    while interval_ms > 0 and missing >= interval_ms:
        samples.append(missing)
        missing -= interval_ms
    return samples


# -- the normal client ---------------------------------------------------------------------


@dataclass
class NormalClient:
    url: str
    seconds: float
    rate: float
    timeout: float
    latencies_ms: list[float] = field(default_factory=list)
    corrected_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    timeouts: int = 0
    connections: int = 0

    def run(self) -> dict[str, object]:
        parts = urlsplit(self.url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        body = payloads.encode(payloads.NORMAL_BODY)
        headers = {"content-type": "application/json", "accept": "application/json"}
        interval = 1.0 / self.rate if self.rate > 0 else 0.0
        connection: http.client.HTTPConnection | None = None
        cpu = own_cpu_seconds()
        started = time.monotonic()
        deadline = started + self.seconds
        next_at = started
        while True:
            now = time.monotonic()
            if now >= deadline:
                break
            if next_at > now:
                time.sleep(next_at - now)
            if connection is None:
                connection = http.client.HTTPConnection(host, port, timeout=self.timeout)
                self.connections += 1
            sent = time.monotonic()
            if not self._send(connection, parts.path or "/", body, headers):
                connection.close()
                connection = None
            done = time.monotonic()
            latency_ms = (done - sent) * 1000
            self.latencies_ms.append(latency_ms)
            self.corrected_ms.extend(corrected(latency_ms, interval * 1000))
            next_at += interval
            if next_at < done and interval > 0:
                # The ticks missed while waiting are the corrected samples; go on at the next.
                next_at += ((done - next_at) // interval + 1) * interval
        if connection is not None:
            connection.close()
        return {
            "seconds": round(time.monotonic() - started, 3),
            "rate": self.rate,
            **latency_summary(self.corrected_ms),
            "raw": latency_summary(self.latencies_ms),
            "errors": len(self.errors),
            "error_examples": self.errors[:5],
            "timeouts": self.timeouts,
            "connections": self.connections,
            "cpu_s": round(own_cpu_seconds() - cpu, 3),
        }

    def _send(
        self,
        connection: http.client.HTTPConnection,
        path: str,
        body: bytes,
        headers: dict[str, str],
    ) -> bool:
        """One request; False when the connection can not be used again."""
        try:
            connection.request("POST", path, body, headers)
            reply = connection.getresponse()
            data = reply.read()
        except TimeoutError:
            self.timeouts += 1
            self._error(f"no answer within {self.timeout:g} s")
            return False
        except (OSError, http.client.HTTPException) as error:
            self._error(f"{type(error).__name__}: {error}")
            return False
        if reply.status != 200 or has_errors(data):
            self._error(f"{reply.status} {describe(data, 160)}")
        return not reply.will_close

    def _error(self, text: str) -> None:
        self.errors.append(text)


# -- the abusive clients -------------------------------------------------------------------


@dataclass
class Abuse:
    scenario: str
    host: str
    port: int
    path: str
    clients: int
    seconds: float
    rate: float
    """Requests per second per client; 0: each client sends its next as soon as answered."""
    request_timeout: float
    loris_connections: int
    loris_interval: float
    header_bytes: int
    max_operations: int
    """cache_flood: distinct operations over all clients (a bound on the router's RSS)."""
    announce: bool = True
    """Print `STARTED` when the clients run (for the process that waits for it)."""
    tally: Tally = field(default_factory=Tally)
    loris: dict[str, int] = field(default_factory=dict)
    unfinished: int = 0
    _sent: int = 0

    async def run(self) -> dict[str, object]:
        await self._prepare()
        cpu = own_cpu_seconds()
        started = time.monotonic()
        deadline = started + self.seconds
        if self.scenario == "slow_loris":
            await self._slow_loris(deadline)
        else:
            tasks = [asyncio.ensure_future(self._client(n, deadline)) for n in range(self.clients)]
            self._started()
            await asyncio.wait(tasks)
        elapsed = time.monotonic() - started
        return {
            "scenario": self.scenario,
            "clients": self.clients,
            "seconds": round(elapsed, 3),
            **self.tally.summary(),
            "requests_per_s": round(self.tally.requests / elapsed, 2) if elapsed else 0.0,
            "unfinished_at_end": self.unfinished,
            "loris": self.loris,
            "cpu_s": round(own_cpu_seconds() - cpu, 3),
        }

    def _started(self) -> None:
        if self.announce:
            print("STARTED", flush=True)

    async def _prepare(self) -> None:
        if self.scenario == "invalid_variables":
            # Cache the document (and its plan) with valid variables first.
            connection = Connection(self.host, self.port)
            body = payloads.encode(payloads.large_operation("cached"))
            await asyncio.wait_for(connection.request(self._post(body)), self.request_timeout)
            await connection.close()

    def _post(self, body: bytes, headers: dict[str, str] | None = None) -> bytes:
        return post_bytes(self.path, body, headers)

    def _requests(self, client: int) -> Callable[[int], bytes | None]:
        """The client's i-th request (None: no more to send)."""
        pid = os.getpid()
        if self.scenario == "benign":
            raw = self._post(payloads.encode(payloads.NORMAL_BODY))
            return lambda i: raw
        if self.scenario == "introspection":
            raw = self._post(payloads.encode(payloads.introspection_aliases()))
            return lambda i: raw
        if self.scenario == "batch_introspection":
            raw = self._post(payloads.encode(payloads.introspection_batch()))
            return lambda i: raw
        if self.scenario == "invalid_variables":
            raw = self._post(payloads.encode(payloads.invalid_variables()))
            return lambda i: raw
        if self.scenario == "large_operations":
            return lambda i: self._post(
                payloads.encode(payloads.large_operation(f"{pid}_{client}_{i}"))
            )
        if self.scenario == "cache_flood":

            def flood(i: int) -> bytes | None:
                if self._sent >= self.max_operations:
                    return None
                self._sent += 1
                return self._post(payloads.flood_operation(f"{pid}c{client}n{i}"))

            return flood
        if self.scenario == "huge_headers":
            pad = "x" * self.header_bytes
            raw = self._post(payloads.encode(payloads.NORMAL_BODY), {"x-pad": pad})
            return lambda i: raw
        raise ValueError(f"unknown scenario {self.scenario!r}")

    async def _client(self, client: int, deadline: float) -> None:
        next_request = self._requests(client)
        # Huge headers: a new connection each time (the server may close it, as it should).
        fresh = self.scenario == "huge_headers"
        connection = Connection(self.host, self.port)
        interval = 1.0 / self.rate if self.rate > 0 else 0.0
        i = 0
        try:
            while time.monotonic() < deadline:
                raw = next_request(i)
                if raw is None:
                    break
                began = time.monotonic()
                await self._one(connection, raw, deadline)
                if fresh:
                    await connection.close()
                i += 1
                wait = began + interval - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(min(wait, max(0.0, deadline - time.monotonic())))
        finally:
            await connection.close()

    async def _one(self, connection: Connection, raw: bytes, deadline: float) -> None:
        left = max(0.01, deadline - time.monotonic())
        try:
            reply = await asyncio.wait_for(connection.request(raw), min(self.request_timeout, left))
        except TimeoutError:
            if left <= self.request_timeout:
                self.unfinished += 1  # still in flight when the scenario ended
            else:
                self.tally.failure(f"no answer within {self.request_timeout:g} s")
            return
        except asyncio.IncompleteReadError:
            self.tally.failure("connection closed without an answer")
            return
        except OSError as error:
            self.tally.failure(f"{type(error).__name__}")
            return
        self.tally.reply(reply)

    async def _slow_loris(self, deadline: float) -> None:
        """`loris_connections` over the clients, half trickling headers, half bodies; at
        the end: how many the server still holds open without having answered."""
        held: list[_Loris] = []
        for n in range(self.loris_connections):
            loris = _Loris(self, body=n % 2 == 1)
            # A router at its connection cap may leave a connect pending: refused, for us.
            with contextlib.suppress(OSError, TimeoutError):
                await asyncio.wait_for(loris.open(), LORIS_CONNECT_TIMEOUT)
                held.append(loris)
        refused = self.loris_connections - len(held)
        tasks = [asyncio.ensure_future(loris.trickle(deadline)) for loris in held]
        self._started()
        await asyncio.wait(tasks)
        outcomes = [loris.outcome for loris in held]
        self.loris = {
            "connections": self.loris_connections,
            "refused_at_connect": refused,
            "held_at_end": outcomes.count("held"),
            "closed_by_server": outcomes.count("closed"),
            "answered": sum(1 for o in outcomes if o.startswith("answered")),
        }
        for loris in held:
            what = "held, no answer" if loris.outcome == "held" else loris.outcome
            self.tally.failure(f"{'body' if loris.body else 'head'} {what}")
        for loris in held:
            await loris.close()


class _Loris:
    """One slow-loris connection: a request's head (or body) one byte every interval."""

    def __init__(self, abuse: Abuse, *, body: bool) -> None:
        self.abuse = abuse
        self.body = body
        self.outcome = "held"
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def open(self) -> None:
        self._streams = await asyncio.open_connection(self.abuse.host, self.abuse.port)

    async def trickle(self, deadline: float) -> None:
        assert self._streams is not None
        reader, writer = self._streams
        start = f"POST {self.abuse.path} HTTP/1.1\r\nhost: 127.0.0.1\r\n"
        if self.body:
            start += "content-type: application/json\r\ncontent-length: 1000000\r\n\r\n"
        writer.write(start.encode())
        watcher = asyncio.ensure_future(self._watch(reader))
        try:
            while time.monotonic() < deadline and not watcher.done():
                # A header line that never ends, or a body that never completes.
                writer.write(b"x")
                await writer.drain()
                await asyncio.wait(
                    [watcher],
                    timeout=min(self.abuse.loris_interval, max(0.0, deadline - time.monotonic())),
                )
        except OSError:
            self.outcome = "closed"
        finally:
            watcher.cancel()

    async def _watch(self, reader: asyncio.StreamReader) -> None:
        try:
            reply = await read_reply(reader)
        except (asyncio.IncompleteReadError, OSError, ValueError):
            self.outcome = "closed"
        else:
            self.outcome = f"answered {reply.status}"

    async def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


# -- main ----------------------------------------------------------------------------------


def _result(data: dict[str, object]) -> None:
    print("RESULT " + json.dumps(data), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile_load", description=__doc__)
    sub = parser.add_subparsers(dest="role", required=True)
    normal = sub.add_parser("normal")
    abuse = sub.add_parser("abuse")
    abuse.add_argument("scenario", choices=SCENARIOS)
    for p in (normal, abuse):
        p.add_argument("--url", required=True)
        p.add_argument("--seconds", type=float, required=True)
    normal.add_argument("--rate", type=float, default=100.0)
    normal.add_argument("--timeout", type=float, default=20.0)
    abuse.add_argument("--clients", type=int, default=4)
    abuse.add_argument("--rate", type=float, default=10.0)
    abuse.add_argument("--request-timeout", type=float, default=120.0)
    abuse.add_argument("--loris-connections", type=int, default=250)
    abuse.add_argument("--loris-interval", type=float, default=2.0)
    abuse.add_argument("--header-bytes", type=int, default=16 * 2**20)
    abuse.add_argument("--max-operations", type=int, default=150)
    args = parser.parse_args(argv)
    if args.role == "normal":
        print("STARTED", flush=True)
        _result(NormalClient(args.url, args.seconds, args.rate, args.timeout).run())
        return 0
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    parts = urlsplit(args.url)
    runner = Abuse(
        scenario=args.scenario,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 80,
        path=parts.path or "/",
        clients=args.clients,
        seconds=args.seconds,
        rate=args.rate,
        request_timeout=args.request_timeout,
        loris_connections=args.loris_connections,
        loris_interval=args.loris_interval,
        header_bytes=args.header_bytes,
        max_operations=args.max_operations,
    )
    _result(asyncio.run(runner.run()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
