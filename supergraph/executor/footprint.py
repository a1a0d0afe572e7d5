"""How many bytes an object graph keeps alive: the weight of a cache entry.

    footprint = Footprint(stop=(GraphQLSchema, ...), shared=lambda obj: ...)
    footprint.of(key, value)   # bytes of everything reachable, each object once

A walk over what is reachable (containers, slotted and plain objects, graphql-core
AST nodes), summing `sys.getsizeof` of each object once. It stops at what the
entry does not own: singletons and small ints, types, functions and modules,
enum members, instances of the `stop` types (the schema, the shapes every
operation shares) and objects `shared` says belong to everyone. A string shared
with other entries (an interned name) is still counted: at most a few dozen
bytes per distinct name of an operation, while what an attacker controls (query
texts, literals, aliases) is counted in full.

It runs once per cache insertion, after the parse, validation or planning that
built the entry (which cost far more than the walk), never on a lookup.
"""

from __future__ import annotations

import enum
import sys
import types
from collections.abc import Callable
from typing import Final

_ATOMS: Final = (str, bytes, int, float, complex, bytearray)
_SEQUENCES: Final = (tuple, list, set, frozenset)
_FOREIGN: Final = (
    type,
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    enum.Enum,
)
_SLOTS: dict[type, tuple[str, ...]] = {}


def _slots(cls: type) -> tuple[str, ...]:
    """Every slot name of `cls` and its bases (the instance's own fields)."""
    names = _SLOTS.get(cls)
    if names is None:
        found: dict[str, None] = {}
        for base in cls.__mro__:
            # A class compiled by mypyc (scripts/build_compiled.py) keeps no `__slots__`:
            # its instance fields are listed in `__mypyc_attrs__`.
            declared = base.__dict__.get("__slots__", ()) or base.__dict__.get(
                "__mypyc_attrs__", ()
            )
            for name in (declared,) if isinstance(declared, str) else declared:
                if name not in ("__weakref__", "__dict__"):
                    found[name] = None
        names = _SLOTS[cls] = tuple(found)
    return names


class Footprint:
    """Weighs object graphs; `stop` types and `shared` objects weigh nothing (`shared`
    is asked about containers and objects, not about strings and numbers)."""

    __slots__ = ("_shared", "_stop")

    def __init__(
        self,
        stop: tuple[type, ...] = (),
        shared: Callable[[object], bool] | None = None,
    ) -> None:
        self._stop = (*_FOREIGN, *stop)
        self._shared = shared

    def of(self, *roots: object) -> int:
        """Bytes kept alive by `roots` (objects reachable from several count once)."""
        seen: set[int] = set()
        pending = list(roots)
        total = 0
        getsizeof = sys.getsizeof
        shared = self._shared
        stop = self._stop
        while pending:
            obj = pending.pop()
            if obj is None or obj is True or obj is False:
                continue
            ident = id(obj)
            if ident in seen:
                continue
            seen.add(ident)
            if isinstance(obj, _ATOMS):
                if type(obj) is int and -5 <= obj <= 256:
                    continue  # CPython's cached small ints
                total += getsizeof(obj)
                continue
            if isinstance(obj, stop) or (shared is not None and shared(obj)):
                continue
            total += getsizeof(obj)
            if isinstance(obj, _SEQUENCES):
                pending.extend(obj)
            elif isinstance(obj, dict):
                pending.extend(obj.keys())
                pending.extend(obj.values())
            else:
                names = _slots(type(obj))
                pending.extend(getattr(obj, name, None) for name in names)
                attributes = getattr(obj, "__dict__", None)
                if attributes is not None:
                    pending.append(attributes)
        return total


OBJECTS: Final = Footprint()
"""A footprint with no stops beyond types, functions, modules and enum members."""
