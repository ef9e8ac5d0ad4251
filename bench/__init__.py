"""Benchmarks: each prints ratios or targets measured in the same run (see README.md)."""
