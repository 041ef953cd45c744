"""Deploying every component's contracts (mailboxes, price feeds; later vaults
and the market) to a set of chains, idempotently, into the manifest.

Imports the agents (for what they deploy), chains and the bottom layer."""
