"""A small OTLP receiver for the tests: HTTP/protobuf and gRPC, decoded with opentelemetry-proto.

    with OtlpHttpReceiver() as receiver:      # receiver.endpoint: http://127.0.0.1:PORT
        ...                                   # POST /v1/traces, as an OTel collector takes them
        spans = receiver.wait_for(lambda spans: ..., what="...")
        points = receiver.wait_for_points(lambda points: ..., what="...")   # POST /v1/metrics
    with OtlpGrpcReceiver() as receiver:      # the collector's TraceService over gRPC

Each received span becomes a `ReceivedSpan` (service name from its resource, ids in
hex, attributes as Python values), so tests assert the span tree of a trace.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.metrics.v1.metrics_pb2 import Metric


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    name: str
    trace_id: str
    span_id: str
    parent_span_id: str
    kind: int
    """opentelemetry.proto Span.SpanKind: 1 internal, 2 server, 3 client."""
    attributes: dict[str, Any]
    links: tuple[tuple[str, str], ...] = ()
    """(trace id, span id) of each link."""
    scope: str = ""

    @property
    def root(self) -> bool:
        return not self.parent_span_id


SERVER, CLIENT, INTERNAL = 2, 3, 1


@dataclass(frozen=True)
class ReceivedPoint:
    """One data point of an exported metric: a histogram's (count, sum), or a sum's or
    gauge's value (in `sum`, `count` 0)."""

    service: str
    instance: str
    """service.instance.id: the process that exported it."""
    name: str
    unit: str
    attributes: dict[str, Any]
    count: int
    sum: float
    temporality: int
    """opentelemetry.proto AggregationTemporality: 1 delta, 2 cumulative (0: a gauge)."""
    kind: str = "histogram"
    """The metric's data: histogram, sum or gauge."""
    monotonic: bool = False
    """A sum that only grows (a counter)."""


def points_of(body: bytes) -> list[ReceivedPoint]:
    request = ExportMetricsServiceRequest()
    request.ParseFromString(body)
    points: list[ReceivedPoint] = []
    for resource_metrics in request.resource_metrics:
        resource = {a.key: _value(a.value) for a in resource_metrics.resource.attributes}
        service = str(resource.get("service.name", ""))
        instance = str(resource.get("service.instance.id", ""))
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                kind = metric.WhichOneof("data")
                for attributes, count, total, temporality in _data_points(metric, kind):
                    points.append(
                        ReceivedPoint(
                            service=service,
                            instance=instance,
                            name=metric.name,
                            unit=metric.unit,
                            attributes={a.key: _value(a.value) for a in attributes},
                            count=count,
                            sum=total,
                            temporality=temporality,
                            kind=str(kind),
                            monotonic=kind == "sum" and metric.sum.is_monotonic,
                        )
                    )
    return points


def _data_points(metric: Metric, kind: str | None) -> Iterator[tuple[Any, int, float, int]]:
    """(attributes, count, sum, temporality) of each point of a histogram, or of a sum
    or gauge (a number: count 0; a gauge: temporality 0). Other kinds: none."""
    temporality: int
    if kind == "histogram":
        temporality = metric.histogram.aggregation_temporality
        for point in metric.histogram.data_points:
            yield point.attributes, point.count, point.sum, temporality
    elif kind in ("sum", "gauge"):
        data = metric.sum if kind == "sum" else metric.gauge
        temporality = metric.sum.aggregation_temporality if kind == "sum" else 0
        for number in data.data_points:
            value = number.as_double if number.HasField("as_double") else number.as_int
            yield number.attributes, 0, float(value), temporality


def _value(value: AnyValue) -> Any:
    which = value.WhichOneof("value")
    if which == "array_value":
        return [_value(item) for item in value.array_value.values]
    return getattr(value, which) if which else None


def decode(body: bytes) -> list[ReceivedSpan]:
    request = ExportTraceServiceRequest()
    request.ParseFromString(body)
    return spans_of(request)


def spans_of(request: ExportTraceServiceRequest) -> list[ReceivedSpan]:
    spans: list[ReceivedSpan] = []
    for resource_spans in request.resource_spans:
        resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(
                    ReceivedSpan(
                        service=str(resource.get("service.name", "")),
                        name=span.name,
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_span_id=span.parent_span_id.hex(),
                        kind=span.kind,
                        attributes={a.key: _value(a.value) for a in span.attributes},
                        links=tuple(
                            (link.trace_id.hex(), link.span_id.hex()) for link in span.links
                        ),
                        scope=scope_spans.scope.name,
                    )
                )
    return spans


@dataclass
class _Store:
    spans: list[ReceivedSpan] = field(default_factory=list)
    points: list[ReceivedPoint] = field(default_factory=list)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_points(self, points: list[ReceivedPoint]) -> None:
        with self.lock:
            self.points.extend(points)

    def add(self, spans: list[ReceivedSpan]) -> None:
        with self.lock:
            self.spans.extend(spans)
            self.requests += 1

    def snapshot(self) -> list[ReceivedSpan]:
        with self.lock:
            return list(self.spans)


class _Receiver:
    endpoint = ""

    def __init__(self) -> None:
        self.store = _Store()

    @property
    def spans(self) -> list[ReceivedSpan]:
        return self.store.snapshot()

    @property
    def requests(self) -> int:
        return self.store.requests

    def wait_for(
        self,
        condition: Callable[[list[ReceivedSpan]], bool],
        *,
        what: str,
        timeout: float = 30.0,
    ) -> list[ReceivedSpan]:
        """The spans received, once `condition` holds for them (exporters batch: wait)."""
        deadline = time.monotonic() + timeout
        while True:
            spans = self.spans
            if condition(spans):
                return spans
            if time.monotonic() > deadline:
                shown = sorted({(s.service, s.name) for s in spans})
                raise AssertionError(f"no {what} within {timeout}s; received: {shown}")
            time.sleep(0.05)

    def wait_for_points(
        self,
        condition: Callable[[list[ReceivedPoint]], bool],
        *,
        what: str,
        timeout: float = 30.0,
    ) -> list[ReceivedPoint]:
        """The metric points received, once `condition` holds for them."""
        deadline = time.monotonic() + timeout
        while True:
            with self.store.lock:
                points = list(self.store.points)
            if condition(points):
                return points
            if time.monotonic() > deadline:
                shown = sorted({(p.service, p.name) for p in points})
                raise AssertionError(f"no {what} within {timeout}s; received: {shown}")
            time.sleep(0.05)

    def trace(self, trace_id: str) -> list[ReceivedSpan]:
        return [span for span in self.spans if span.trace_id == trace_id]


class OtlpHttpReceiver(_Receiver):
    """`POST /v1/traces` (an ExportTraceServiceRequest) and `/v1/metrics` (an
    ExportMetricsServiceRequest), `application/x-protobuf`."""

    def __init__(self) -> None:
        super().__init__()
        store = self.store

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                if self.path not in ("/v1/traces", "/v1/metrics"):
                    self.send_response(404)
                    self.end_headers()
                    return
                assert self.headers.get("content-type") == "application/x-protobuf"
                if self.path == "/v1/metrics":
                    store.add_points(points_of(body))
                    answer = ExportMetricsServiceResponse().SerializeToString()
                else:
                    store.add(decode(body))
                    answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> OtlpHttpReceiver:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class OtlpGrpcReceiver(_Receiver):
    """The collector's `TraceService/Export` and `MetricsService/Export` over gRPC
    (insecure, loopback)."""

    def __init__(self) -> None:
        import grpc
        from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2_grpc
        from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc

        super().__init__()
        store = self.store

        class Service(trace_service_pb2_grpc.TraceServiceServicer):
            def Export(
                self, request: ExportTraceServiceRequest, context: object
            ) -> ExportTraceServiceResponse:
                store.add(spans_of(request))
                return ExportTraceServiceResponse()

        class Metrics(metrics_service_pb2_grpc.MetricsServiceServicer):
            def Export(
                self, request: ExportMetricsServiceRequest, context: object
            ) -> ExportMetricsServiceResponse:
                store.add_points(points_of(request.SerializeToString()))
                return ExportMetricsServiceResponse()

        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(Service(), self._server)
        metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server(Metrics(), self._server)
        port = self._server.add_insecure_port("127.0.0.1:0")
        self.endpoint = f"http://127.0.0.1:{port}"

    def __enter__(self) -> OtlpGrpcReceiver:
        self._server.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.stop(grace=None)
