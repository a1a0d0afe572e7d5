"""`supergraph contract [--supergraph schema.graphql] --include-tag T [--exclude-tag T]
[--keep-unreachable] [--operations MANIFEST] --output FILE`.

Derives a contract supergraph (supergraph/governance/contract.py,
docs/contracts.md): the filtered elements marked `@inaccessible`, so a router
serving the file shows clients only the selected API. `--operations` validates
a persisted query manifest (a partner's operations) against the contract's API.
Exit status: 0 written (and every operation valid), 1 operations invalid
against the contract (the file is written), 2 a usage problem or a filter
that leaves no API.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from supergraph.governance.check import invalid_operations
from supergraph.governance.contract import ContractError, derive_contract
from supergraph.pipeline.persisted.manifest import ManifestError, load_manifest
from supergraph.schema import SupergraphError, load_supergraph


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--supergraph",
        type=Path,
        default=Path("schema.graphql"),
        help="the full supergraph (default: schema.graphql)",
    )
    parser.add_argument(
        "--include-tag", action="append", default=[], help="show what carries this @tag"
    )
    parser.add_argument(
        "--exclude-tag", action="append", default=[], help="hide what carries this @tag"
    )
    parser.add_argument(
        "--keep-unreachable",
        action="store_true",
        help="keep types that no shown field leads to (hidden by default)",
    )
    parser.add_argument("--operations", type=Path, help="persisted query manifest to validate")
    parser.add_argument("--output", required=True, type=Path, help="the contract supergraph")


def run(args: argparse.Namespace) -> int:
    if not args.include_tag and not args.exclude_tag:
        print("supergraph contract: give --include-tag and/or --exclude-tag", file=sys.stderr)
        return 2
    try:
        contract = derive_contract(
            args.supergraph.read_text(encoding="utf-8"),
            include=args.include_tag,
            exclude=args.exclude_tag,
            hide_unreachable=not args.keep_unreachable,
        )
        operations = dict(load_manifest(args.operations).by_id) if args.operations else {}
        args.output.write_text(contract.supergraph_sdl, encoding="utf-8")
    except OSError as error:
        print(f"supergraph contract: {error.filename}: {error.strerror}", file=sys.stderr)
        return 2
    except (SupergraphError, ContractError, ManifestError) as error:
        print(f"supergraph contract: {error}", file=sys.stderr)
        return 2
    print(f"wrote {args.output}: {len(contract.hidden)} element(s) hidden", file=sys.stderr)
    invalid = invalid_operations(load_supergraph(contract.supergraph_sdl).api_schema, operations)
    for operation in invalid:
        print(f"operation {operation.id}: {'; '.join(operation.messages)}")
    if operations:
        print(f"{len(operations) - len(invalid)} of {len(operations)} operation(s) valid")
    return 1 if invalid else 0
