"""The names the manifest records the collateral side under, and turning what a
user types (`WETH`, `USD` or an address) into a token address on one chain."""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils.address import is_address, to_checksum_address

from relayer.chains.manifest import ChainDeployment
from relayer.errors import UnknownToken

VAULT_KEY = "CollateralVault"


@dataclass(frozen=True)
class CollateralToken:
    """A faucet token deploy puts on every collateral chain, 18 decimals."""

    symbol: str  # what users type: `--token WETH`
    name: str

    @property
    def manifest_key(self) -> str:
        return f"FaucetToken:{self.symbol}"


WETH = CollateralToken("WETH", "Test WETH")
USD = CollateralToken("USD", "Test USD")
TEST_TOKENS = (WETH, USD)
TEST_TOKEN_DECIMALS = 18


def resolve_token(chain: ChainDeployment, token: str) -> str:
    """The address `token` names on `chain`: a test token's symbol (any case) or an
    address, checksummed. Whether the vault lists it is the vault's to say."""
    if is_address(token):
        return to_checksum_address(token)
    for spec in TEST_TOKENS:
        if token.upper() == spec.symbol and spec.manifest_key in chain.contracts:
            return to_checksum_address(chain.contracts[spec.manifest_key])
    known = [s.symbol for s in TEST_TOKENS if s.manifest_key in chain.contracts]
    raise UnknownToken(token, chain.name, known)
