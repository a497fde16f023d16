"""Benchmarks: `make bench` (speed and memory against a bare Playwright loop, the matcher)."""
