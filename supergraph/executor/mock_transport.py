"""In-process transports for tests: a function, or graphql-core schemas, as subgraphs."""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping

from graphql import GraphQLSchema, graphql

from supergraph.executor.transport import SubgraphHTTPError, SubgraphRequest
from supergraph.types import JSONObject

Handler = Callable[[str, SubgraphRequest], JSONObject | Awaitable[JSONObject]]


class MockTransport:
    """Turns a function `(subgraph, request) -> response` into a transport.

    Every request is recorded in `requests` (in order) and counted per subgraph.
    """

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self.requests: list[tuple[str, SubgraphRequest]] = []
        self.counts: Counter[str] = Counter()

    async def send(self, subgraph: str, request: SubgraphRequest) -> JSONObject:
        self.requests.append((subgraph, request))
        self.counts[subgraph] += 1
        result = self._handler(subgraph, request)
        if inspect.isawaitable(result):
            return await result
        return result

    async def aclose(self) -> None:
        return None


class SchemaTransport(MockTransport):
    """Serves each subgraph from a graphql-core schema, executed in process."""

    def __init__(
        self, schemas: Mapping[str, GraphQLSchema], root_values: Mapping[str, object] | None = None
    ) -> None:
        self._schemas = dict(schemas)
        self._root_values = dict(root_values or {})
        super().__init__(self._execute)

    async def _execute(self, subgraph: str, request: SubgraphRequest) -> JSONObject:
        schema = self._schemas.get(subgraph)
        if schema is None:
            raise SubgraphHTTPError(f"HTTP fetch failed from '{subgraph}': 404: Not Found", 404)
        result = await graphql(
            schema,
            request.query,
            root_value=self._root_values.get(subgraph),
            variable_values=request.variables,
            operation_name=request.operation_name,
        )
        formatted: JSONObject = dict(result.formatted)
        return formatted
