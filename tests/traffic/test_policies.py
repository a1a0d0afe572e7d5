"""The circuit breaker's states and the retry budget's arithmetic, on a given clock."""

from __future__ import annotations

import pytest

from supergraph.executor.circuit import BreakerSettings, CircuitBreaker
from supergraph.executor.http_transport import decode_response, parse_retry_after
from supergraph.executor.retry import RetryBudget, RetrySettings, backoff
from supergraph.executor.transport import SubgraphHTTPError


def test_failures_older_than_the_window_do_not_count() -> None:
    breaker = CircuitBreaker(BreakerSettings(0.5, volume_threshold=4, window=10.0))
    for now in (0.0, 0.1, 0.2):
        assert breaker.admit(now)
        breaker.record(False, now)
    assert breaker.state == "closed"  # 3 requests: under the volume threshold
    assert breaker.admit(20.0)
    breaker.record(False, 20.0)  # the first three left the window
    assert breaker.state == "closed"


def test_open_refuses_until_reset_then_limits_probes() -> None:
    settings = BreakerSettings(
        0.5, volume_threshold=2, window=10.0, reset_timeout=5.0, half_open_attempts=2
    )
    breaker = CircuitBreaker(settings)
    for now in (0.0, 1.0):
        assert breaker.admit(now)
        breaker.record(False, now)
    assert breaker.state == "open"
    assert not breaker.admit(5.9)
    assert breaker.admit(6.0) and breaker.admit(6.0)  # two probes
    assert breaker.state == "half_open"
    assert not breaker.admit(6.0)  # no third while they are out
    breaker.release()  # one was not sent after all
    assert breaker.admit(6.1)
    breaker.record(True, 6.2)
    assert breaker.state == "half_open"
    breaker.record(True, 6.3)
    assert breaker.state == "closed"
    assert breaker.rejected == 2


def test_a_failed_probe_reopens() -> None:
    breaker = CircuitBreaker(BreakerSettings(1.0, volume_threshold=1, reset_timeout=1.0))
    assert breaker.admit(0.0)
    breaker.record(False, 0.0)
    assert breaker.admit(1.0)
    breaker.record(False, 1.5)
    assert breaker.state == "open" and breaker.opened_at == 1.5
    assert not breaker.admit(2.0)


def test_the_budget_is_a_share_of_requests_plus_a_minimum() -> None:
    budget = RetryBudget(RetrySettings(min_per_sec=1, ttl=10.0, retry_percent=0.5))
    # min_per_sec * ttl = 10 retries whatever the traffic.
    assert sum(budget.withdraw(0.0) for _ in range(20)) == 10
    for _ in range(10):
        budget.deposit(0.0)
    assert sum(budget.withdraw(0.0) for _ in range(20)) == 5
    # A ttl later, what was deposited and spent is forgotten.
    assert sum(budget.withdraw(20.0) for _ in range(20)) == 10
    assert budget.refused == 10 + 15 + 10


def test_backoff_is_jittered_below_a_doubling_bound() -> None:
    settings = RetrySettings(backoff=0.1, backoff_max=0.3)
    for attempt, bound in ((1, 0.1), (2, 0.2), (3, 0.3), (6, 0.3)):
        delays = [backoff(attempt, settings) for _ in range(200)]
        assert all(0 <= d <= bound for d in delays)
        assert max(delays) > bound / 2


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (" 0 ", 0.0),
        ("Thu, 01 Jan 1970 00:01:40 GMT", 40.0),  # an HTTP date, 40 s after "now" (60)
        ("Thu, 01 Jan 1970 00:00:10 GMT", 0.0),  # already past
        ("-3", None),
        ("soon", None),
        (None, None),
        # Never an exception (a bad header is the subgraph's error, not ours).
        ("\u00b2", None),  # a digit to str.isdigit, not to int()
        ("\u0663", None),  # an Arabic-Indic three
        ("5" * 5000, None),  # beyond int()'s digit limit
        ("9" * 400, None),  # beyond a float
        ("9999999999", 9999999999.0),
        ("Mon, 01 Jan 99999999999 00:00:00 GMT", None),  # a year beyond C's int
        ("Mon, 01 Jan 2001 00:00:00 +9999", None),  # an offset beyond a day
    ],
)
def test_retry_after_is_seconds_or_an_http_date(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, now=60.0) == seconds


def test_a_bad_retry_after_is_still_a_subgraph_http_error() -> None:
    with pytest.raises(SubgraphHTTPError) as raised:
        decode_response("products", 503, "x", b"no", "9" * 400)
    assert raised.value.retry_after is None and raised.value.status == 503


def test_only_429_and_503_carry_retry_after() -> None:
    for status, expected in ((503, 5.0), (429, 5.0), (500, None)):
        with pytest.raises(SubgraphHTTPError) as raised:
            decode_response("products", status, "x", b"no", "5")
        assert raised.value.retry_after == expected
