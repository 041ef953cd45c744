"""Deploying every component's contracts (mailboxes, price feeds, the market,
the vaults and their test tokens) to a set of chains, idempotently, into the manifest.

Imports the agents (for what they deploy), chains and the bottom layer."""
