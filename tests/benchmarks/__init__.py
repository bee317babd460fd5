"""Smoke tests of the benchmark harness (benchmarks/): it runs, its output has the right shape,
and its quality check tells right from wrong. Nothing is timed here."""
