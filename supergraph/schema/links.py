"""Read `@link` / `@core` on the schema: which specs are used and under which names.

A spec linked as `https://specs.apollo.dev/join/v0.3` (optionally `as:`)
names its directives `@join__type` etc.; a directive named like its spec
(`@inaccessible`, `@tag`, `@authenticated`) is referred to as `@<name>` unless
renamed. Specs the router does not know are refused when they are linked
`for: EXECUTION` or `for: SECURITY` (the link spec says a router must not
serve a supergraph whose execution or security semantics it cannot honour).

`read_link` reads one `@link` as written, `schema_links` every link on a
schema, `local_name` the name a link gives one of its spec's directives: the
supergraph's reader, its cost directives (`schema/cost.py`) and composition
(which federation directives a subgraph imports, under which names) all use them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from graphql import (
    ConstDirectiveNode,
    EnumValueNode,
    ListValueNode,
    ObjectValueNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
    ValueNode,
    print_ast,
)

from supergraph.schema.errors import SupergraphError

FEDERATION_SPEC = "https://specs.apollo.dev/federation/"
COST_SPEC = "https://specs.apollo.dev/cost/"
"""A subgraph may link the cost spec itself instead of importing from federation v2.9."""

JOIN_VERSIONS = ("0.1", "0.2", "0.3", "0.4", "0.5")
_URL = re.compile(r"^https?://[^/]+(?:/.*)?/([A-Za-z_][A-Za-z0-9_-]*)/v(\d+\.\d+)$")

# Specs we understand: the router honours them (or ignores them safely: tag, cost).
KNOWN_SPECS = frozenset(
    {
        "core",
        "link",
        "join",
        "inaccessible",
        "tag",
        "authenticated",
        "requiresScopes",
        "policy",
        "cost",
        "context",
    }
)


@dataclass(frozen=True, slots=True)
class Link:
    """What one `@link` (or Federation 1 `@core`) on a schema says, as written."""

    url: str
    alias: str | None
    """`as:`: the prefix of the spec's elements instead of the spec's name."""
    purpose: str | None
    """`for:` (`SECURITY`, `EXECUTION`)."""
    imports: dict[str, str]
    """Imported element (`@name`, or a type's name) -> its local name (its `as:`, or the same)."""
    node: ConstDirectiveNode
    invalid_imports: tuple[str, ...] = ()
    """Import entries that are neither `"@name"` nor `{name: "@name", as: "@local"}`, printed."""


def read_link(directive: ConstDirectiveNode) -> Link | None:
    """The link a `@link(url:)` or `@core(feature:)` directive declares; None without a URL."""
    url_argument = "feature" if directive.name.value == "core" else "url"
    url: str | None = None
    alias: str | None = None
    purpose: str | None = None
    imports: dict[str, str] = {}
    invalid: list[str] = []
    for argument in directive.arguments or ():
        name, value = argument.name.value, argument.value
        if name == url_argument and isinstance(value, StringValueNode):
            url = value.value
        elif name == "as" and isinstance(value, StringValueNode):
            alias = value.value
        elif name == "for" and isinstance(value, EnumValueNode | StringValueNode):
            purpose = value.value
        elif name == "import":
            imports, invalid = _read_imports(value)
    return None if url is None else Link(url, alias, purpose, imports, directive, tuple(invalid))


def schema_links(
    nodes: Iterable[SchemaDefinitionNode | SchemaExtensionNode | None], *, core: bool = True
) -> list[Link]:
    """The links on a schema's definition and extensions, in order (without `core`, a
    Federation 1 `@core` is not one)."""
    names = ("link", "core") if core else ("link",)
    links: list[Link] = []
    for node in nodes:
        for directive in (node.directives if node is not None else None) or ():
            if directive.name.value in names:
                link = read_link(directive)
                if link is not None:
                    links.append(link)
    return links


def local_name(link: Link, spec: str, name: str) -> str:
    """What a schema linking `spec` by `link` calls the spec's directive `@name`: the
    name it imports it as, else `<prefix>__<name>`, or the prefix alone for the
    directive named like its spec (`@cost`); the prefix is `as:`, else the spec's name."""
    imported = link.imports.get(f"@{name}")
    if imported:
        return imported[1:]
    prefix = link.alias or spec
    return prefix if name == spec else f"{prefix}__{name}"


def _read_imports(value: ValueNode) -> tuple[dict[str, str], list[str]]:
    imports: dict[str, str] = {}
    invalid: list[str] = []
    items = value.values if isinstance(value, ListValueNode) else (value,)
    for item in items:
        if isinstance(item, StringValueNode):
            imports[item.value] = item.value
        elif isinstance(item, ObjectValueNode):
            fields = {f.name.value: f.value for f in item.fields}
            name, alias = fields.get("name"), fields.get("as")
            if isinstance(name, StringValueNode):
                local = alias.value if isinstance(alias, StringValueNode) else name.value
                imports[name.value] = local
            else:
                invalid.append(print_ast(item))
        else:
            invalid.append(print_ast(item))
    return imports, invalid


@dataclass(frozen=True, slots=True)
class Links:
    """Local directive names of the specs this supergraph links."""

    join_version: str
    prefixes: dict[str, str] = field(default_factory=dict)
    """spec name -> local prefix (`join` -> `join`)."""
    imports: dict[str, str] = field(default_factory=dict)
    """`@spec__directive` or `@spec` canonical name -> local directive name."""

    def directive(self, spec: str, name: str | None = None) -> str:
        """Local name of a spec directive: `directive("join", "type")` -> `join__type`."""
        canonical = f"{spec}__{name}" if name else spec
        if canonical in self.imports:
            return self.imports[canonical]
        prefix = self.prefixes.get(spec, spec)
        return f"{prefix}__{name}" if name else prefix

    def machinery_prefixes(self) -> tuple[str, ...]:
        """Prefixes of the specs whose types and directives clients must not see."""
        return tuple(f"{p}__" for p in self.prefixes.values())

    def spec_directive_names(self) -> frozenset[str]:
        """Every directive name that belongs to a linked spec (stripped from the API schema)."""
        names = set(self.imports.values())
        for spec, prefix in self.prefixes.items():
            if spec in {"inaccessible", "tag", "authenticated", "requiresScopes", "policy"}:
                names.add(prefix)
        return frozenset(names)


def read_links(schema_nodes: Sequence[SchemaDefinitionNode | SchemaExtensionNode]) -> Links:
    directives = [d for node in schema_nodes for d in node.directives or ()]
    prefixes: dict[str, str] = {}
    imports: dict[str, str] = {}
    join_version: str | None = None
    for directive in directives:
        if directive.name.value not in {"link", "core"}:
            continue
        link = read_link(directive)
        if link is None:
            raise SupergraphError(f"@{directive.name.value} without a url on the schema")
        match = _URL.match(link.url)
        if match is None:
            raise SupergraphError(f"unrecognised spec URL in @{directive.name.value}: {link.url!r}")
        spec, version = match.group(1), match.group(2)
        if spec not in KNOWN_SPECS:
            if link.purpose in {"EXECUTION", "SECURITY"}:
                raise SupergraphError(
                    f"the supergraph links {link.url!r} for {link.purpose}, which this router "
                    "does not support"
                )
            continue
        prefixes[spec] = spec if link.alias is None else link.alias
        if spec == "join":
            if version not in JOIN_VERSIONS:
                raise SupergraphError(
                    f"unsupported join spec version v{version} ({link.url}); supported: v0.1 to v0.5"
                )
            join_version = version
        for element, local in link.imports.items():
            name = element.lstrip("@")
            canonical = name if name == spec else f"{spec}__{name}"
            imports[canonical] = local.lstrip("@")
    if join_version is None:
        raise SupergraphError(
            "not a supergraph: the schema has no @link/@core to the join spec "
            "(https://specs.apollo.dev/join/v0.x)"
        )
    return Links(join_version=join_version, prefixes=prefixes, imports=imports)
