"""The message layer's off-chain half: the wire format, attestations, the
`Dispatch` indexer and watchers, validators, the relayer and its delivery
bounds, the SQLite state file, fault injection, metrics, and the operator's
ways out of stuck states.

Imports chains and the bottom layer; never oracle or risk."""
