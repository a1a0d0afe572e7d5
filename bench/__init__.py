"""Benchmarks of the router against peer gateways (see bench/README.md)."""
