"""Which access requirements guard a field selected on a type, from the supergraph model.

A field `F` selected on parent type `P` needs every one of:

- `P`'s own requirement (a type-level directive guards all of its fields);
- `P.F`'s requirement;
- when `P` is an interface, each implementation's type and `O.F` requirement
  (the value may be any of them, and the subgraph request cannot tell which);
- when `P` is an object, `I.F`'s requirement for each interface `I` it implements;
- the requirement of `F`'s named return type (object, interface, union, scalar, enum).

`__typename` is never guarded. The answer is static: it depends on the
supergraph only, so it is computed once per operation.
"""

from __future__ import annotations

from supergraph.schema import Authorization, Supergraph


def field_requirements(supergraph: Supergraph, parent: str, field: str) -> frozenset[Authorization]:
    if field.startswith("__"):
        return frozenset()
    types = supergraph.types
    parent_type = types.get(parent)
    if parent_type is None:
        return frozenset()
    found: set[Authorization] = {parent_type.authorization}
    definition = parent_type.fields.get(field)
    if definition is not None:
        found.add(definition.authorization)
        returned = types.get(definition.named_type)
        if returned is not None:
            found.add(returned.authorization)
    if parent_type.kind == "interface":
        for name in supergraph.possible_types(parent):
            implementation = types[name]
            found.add(implementation.authorization)
            implemented = implementation.fields.get(field)
            if implemented is not None:
                found.add(implemented.authorization)
    for interface in parent_type.interfaces:
        interface_type = types.get(interface)
        if interface_type is not None:
            found.add(interface_type.authorization)
            declared = interface_type.fields.get(field)
            if declared is not None:
                found.add(declared.authorization)
    return frozenset(a for a in found if not a.is_empty)
