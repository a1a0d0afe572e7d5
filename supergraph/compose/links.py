"""Which local name a subgraph uses for each federation directive (`@link` imports).

A Federation 2 subgraph links the federation spec and imports some of its
directives (`import: ["@key", {name: "@shareable", as: "@mayShare"}]`); the
rest keep their namespaced name (`@federation__key`, or `@<as>__key` when the
link has `as:`). A Federation 1 subgraph has no link and uses bare names.
The links themselves are read as the supergraph's are (`supergraph.schema.links`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql.language import DocumentNode, SchemaDefinitionNode, SchemaExtensionNode

from supergraph.schema.links import Link, read_link

FEDERATION_SPEC = "https://specs.apollo.dev/federation/"
COST_SPEC = "https://specs.apollo.dev/cost/"
"""A subgraph may link the cost spec itself instead of importing from federation v2.9."""

FEDERATION_DIRECTIVES = (
    "key",
    "external",
    "requires",
    "provides",
    "extends",
    "shareable",
    "inaccessible",
    "tag",
    "override",
    "composeDirective",
    "interfaceObject",
    "authenticated",
    "requiresScopes",
    "policy",
    "context",
    "fromContext",
    "cost",
    "listSize",
)

# Types a subgraph may reference without defining: they belong to federation
# or link, not to the subgraph's own API, and never reach the supergraph.
FEDERATION_TYPES = frozenset(
    {
        "_Any",
        "_Entity",
        "_Service",
        "_FieldSet",
        "FieldSet",
        "federation__FieldSet",
        "federation__Scope",
        "federation__Policy",
        "federation__ContextFieldValue",
        "link__Import",
        "link__Purpose",
        "link__Url",
    }
)


@dataclass(slots=True)
class FederationNames:
    """Local directive name -> federation directive name, for one subgraph."""

    version: tuple[int, int] | None
    """(2, x) for a Federation 2 subgraph, None for Federation 1 (no link)."""
    by_local: dict[str, str] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)

    @property
    def is_fed2(self) -> bool:
        return self.version is not None

    def canonical(self, local: str) -> str | None:
        return self.by_local.get(local)


def _links(document: DocumentNode) -> list[Link]:
    """The subgraph's `@link`s, in order (a Federation 1 `@core` is not one)."""
    links: list[Link] = []
    for definition in document.definitions:
        if not isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            continue
        for directive in definition.directives or ():
            if directive.name.value == "link":
                link = read_link(directive)
                if link is not None:
                    links.append(link)
    return links


def federation_names(document: DocumentNode) -> FederationNames:
    links = _links(document)
    federation = next((link for link in links if link.url.startswith(FEDERATION_SPEC)), None)
    if federation is None:
        # Federation 1: bare names, no link.
        names = FederationNames(version=None, links=links)
        names.by_local = {name: name for name in FEDERATION_DIRECTIVES}
        return names
    names = FederationNames(version=_version(federation.url), links=links)
    prefix = federation.alias or "federation"
    for name in FEDERATION_DIRECTIVES:
        local = federation.imports.get(f"@{name}")
        names.by_local[local[1:] if local else f"{prefix}__{name}"] = name
    for link in links:
        if link.url.startswith(COST_SPEC):
            # The spec's own directive is `@cost` (or `@<as>`), the other `@cost__listSize`.
            cost_prefix = link.alias or "cost"
            cost = link.imports.get("@cost")
            names.by_local[cost[1:] if cost else cost_prefix] = "cost"
            list_size = link.imports.get("@listSize")
            names.by_local[list_size[1:] if list_size else f"{cost_prefix}__listSize"] = "listSize"
    return names


def _version(url: str) -> tuple[int, int]:
    tail = url.rstrip("/").rsplit("/", 1)[-1].lstrip("v")
    major, _, minor = tail.partition(".")
    try:
        return int(major), int(minor or 0)
    except ValueError:
        return 2, 0
