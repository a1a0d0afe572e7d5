"""Registers the conformance kit's fixtures (tests/kit/fixtures.py)."""

from __future__ import annotations

pytest_plugins = ["tests.kit.fixtures"]
