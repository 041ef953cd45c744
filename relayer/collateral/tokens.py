"""The names the manifest records the collateral side under, and turning what a
user types (`WETH`, `USD` or an address) into a token address on one chain."""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils.address import is_address, to_checksum_address

from relayer.chains.manifest import ChainDeployment, Manifest
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


def token_symbols(manifest: Manifest) -> dict[tuple[int, str], str]:
    """(domain, lower-case address) -> symbol of every test token the manifest records;
    keyed by domain, since deploys on fresh chains give the same addresses."""
    return {
        (chain.domain, chain.contracts[token.manifest_key].lower()): token.symbol
        for chain in manifest.chains
        for token in TEST_TOKENS
        if token.manifest_key in chain.contracts
    }


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
