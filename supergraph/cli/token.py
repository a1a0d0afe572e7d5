"""`supergraph token`: a development JWT that `supergraph dev` accepts.

Signed with the development key (`SUPERGRAPH_DEV_KEY`, default
`./data/dev-signing-key.pem`, relative to where it runs), `iss: supergraph-dev`,
`aud: supergraph`. Refused when `SUPERGRAPH_ENV` says production.

The key is the one `supergraph dev` created in its folder: run elsewhere, the
default path holds no key, and a token signed with a new one would only get
"signature is not valid" from the router. So a missing default key is an error
with the way out (`--create-key` makes one anyway; a `SUPERGRAPH_DEV_KEY` that
names a missing file is created, as dev does). `--scope` takes one scope or
several separated by commas or spaces (`--scope orders:read,user:email`).
"""

from __future__ import annotations

import argparse
import re
import sys

MAX_TTL_SECONDS = 7 * 24 * 3600
_SCOPE = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")


def scope_list(values: list[str]) -> list[str]:
    """`--scope a,b --scope c` -> [a, b, c]: a comma never makes one scope "a,b"
    (the token's `scope` claim is space-separated, so "a,b" could never match)."""
    return [part for value in values for part in re.split(r"[,\s]+", value) if part]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sub",
        required=True,
        metavar="ID",
        help="the user id (JWT `sub`): any string, e.g. 7 or a UUID",
    )
    parser.add_argument(
        "--scope",
        action="append",
        default=[],
        metavar="S",
        help="scopes to grant: repeat, or separate with commas (orders:read,user:email)",
    )
    parser.add_argument(
        "--create-key",
        action="store_true",
        help="create the development key when missing (else: an error naming where it is)",
    )
    parser.add_argument(
        "--ttl", type=int, default=3600, metavar="SECONDS", help="lifetime (default 3600)"
    )


def run(args: argparse.Namespace) -> int:
    import os

    from auth import AuthConfigError
    from auth.dev import (
        DEV_KEY_ENV,
        dev_key_path,
        dev_token_signer,
        ensure_development,
        load_or_create_dev_key,
    )

    if not 1 <= args.ttl <= MAX_TTL_SECONDS:
        print(f"supergraph token: --ttl must be 1..{MAX_TTL_SECONDS} seconds", file=sys.stderr)
        return 2
    if not args.sub.strip():
        print("supergraph token: --sub must not be empty", file=sys.stderr)
        return 2
    path = dev_key_path()
    if not path.exists() and not args.create_key and not os.environ.get(DEV_KEY_ENV):
        print(
            f"supergraph token: no development key at {path.resolve()}. Run this in the folder"
            " where `supergraph dev` runs (it creates the key there, in data/), or set"
            f" {DEV_KEY_ENV} to that key; a token signed with a new key would be refused by"
            ' the router ("signature is not valid"). --create-key makes a new one here.',
            file=sys.stderr,
        )
        return 2
    try:
        ensure_development("supergraph token")
        key = load_or_create_dev_key(path)
    except AuthConfigError as error:
        print(f"supergraph token: {error}", file=sys.stderr)
        return 2
    scopes = scope_list(args.scope)
    if any(not _SCOPE.fullmatch(scope) for scope in scopes):
        bad = next(scope for scope in scopes if not _SCOPE.fullmatch(scope))
        print(f"supergraph token: {bad!r} is not a scope (RFC 6749 characters)", file=sys.stderr)
        return 2
    print(dev_token_signer(key, ttl=args.ttl).sign(args.sub, scopes))
    return 0
