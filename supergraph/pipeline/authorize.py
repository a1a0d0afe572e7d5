"""Stage: authorize the prepared operation for the caller's claims.

    (prepared operation, claims) -> the operation itself, or its variant planned
                                    without the denied selections | Unauthorized

Which selections are guarded was found once, when preparing (authorization/);
per request only the caller's claims are checked against them. A variant is
built (and cached by the Router) per set of denied selections; in reject mode
any denied selection refuses the whole request.
"""

from __future__ import annotations

from collections.abc import Callable

from graphql import DocumentNode

from auth import Claims
from supergraph.authorization import (
    AuthorizationOptions,
    denied_indexes,
    denied_paths,
    guarded_nodes,
    remove_fields,
)
from supergraph.errors import UNAUTHORIZED_FIELD_OR_TYPE, graphql_error
from supergraph.executor.errors import UNAUTHORIZED_MESSAGE
from supergraph.pipeline.plan import PreparedOperation, fragments_of, select_operation
from supergraph.schema import Supergraph
from supergraph.types import JSONObject


class Unauthorized(Exception):
    """Reject mode: the caller may not see these selections; one error per path."""

    def __init__(self, errors: list[JSONObject]) -> None:
        super().__init__(UNAUTHORIZED_MESSAGE)
        self.errors = errors


async def denied(
    prepared: PreparedOperation, claims: Claims | None, options: AuthorizationOptions
) -> frozenset[int]:
    """The indexes of the guarded selections `claims` may not see (empty: all)."""
    return await denied_indexes(prepared.requirements, claims, options.policy_hook)


def authorized_variant(
    supergraph: Supergraph,
    document: DocumentNode,
    operation_name: str | None,
    denied: frozenset[int],
    reject: bool,
    replan: Callable[..., PreparedOperation],
) -> PreparedOperation:
    """Pure: the operation planned without the `denied` selections, or (`reject`)
    Unauthorized. `document`: parsed again (the cached operation keeps no AST);
    `guarded_nodes` numbers its fields as preparing did, so the indexes name the
    same nodes."""
    operation = select_operation(document, operation_name)
    fragments = fragments_of(document)
    guarded = guarded_nodes(supergraph, operation, fragments)
    nodes = tuple(node for index, node in enumerate(guarded) if index in denied)
    if reject:
        paths = denied_paths(operation, fragments, nodes)
        raise Unauthorized(
            [
                graphql_error(UNAUTHORIZED_MESSAGE, path=path, code=UNAUTHORIZED_FIELD_OR_TYPE)
                for path in paths
            ]
        )
    return replan(
        document,
        operation,
        fragments,
        operation_name,
        planned=remove_fields(document, nodes),
        denied=nodes,
    )
