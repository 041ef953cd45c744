"""The collateral vaults' client: the app messages between the vaults and the
market (one strict codec, the twin of AppMessage.sol), and deposits, reserves,
faucet drips and views of one `CollateralVault` on a collateral chain, in token
units rather than the smallest unit or WADs. Used by the CLI and, later, the
keeper and the conservation checker.

Imports chains and the bottom layer; never messaging, oracle, risk or market."""
