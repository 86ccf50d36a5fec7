"""Benchmarks: ai-trader against peer backtesters, measured in the same run."""
