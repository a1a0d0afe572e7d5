"""One module per `supergraph` subcommand: `add_arguments(parser)` and `run(args) -> int`."""
