"""The real NATS JetStream fixtures of tests/events (the bundled subgraphs' events)."""

from tests.events.conftest import js, nc, streams

__all__ = ["js", "nc", "streams"]
