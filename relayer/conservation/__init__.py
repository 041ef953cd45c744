"""The conservation checker of DESIGN §7.1: reads every vault, the market and both
ends of every channel, and says per (domain, token) whether what the vaults hold
is what the market's ledger and the messages in flight account for."""
