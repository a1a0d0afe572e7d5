"""The one error type of the supergraph model stage."""

from __future__ import annotations


class SupergraphError(ValueError):
    """The supergraph SDL is corrupt or uses a feature the router does not support.

    The message names the offending element (type, field, directive or link URL)
    so the operator can fix the file.
    """
