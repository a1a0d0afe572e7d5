"""`Claims`: who a verified token speaks for, and what it may do."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Claims:
    """The verified payload of a token.

    `scopes` come from the `scope` claim (space-separated, OAuth 2) or `scp`
    (a list or a space-separated string). `raw` is the whole payload, for
    policy hooks that look at custom claims.
    """

    subject: str | None
    scopes: frozenset[str] = frozenset()
    issuer: str | None = None
    audience: tuple[str, ...] = ()
    expires_at: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)
    leeway: float = field(default=0.0, compare=False)
    """The verifier's clock-skew allowance: it accepts the token until `exp` + this."""

    @property
    def sub(self) -> str | None:
        return self.subject

    @property
    def accepted_until(self) -> float | None:
        """Until when the verifier accepts the token (None: it has no `exp`)."""
        return None if self.expires_at is None else self.expires_at + self.leeway

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any], *, leeway: float = 0.0) -> Claims:
        subject = payload.get("sub")
        issuer = payload.get("iss")
        audience = payload.get("aud")
        expires = payload.get("exp")
        return cls(
            subject=str(subject) if isinstance(subject, str | int) and subject != "" else None,
            scopes=_scopes(payload),
            issuer=issuer if isinstance(issuer, str) else None,
            audience=_strings(audience),
            expires_at=int(expires) if isinstance(expires, int | float) else None,
            raw=dict(payload),
            leeway=leeway,
        )


def _scopes(payload: Mapping[str, Any]) -> frozenset[str]:
    found: set[str] = set()
    for name in ("scope", "scp"):
        value = payload.get(name)
        if isinstance(value, str):
            found.update(value.split())
        elif isinstance(value, list):
            found.update(v for v in value if isinstance(v, str) and v)
    return frozenset(found)


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()
