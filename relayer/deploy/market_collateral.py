"""The market's half of the collateral wiring: on the market, τ of each collateral
chain's route set and, where the chain has test tokens, its test USD the quote token
(cash) and its test WETH listed collateral with the haircut the vault uses. Every
value is read first, so a second run sends nothing."""

from __future__ import annotations

from eth_account import Account
from pydantic import SecretStr
from web3 import Web3

from relayer.chains.chain import connect
from relayer.chains.compiler import Contracts, load_contracts
from relayer.chains.manifest import MARKET_ROLE, Manifest
from relayer.collateral.tokens import TEST_TOKEN_DECIMALS, USD, WETH
from relayer.deploy.collateral import MARKET_KEY
from relayer.deploy.journal import Journal, deploy_sender
from relayer.market.units import to_wad
from relayer.settings import CollateralSettings


def list_collateral_on_market(
    manifest: Manifest,
    *,
    deployer_key: SecretStr,
    collateral: CollateralSettings,
    latency: int,
    test_tokens: bool = True,
    contracts: Contracts | None = None,
    journal: Journal | None = None,
) -> int:
    """Configures the market for every collateral chain in `manifest`; returns how
    many settings it changed."""
    chain = manifest.market_chain()
    web3 = connect(chain.rpc_url, chain.chain_id)
    deployer = Account.from_key(deployer_key.get_secret_value())
    owner = deploy_sender(web3, deployer, chain.chain_id, journal)
    market = web3.eth.contract(
        address=Web3.to_checksum_address(manifest.address(chain, MARKET_KEY)),
        abi=(contracts or load_contracts()).get("IOptionsMarket").abi,
    )
    functions = market.functions
    haircut = to_wad(str(collateral.weth.haircut))
    unit = 10 ** (18 - TEST_TOKEN_DECIMALS)
    changed = 0
    for vault_chain in (c for c in manifest.chains if c.role != MARKET_ROLE):
        domain = vault_chain.domain
        if test_tokens:
            usd = Web3.to_checksum_address(manifest.address(vault_chain, USD.manifest_key))
            weth = Web3.to_checksum_address(manifest.address(vault_chain, WETH.manifest_key))
            quote = (functions.quoteToken(domain).call(), functions.tokenUnit(domain, usd).call())
            if quote != (usd, unit):
                call = functions.setQuoteToken(domain, usd, TEST_TOKEN_DECIMALS)
                owner.transact(call, f"making {usd} the quote token on domain {domain}")
                changed += 1
            listed = tuple(functions.collateralToken(domain, weth).call())
            if (*listed, functions.tokenUnit(domain, weth).call()) != (True, haircut, unit):
                call = functions.setCollateralToken(
                    domain, weth, haircut, True, TEST_TOKEN_DECIMALS
                )
                owner.transact(call, f"listing {weth} as collateral on domain {domain}")
                changed += 1
        if functions.domainLatency(domain).call() != latency:
            call = functions.setDomainLatency(domain, latency)
            owner.transact(call, f"setting the latency of domain {domain} to {latency} s")
            changed += 1
    return changed
