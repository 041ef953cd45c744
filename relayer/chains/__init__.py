"""The chains and what is deployed on them: the pinned EVM toolchain and the one
compile path, local Anvil nodes and the devnet, node connections and transaction
sending, keys, and the deployment manifest with its binding to live chains.

Imports only the bottom layer (errors, settings, logs, files, table)."""
