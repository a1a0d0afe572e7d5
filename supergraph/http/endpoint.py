"""`POST`/`GET /graphql` as a plain ASGI app: HTTP in, the pipeline (supergraph/pipeline/), HTTP out.

Per request, in order:

    Accept (406) -> CSRF (400) -> Content-Type (415) -> body size (413)
    -> JSON (400) -> batch or single -> persisted query -> auth (401)
    -> Router -> masking -> metrics

It works on the ASGI scope directly, with no Starlette `Request` or `Response`
per request: the headers are decoded once into a dict, the body is read from
`receive`, the answer is two `send` calls with prebuilt header tuples (a
streamed response, `StreamedResponse`: the head, then one per part, as
multipart/mixed or SSE: streams.py). That is
the router's hot path; at concurrency 1 the objects and middleware layers it
skips were a good share of the edge's CPU. Any exception becomes the same 500
INTERNAL_SERVER_ERROR body the app's error handler gives (the trace goes to the
log only, with the request id, which the answer carries in `x-request-id`), so
the endpoint answers the same inside Starlette's stack (HEAD, a mounted root
path) and called directly (app.py's fast path). Each request's id is set first
(supergraph/request_id.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Final

import orjson
from opentelemetry.trace import Status, StatusCode
from starlette.datastructures import QueryParams
from starlette.types import Receive, Scope, Send

from auth import AuthError
from supergraph.errors import (
    BAD_REQUEST,
    BATCH_LIMIT_EXCEEDED,
    BATCHING_NOT_ENABLED,
    CSRF_ERROR,
    MAX_BODY_SIZE_EXCEEDED,
    NOT_ACCEPTABLE,
    SERVICE_UNAVAILABLE,
    UNAUTHENTICATED,
    graphql_error,
)
from supergraph.errors import internal_error_body as internal_error_json
from supergraph.http import gc_tuning
from supergraph.http.body import BodyTooLarge, ClientDisconnected, read_body
from supergraph.http.config import RouterConfig
from supergraph.http.csrf import csrf_message, is_preflighted
from supergraph.http.forwarded import TrustedProxies
from supergraph.http.graphiql import graphiql_html
from supergraph.http.logs import ACCESS, access, field_text
from supergraph.http.masking import mask_part, mask_subgraph_errors
from supergraph.http.metrics import Metrics, operation_label
from supergraph.http.negotiate import (
    APPLICATION_JSON,
    GRAPHQL_RESPONSE_JSON,
    content_media_type,
    incremental_format,
    response_media_type,
    status_for,
    subscription_stream,
    wants_html,
)
from supergraph.http.rate_limit import EdgeRateLimit, RateLimited
from supergraph.http.request import RequestHeaders
from supergraph.http.security import EdgeSecurity, SecurityContext, SharedAuthentication
from supergraph.http.streams import DEFER_FORMATS, FORMATS, send_stream
from supergraph.limits.budget import WorkBudget
from supergraph.pipeline.decode import BadRequest, Decoded, decode, json_param
from supergraph.pipeline.incremental import LEGACY, IncrementalFormat
from supergraph.pipeline.persisted import PersistedQueries
from supergraph.pipeline.persisted.resolve import is_signal
from supergraph.pipeline.request import ClientIdentity, GraphQLRequest
from supergraph.pipeline.response import GraphQLResponse, Response, StreamedResponse, close_parts
from supergraph.pipeline.router import Router
from supergraph.request_id import begin as begin_request
from supergraph.request_id import current as request_id
from supergraph.telemetry import metrics as otel_metrics
from supergraph.telemetry import tracing
from supergraph.telemetry.record import RequestRecord
from supergraph.telemetry.record import begin as begin_record
from supergraph.telemetry.record import current as current_record
from supergraph.types import JSONObject
from supergraph.usage.recorder import UsageSettings

logger = logging.getLogger("supergraph.http.app")

QUERY_PLAN_HEADERS: Final = ("apollo-query-plan-experimental", "x-include-query-plan")
"""Apollo Gateway's header and ours: the plan in `extensions.queryPlan`."""
EXPOSE_QUERY_PLAN_HEADER: Final = "apollo-expose-query-plan"
"""Apollo Router's (`true`): the plan in `extensions.apolloQueryPlan`."""
GRAPHQL_ROUTE: Final = "/graphql"
CLIENT_NAME_HEADER: Final = "apollographql-client-name"
CLIENT_VERSION_HEADER: Final = "apollographql-client-version"
"""Who the client says it is (Apollo's headers), for the access log."""

_CONTENT_TYPE: Final = {
    media: (b"content-type", media.encode("latin-1"))
    for media in (APPLICATION_JSON, GRAPHQL_RESPONSE_JSON)
}
_HTML: Final = (b"content-type", b"text/html; charset=utf-8")
_ALLOW_POST: Final = (b"allow", b"POST")
_RETRY_AFTER: Final = (b"retry-after", b"1")


class RouterHolder:
    """The router currently serving; None until a supergraph is loaded (health: 503)."""

    def __init__(self, router: Router | None = None) -> None:
        self.router = router


class Refused(Exception):
    """The HTTP request is refused before any GraphQL work: status, message, code."""

    def __init__(
        self, status: int, message: str, code: str = BAD_REQUEST, retry_after: int | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.retry_after = retry_after


Body = bytes | AsyncIterator[bytes] | StreamedResponse
Answer = tuple[int, Body, list[tuple[bytes, bytes]]]
"""Status, body and headers of a response. The body is whole (content-length is added
when sending), or the parts of a streamed response (`StreamedResponse`), each sent
as it comes; a subscription's `StreamedResponse`, sent in the format negotiated
(streams.py) with heartbeats, until the client goes away."""


class GraphQLEndpoint:
    """The ASGI app of `/graphql` (POST; GET and HEAD)."""

    def __init__(
        self,
        holder: RouterHolder,
        metrics: Metrics,
        config: RouterConfig,
        persisted: PersistedQueries,
        security: EdgeSecurity | None = None,
        rate_limit: EdgeRateLimit | None = None,
    ) -> None:
        self.holder = holder
        self._rate_limit = rate_limit
        self._security = security
        self._metrics = metrics
        self._persisted = persisted
        self._max_body = config.limits.max_body_bytes
        self._proxies = TrustedProxies(config.listen.forwarded_allow_ips)
        self._keep_alive = config.subscription.keep_alive_interval
        self._batching = config.batching
        self._mask = config.masks_errors_of if masks_any(config) else None
        csrf = config.csrf
        self._csrf_names = csrf.required_headers
        self._csrf_headers = (
            tuple(h.lower() for h in csrf.required_headers) if csrf.enabled else None
        )
        self._client_header = config.persisted_queries.client_name_header.lower()
        self._access_log = config.telemetry.access_log
        self._graphiql = (
            graphiql_html(
                cdn=config.graphiql.assets_dir is None and config.graphiql.assets == "cdn",
                client_name_header=config.persisted_queries.client_name_header,
            ).encode("utf-8")
            if config.graphiql.enabled
            else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = RequestHeaders.of(scope)
        begin_request(headers.get("x-request-id"))
        tracer = tracing.TRACER
        if (
            tracer is None
            and not otel_metrics.exporting()
            and not (self._access_log and ACCESS.isEnabledFor(logging.INFO))
        ):
            await self._answer(scope, headers, receive, send)
            return
        # Observed: a server span (tracing on), an access log line (logging at info),
        # the OpenTelemetry request duration (OTLP metrics on).
        started = time.perf_counter()
        record = begin_record()
        span = token = None
        if tracer is not None:
            span, token = tracing.server_span(
                tracer, headers, f"{scope['method']} {GRAPHQL_ROUTE}", _server_attributes(scope)
            )
        status = 500
        try:
            status = await self._answer(scope, headers, receive, send)
        finally:
            if span is not None:
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
            seconds = time.perf_counter() - started
            if self._access_log:
                _access_line(scope, headers, status, seconds, record)
            otel_metrics.server_request(
                scope["method"],
                scope.get("scheme", "http"),
                status,
                operation_label(record.operation_name) if record.operation_name else None,
                seconds,
            )
            if span is not None:
                tracing.end_server(span, token)

    async def _answer(
        self, scope: Scope, headers: RequestHeaders, receive: Receive, send: Send
    ) -> int:
        """Serve the request; its HTTP status (499: the client left before the answer)."""
        stream = subscription_stream(headers.get("accept"))
        try:
            if scope["method"] == "POST":
                status, body, extra = await self._post(scope, headers, receive, stream)
            else:
                status, body, extra = await self._get(scope, headers, stream)
        except ClientDisconnected:
            return 499
        except Exception as error:
            # The trace goes to the log only; the client gets a code, no internals.
            logger.error("unhandled error in request %s", request_id(), exc_info=error)
            status, body, extra = _internal_error()
        # Every answer says its id: what to quote when reporting it, what the subgraphs
        # and the log lines name (a new list: some answers' header lists are shared).
        extra = [*extra, _request_id_header()]
        if isinstance(body, StreamedResponse):
            # A subscription's events in the negotiated format; @defer's parts as
            # multipart/mixed in the incremental format negotiated.
            if body.subscription and stream is not None:
                form = FORMATS[stream]
            else:
                form = DEFER_FORMATS[body.incremental or LEGACY]
            await send_stream(send, receive, form, body.parts, self._keep_alive, extra)
            return status
        if not isinstance(body, bytes):
            await _send_parts(send, status, extra, body)
            return status
        extra.append((b"content-length", b"%d" % len(body)))
        await send({"type": "http.response.start", "status": status, "headers": extra})
        await send({"type": "http.response.body", "body": body})
        return status

    async def _post(
        self, scope: Scope, headers: RequestHeaders, receive: Receive, stream: str | None
    ) -> Answer:
        # A client of a stream reads refusals as JSON.
        accept = headers.get("accept")
        defer = incremental_format(accept)
        media_type = APPLICATION_JSON if stream else response_media_type(accept)
        if media_type is None and defer is not None:
            media_type = APPLICATION_JSON  # Accept: multipart/mixed;deferSpec=20220824 alone
        if media_type is None:
            return _not_acceptable()
        try:
            self._check_csrf(headers)
            content_type = content_media_type(headers.get("content-type"))
            if content_type != APPLICATION_JSON:
                shown = content_type or "none"
                raise Refused(415, f"Unsupported content type '{shown}': send application/json.")
            try:
                body = await read_body(receive, headers, self._max_body)
                gc_tuning.received(len(body))
            except BodyTooLarge:
                limit = self._max_body
                message = f"The request body is larger than {limit} bytes."
                raise Refused(413, message, MAX_BODY_SIZE_EXCEEDED) from None
            try:
                payload = orjson.loads(body)
            except orjson.JSONDecodeError:
                raise Refused(400, "The request body is not valid JSON.") from None
            if isinstance(payload, list):
                return await self._batch(payload, headers, media_type)
            result = await self._run(
                self._decode(payload, headers), headers, streaming=stream is not None, defer=defer
            )
        except Refused as refused:
            return _refusal(refused, media_type)
        return _graphql_answer(result, media_type, stream)

    async def _get(self, scope: Scope, headers: RequestHeaders, stream: str | None) -> Answer:
        accept = headers.get("accept")
        query_string = scope["query_string"]
        gc_tuning.received(len(query_string))
        params = QueryParams(query_string) if query_string else None
        if self._graphiql is not None and not params and wants_html(accept):
            return 200, self._graphiql, [_HTML]
        defer = incremental_format(accept)
        media_type = APPLICATION_JSON if stream else response_media_type(accept)
        if media_type is None and defer is not None:
            media_type = APPLICATION_JSON
        if media_type is None:
            return _not_acceptable()
        get = params.get if params is not None else _no_param
        try:
            self._check_csrf(headers)
            payload = {
                "query": get("query"),
                "operationName": get("operationName"),
                "documentId": get("documentId"),
                "variables": json_param(get("variables"), "variables"),
                "extensions": json_param(get("extensions"), "extensions"),
            }
            decoded = self._decode(payload, headers)
            result = await self._run(
                decoded,
                headers,
                allow_mutations=False,
                streaming=stream is not None,
                defer=defer,
            )
        except BadRequest as error:
            return _error(str(error), 400, media_type)
        except Refused as refused:
            return _refusal(refused, media_type)
        return _graphql_answer(result, media_type, stream)

    def _check_csrf(self, headers: Mapping[str, str]) -> None:
        required = self._csrf_headers
        if required is not None and not is_preflighted(headers, required):
            raise Refused(400, csrf_message(self._csrf_names), CSRF_ERROR)

    def _decode(self, payload: object, headers: Mapping[str, str]) -> Decoded:
        include_plan = any(headers.get(name) for name in QUERY_PLAN_HEADERS)
        apollo = (headers.get(EXPOSE_QUERY_PLAN_HEADER) or "").strip().lower() == "true"
        try:
            return decode(payload, include_plan=include_plan, apollo_plan=apollo)
        except BadRequest as error:
            raise Refused(400, str(error)) from None

    async def _batch(
        self, payloads: list[object], headers: RequestHeaders, media_type: str
    ) -> Answer:
        """A JSON array of operations -> a JSON array of results, in order, always 200
        (each result carries its own errors), as Apollo Router's batching does.

        The operations share one request's work: the tokens, expanded fields and
        introspection bytes one operation may use are the budget of the whole batch,
        taken as each operation is parsed; one that does not fit what is left gets
        BATCH_LIMIT_EXCEEDED (the parser stops where the budget ends). They share the
        request's headers, so its token is verified once for all of them; a bad one
        refuses the whole request (401), as it would a single operation."""
        batching = self._batching
        if not batching.enabled:
            raise Refused(400, "Batched requests are not enabled.", BATCHING_NOT_ENABLED)
        if not payloads or len(payloads) > batching.max_size:
            message = f"A batch must hold 1 to {batching.max_size} operations; got {len(payloads)}."
            raise Refused(400, message, BATCH_LIMIT_EXCEEDED)
        router = self.holder.router
        budget = router.batch_budget() if router is not None else None
        security = self._security
        shared = SharedAuthentication(security, headers) if security is not None else None

        async def one(payload: object) -> JSONObject:
            try:
                decoded = self._decode(payload, headers)
            except Refused as refused:
                return {"errors": [graphql_error(str(refused), code=refused.code)]}
            try:
                result = await self._run(decoded, headers, budget=budget, shared=shared)
            except Refused as refused:
                if refused.status != 429:
                    raise
                # Each operation counts against the rate limit: the ones over it are
                # refused in their place, the others answered.
                return {"errors": [graphql_error(str(refused), code=refused.code)]}
            if isinstance(result, StreamedResponse):
                # A batch is one JSON array: each of its answers is one body.
                message = "An operation answered in parts cannot be part of a batch."
                return {"errors": [graphql_error(message, code=BAD_REQUEST)]}
            return result.body

        tasks = [asyncio.ensure_future(one(payload)) for payload in payloads]
        try:
            bodies = await asyncio.gather(*tasks)
        except BaseException:
            # The whole request is refused (401) or gone: the other operations' work
            # (a persisted-query registration, a subgraph fetch) is for nobody.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        return 200, orjson.dumps(bodies), [_CONTENT_TYPE[media_type]]

    async def _run(
        self,
        decoded: Decoded,
        headers: RequestHeaders,
        *,
        allow_mutations: bool = True,
        budget: WorkBudget | None = None,
        streaming: bool = False,
        defer: IncrementalFormat | None = None,
        shared: SharedAuthentication | None = None,
    ) -> Response:
        router = self.holder.router
        if router is None:
            raise Refused(503, "The supergraph is not loaded yet.", SERVICE_UNAVAILABLE)
        started = time.perf_counter()
        # Fresh operations are admitted in turn per client address (pipeline/fresh.py).
        address = self._proxies.client_of(headers)
        found: SecurityContext | None = None
        if self._security is not None and shared is None:
            # As Apollo Router: the token is checked before the persisted-query lookup,
            # so a bad one is 401 even when the hash is unknown. (A batch's operations
            # keep their own persisted-query errors: SharedAuthentication.)
            found = await self._authenticate(headers, None)
        if self._persisted.applies(decoded.document_id, decoded.extensions):
            resolved = await self._persisted.resolve(
                decoded.request(client_address=address),
                document_id=decoded.document_id,
                client_name=headers.get(self._client_header),
            )
            result: Response
            if isinstance(resolved, GraphQLResponse):
                result = resolved
            else:
                if self._security is not None:
                    if found is None:
                        found = await self._authenticate(headers, shared)
                    resolved = found.on(resolved)
                if router.usage is not None:
                    resolved = with_client(resolved, decoded, headers, router.usage.settings)
                if self._rate_limit is not None:
                    await self._limit(headers, decoded, resolved)
                result = await router.execute(
                    resolved,
                    allow_mutations=allow_mutations,
                    budget=budget,
                    streaming=streaming,
                    defer=defer,
                )
        else:
            # The usual case: the request is built once, with what security adds.
            if self._security is None:
                request = decoded.request(client_address=address)
            else:
                if found is None:
                    found = await self._authenticate(headers, shared)
                request = decoded.request(
                    found.claims,
                    found.subgraph_headers,
                    found.subgraph_headers_by_name,
                    found.headers_now,
                    address,
                )
            if router.usage is not None:
                request = with_client(request, decoded, headers, router.usage.settings)
            if self._rate_limit is not None:
                await self._limit(headers, decoded, request)
            result = await router.execute(
                request,
                allow_mutations=allow_mutations,
                budget=budget,
                streaming=streaming,
                defer=defer,
            )
        if self._mask is not None:
            if isinstance(result, StreamedResponse):
                result.parts = masked_parts(result.parts, self._mask)
            else:
                result.body = mask_subgraph_errors(result.body, self._mask)
        operation = result.operation_name if result.kind == "ok" else None
        self._metrics.on_request(operation, result.kind, time.perf_counter() - started)
        if isinstance(result, GraphQLResponse):
            self._metrics.on_errors(result.body)
        observed = current_record()
        if observed is not None:
            observed.operation_name = result.operation_name or decoded.operation_name
        return result

    async def _authenticate(
        self, headers: RequestHeaders, shared: SharedAuthentication | None
    ) -> SecurityContext:
        """The caller's security context (a batch's `shared` one); 401 when refused."""
        assert self._security is not None
        try:
            if shared is not None:
                return await shared.context()
            return await self._security.context(headers)
        except AuthError as error:
            raise Refused(401, error.reason, UNAUTHENTICATED) from None

    async def _limit(
        self, headers: RequestHeaders, decoded: Decoded, request: GraphQLRequest
    ) -> None:
        assert self._rate_limit is not None
        try:
            await self._rate_limit.check(headers, decoded, request)
        except RateLimited as limited:
            raise Refused(429, str(limited), limited.code, limited.retry_after) from None


def with_client(
    request: GraphQLRequest, decoded: Decoded, headers: RequestHeaders, usage: UsageSettings
) -> GraphQLRequest:
    """The request with who sent it, for usage reporting: the client's headers and the
    persisted operation (its id, or its hash for automatic persisted queries)."""
    persisted = decoded.document_id
    if persisted is None and decoded.extensions is not None:
        apq = decoded.extensions.get("persistedQuery")
        if isinstance(apq, dict) and isinstance(apq.get("sha256Hash"), str):
            persisted = apq["sha256Hash"]
    client = ClientIdentity(
        headers.get(usage.client_name_header), headers.get(usage.client_version_header), persisted
    )
    return dataclasses.replace(request, client=client)


def _server_attributes(scope: Scope) -> dict[str, str | int]:
    """The HTTP server span's attributes (semantic conventions) known before the answer."""
    attributes: dict[str, str | int] = {
        "http.request.method": scope["method"],
        "http.route": GRAPHQL_ROUTE,
        "url.path": scope["path"],
        "url.scheme": scope.get("scheme", "http"),
        "network.protocol.version": scope.get("http_version", "1.1"),
    }
    server = scope.get("server")
    if server:
        attributes["server.address"], attributes["server.port"] = server[0], server[1]
    client = scope.get("client")
    if client:
        attributes["client.address"] = client[0]
    return attributes


def _access_line(
    scope: Scope, headers: RequestHeaders, status: int, seconds: float, record: RequestRecord
) -> None:
    """The request's access log line (`supergraph.access`, info): what an operator looks
    for first; the request and trace ids come with every line (logs.py)."""
    operation = record.operation_name
    # The operation name and the path are the client's: quoted like the fields, so a
    # space or `key=` in them cannot forge the fields that follow the message.
    access(
        f"{scope['method']} {field_text(scope['path'])} {status} {field_text(operation or '-')}",
        {
            "http.request.method": scope["method"],
            "url.path": scope["path"],
            "http.response.status_code": status,
            "graphql.operation.name": operation,
            "client.name": headers.get(CLIENT_NAME_HEADER),
            "client.version": headers.get(CLIENT_VERSION_HEADER),
            "duration_ms": round(seconds * 1000, 3),
            "subgraph_fetches": record.fetches,
        },
    )


def _no_param(_name: str) -> None:
    return None


def _graphql_answer(result: Response, media_type: str, stream: str | None = None) -> Answer:
    if stream is not None:
        if isinstance(result, StreamedResponse) and result.subscription:
            return 200, result, []
        if stream == "sse" and isinstance(result, GraphQLResponse) and result.kind == "ok":
            # A query or mutation over graphql-sse: its one result, then complete.
            return 200, StreamedResponse(_one(result.body), subscription=True), []
        if (
            stream == "sse"
            and isinstance(result, GraphQLResponse)
            and result.kind == "request_error"
        ):
            # graphql-sse: errors of the steps before execution (parse, validation,
            # authorization, caps) MUST come as a `next` event of an accepted stream;
            # a JSON body is no event, so an SSE client would see an empty stream end.
            return 200, StreamedResponse(_one(result.body), subscription=True), []
    if isinstance(result, StreamedResponse):
        return 200, result, []
    status = 200 if is_signal(result.body) else status_for(result.kind, media_type)
    headers = [_CONTENT_TYPE[media_type]]
    if status == 405:
        headers.insert(0, _ALLOW_POST)
    elif status == 503:
        headers.append(_RETRY_AFTER)
    if result.cache_control is not None:
        headers.append((b"cache-control", result.cache_control.encode()))
    return status, orjson.dumps(result.body), headers


async def _send_parts(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], parts: AsyncIterator[bytes]
) -> None:
    """A streamed answer: the head at once, then each part as it is ready (chunked)."""
    await send({"type": "http.response.start", "status": status, "headers": headers})
    try:
        async for part in parts:
            await send({"type": "http.response.body", "body": part, "more_body": True})
    except Exception as error:
        # The status is sent already: the client sees the stream end without its
        # closing boundary; the trace goes to the log.
        logger.error("streamed response %s failed", request_id(), exc_info=error)
    await send({"type": "http.response.body", "body": b""})


def masks_any(config: RouterConfig) -> bool:
    return config.mask_subgraph_errors or not all(config.include_subgraph_errors_by_name.values())


async def masked_parts(
    parts: AsyncIterator[JSONObject], masks: Callable[[str], bool]
) -> AsyncIterator[JSONObject]:
    """Each part masked; closing this closes `parts` (a subscription's upstream)."""
    try:
        async for part in parts:
            yield mask_part(part, masks)
    finally:
        await close_parts(parts)


async def _one(body: JSONObject) -> AsyncIterator[JSONObject]:
    yield body


def _not_acceptable() -> Answer:
    message = f"Accept {GRAPHQL_RESPONSE_JSON} or {APPLICATION_JSON}."
    return _error(message, 406, APPLICATION_JSON, NOT_ACCEPTABLE)


def _refusal(refused: Refused, media_type: str) -> Answer:
    status, body, headers = _error(str(refused), refused.status, media_type, refused.code)
    if refused.retry_after is not None:
        headers.append((b"retry-after", b"%d" % refused.retry_after))
    return status, body, headers


def _error(message: str, status: int, media_type: str, code: str = BAD_REQUEST) -> Answer:
    body = {"errors": [graphql_error(message, code=code)]}
    return status, orjson.dumps(body), [_CONTENT_TYPE[media_type]]


def _internal_error() -> Answer:
    return 500, internal_error_body(), [_CONTENT_TYPE[APPLICATION_JSON]]


def _request_id_header() -> tuple[bytes, bytes]:
    return b"x-request-id", request_id().encode("latin-1")


def internal_error_body() -> bytes:
    return orjson.dumps(internal_error_json())
