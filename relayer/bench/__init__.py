"""Benchmarks on fresh local chains: relay latency, throughput and gas; the risk
engine's gas, accuracy and speed. Each writes a JSON result.

Imports testbed and everything below it; never cli."""
