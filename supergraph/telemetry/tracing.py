"""The router's spans: what each stage calls, at no cost while tracing is off.

    TRACER                  the tracer (None: tracing off; every helper returns at once)
    server_span(...)        the HTTP server span of a request, from the client's trace context
    span(name, attrs)       a child of the current span, made current (a context manager)
    record(name, t0, t1)    a child span that already happened (stages timed off the loop)
    outgoing(headers)       `traceparent`/`tracestate` for a subgraph request

A span is made only under a recording one: with a trace not sampled, the stages
make no spans at all, and only the server span's context (sampled flag 0) goes on
to the subgraphs, so that they do not sample it either. Names and attributes
follow the OpenTelemetry semantic conventions (HTTP server and client spans,
`graphql.operation.*`); the router's own stages are named as Apollo Router names
them where it has one (`parse_query`, `query_planning`, `execution`, `fetch`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Final

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Link, Span, SpanKind, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import AttributeValue

Attributes = Mapping[str, AttributeValue]

TRACEPARENT: Final = "traceparent"
TRACESTATE: Final = "tracestate"

TRACER: Tracer | None = None
"""The router's tracer; None while tracing is off (setup.py sets it)."""
TRACE_CONTEXT = True
"""Read the client's `traceparent`/`tracestate` and send them on to the subgraphs."""
TRUST_INCOMING = True
"""The client's trace context is the parent (else: a link from a new trace)."""
GRAPHQL_DOCUMENT = False
"""Operation texts go on the operation span (`graphql.document`)."""

_propagator = TraceContextTextMapPropagator()


def configure(
    tracer: Tracer | None,
    *,
    trace_context: bool = True,
    trust_incoming: bool = True,
    graphql_document: bool = False,
) -> None:
    global TRACER, TRACE_CONTEXT, TRUST_INCOMING, GRAPHQL_DOCUMENT
    TRACER = tracer
    TRACE_CONTEXT = trace_context
    TRUST_INCOMING = trust_incoming
    GRAPHQL_DOCUMENT = graphql_document


def server_span(
    tracer: Tracer, headers: Mapping[str, str], name: str, attributes: Attributes
) -> tuple[Span, object]:
    """The request's SERVER span, started and made current; and the token `end_server`
    takes. Its parent is the client's trace context when there is one and it is trusted."""
    parent = None
    links: list[Link] = []
    if TRACE_CONTEXT and TRACEPARENT in headers:
        incoming = _propagator.extract(headers)
        if TRUST_INCOMING:
            parent = incoming
        else:
            remote = trace.get_current_span(incoming).get_span_context()
            if remote.is_valid:
                links.append(Link(remote, {"supergraph.untrusted_parent": True}))
    span = tracer.start_span(
        name, context=parent, kind=SpanKind.SERVER, attributes=attributes, links=links
    )
    token = otel_context.attach(trace.set_span_in_context(span, parent))
    return span, token


def end_server(span: Span, token: object) -> None:
    span.end()
    otel_context.detach(token)  # type: ignore[arg-type]


def current_recording() -> Span | None:
    """The current span when tracing is on and it records, else None."""
    if TRACER is None:
        return None
    current = trace.get_current_span()
    return current if current.is_recording() else None


@contextmanager
def span(
    name: str, attributes: Attributes | None = None, kind: SpanKind = SpanKind.INTERNAL
) -> Iterator[Span | None]:
    """A child of the current span, current inside the block (None: nothing recorded)."""
    tracer = TRACER
    if tracer is None or not trace.get_current_span().is_recording():
        yield None
        return
    with tracer.start_as_current_span(name, kind=kind, attributes=attributes) as started:
        yield started


def record(name: str, start_ns: int, end_ns: int, attributes: Attributes | None = None) -> None:
    """A child of the current span that ran from `start_ns` to `end_ns` (time.time_ns())."""
    tracer = TRACER
    if tracer is None or not trace.get_current_span().is_recording():
        return
    tracer.start_span(name, attributes=attributes, start_time=start_ns).end(end_time=end_ns)


def outgoing(headers: Mapping[str, str] | None) -> Mapping[str, str] | None:
    """`headers` with the current span's trace context (unchanged when there is none)."""
    if not TRACE_CONTEXT:
        return headers
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return headers
    added = dict(headers) if headers else {}
    added[TRACEPARENT] = (
        f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"
    )
    state = context.trace_state
    if state:
        added[TRACESTATE] = state.to_header()
    return added


def trace_id() -> str | None:
    """The current trace's id in hex (None: no trace), for log lines."""
    if TRACER is None:
        return None
    context = trace.get_current_span().get_span_context()
    return f"{context.trace_id:032x}" if context.is_valid else None
