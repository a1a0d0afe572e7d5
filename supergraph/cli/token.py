"""`supergraph token`: a development JWT that `supergraph dev` accepts.

Signed with the development key (`SUPERGRAPH_DEV_KEY`, default
`./data/dev-signing-key.pem`, created on first use), `iss: supergraph-dev`,
`aud: supergraph`. Refused when `SUPERGRAPH_ENV` says production.
"""

from __future__ import annotations

import argparse
import sys

MAX_TTL_SECONDS = 7 * 24 * 3600


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sub", required=True, metavar="ID", help="the user id (JWT `sub`)")
    parser.add_argument(
        "--scope",
        action="append",
        default=[],
        metavar="S",
        help="a scope to grant (repeat for several; e.g. orders:read, user:email)",
    )
    parser.add_argument(
        "--ttl", type=int, default=3600, metavar="SECONDS", help="lifetime (default 3600)"
    )


def run(args: argparse.Namespace) -> int:
    from auth import AuthConfigError
    from auth.dev import dev_key_path, dev_token_signer, ensure_development, load_or_create_dev_key

    if not 1 <= args.ttl <= MAX_TTL_SECONDS:
        print(f"supergraph token: --ttl must be 1..{MAX_TTL_SECONDS} seconds", file=sys.stderr)
        return 2
    if not args.sub.strip():
        print("supergraph token: --sub must not be empty", file=sys.stderr)
        return 2
    try:
        ensure_development("supergraph token")
        key = load_or_create_dev_key(dev_key_path())
    except AuthConfigError as error:
        print(f"supergraph token: {error}", file=sys.stderr)
        return 2
    scopes = [s for scope in args.scope for s in scope.split()]
    print(dev_token_signer(key, ttl=args.ttl).sign(args.sub, scopes))
    return 0
