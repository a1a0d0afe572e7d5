"""Fragments in dependency order: each after every fragment it spreads.

Both the limits walk (limits/measure.py) and the validation walk
(fast_validation.py) measure a fragment once, after what it spreads, so that a
fragment used many times costs one walk. Iterative, so a chain of any length
needs no interpreter stack.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping


def post_order(
    spreads: Mapping[str, Iterable[str]], on_cycle: Callable[[], None] | None = None
) -> list[str]:
    """The names of `spreads` (fragment -> the fragments it spreads), each after those
    it spreads. A spread of an unknown name is passed over; one back onto the current
    path (a cycle) too, after telling `on_cycle` (which may raise to give up)."""
    order: list[str] = []
    done: set[str] = set()
    for root in spreads:
        if root in done:
            continue
        path = [(root, iter(spreads[root]))]
        on_path = {root}
        while path:
            name, children = path[-1]
            for child in children:
                if child in on_path:
                    if on_cycle is not None:
                        on_cycle()
                    continue
                if child in done or child not in spreads:
                    continue
                path.append((child, iter(spreads[child])))
                on_path.add(child)
                break
            else:
                path.pop()
                on_path.discard(name)
                done.add(name)
                order.append(name)
    return order
