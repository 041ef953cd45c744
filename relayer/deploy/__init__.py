"""Deploying every component's contracts (mailboxes, price feeds, the market,
the vaults and their test tokens) to a set of chains, idempotently, into the manifest:
the local devnet with the dev keys, or a network of the networks file, checked,
simulated on local forks and priced before anything is sent.

Imports the agents (for what they deploy), chains and the bottom layer."""
