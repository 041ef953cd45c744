"""crossflow: a local multi-chain testbed for cross-chain options order flow."""

__version__ = "0.1.0"
