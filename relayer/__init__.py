"""crossflow: a local multi-chain testbed for cross-chain options order flow.

One subpackage per concern; imports only go down this picture (a test walks
every import and fails on one that goes up, sideways between the agents, or
round in a circle):

    cli          the `crossflow` command: parse, call, print
      │
    bench  demo  benchmarks on fresh chains; the whole story played live
      │
    testbed      live chains with deployed contracts for the e2e tests, the
      │          benchmarks and the demo
    status       one read of a deployment: chains, messages, prices, accounts
    deploy       puts every component's contracts on the chains
    conservation checks DESIGN §7.1 across the vaults, the market and the channels
    keeper       margin calls, liquidations, order cancels and settlement on the market
      │
    messaging  oracle  risk  market  collateral   the agents, models and clients,
      │                                           side by side, none importing another
    chains       nodes, toolchain, compiler, transactions, keys, the manifest
      │
    errors  settings  logs  files  table   the bottom: imported by all
"""

__version__ = "0.1.0"
