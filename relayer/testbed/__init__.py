"""Live chains with the real contracts, for the e2e tests, the benchmarks and the
demo: chain fixtures, a messaging net with test recipients and load generators,
the on-chain risk harness, and the demo's scenario.

Imports deploy, the agents, chains and the bottom layer; never bench or cli."""
