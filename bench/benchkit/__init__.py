"""Shared pieces of the benchmarks: a throwaway database, a real sandbox server, and meters.

This is a package (not a `bench/*.py` script) so `make bench` does not run it on its own.
"""
